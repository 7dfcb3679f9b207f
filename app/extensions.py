"""Extensions, created unbound and bound in :func:`app.create_app`."""

from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

import barcode_db.models  # noqa: F401  (tables register on import)
import complaints.accounts
import complaints.campaign  # verification_day
import complaints.jobs
import complaints.models  # noqa: F401
import surveys.models  # noqa: F401  (survey, survey_response, survey_event)
from app.rate_limits import Limiter
from barcode_db.base import Base
from barcode_db.registry import SnapshotCache
from complaints.history_cache import HistoryCache

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
#: Counts shared by the workers (app/rate_limits.py): a limit of N lets N through, not N a worker.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# What a verification reads from the database, cached in each process. A change committed by
# this process is seen by its next verification; one committed by another process within a
# second (REGISTRY_CHECK_SECONDS, HISTORY_SECONDS): see barcode_db/registry.py and
# complaints/history_cache.py.
#: The registry snapshot; its version is read again at most once a second.
registry_cache = SnapshotCache()
#: Complaint history by GTIN, kept a second.
history_cache = HistoryCache()
registry_cache.watch(db.session)
history_cache.watch(db.session)
# Emptying the registry cache (tests do, with the database) forgets the history too.
registry_cache.also_clear.append(history_cache.clear)
