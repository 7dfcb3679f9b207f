"""Extensions, created unbound and bound in :func:`app.create_app`."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

import barcode_db.models  # noqa: F401  (tables register on import)
import complaints.accounts
import complaints.models  # noqa: F401
from barcode_db.base import Base
from barcode_db.registry import SnapshotCache

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
#: The per-process registry snapshot; rebuilt when the registry version moves.
registry_cache = SnapshotCache()
