"""Consumer satisfaction surveys (issue 15): answering pages for the public (``public``), design,
paper answers, results and the answers' export for staff (``staff``). The rules are
:mod:`surveys` (the core); how figures read is :mod:`app.surveys.display`."""

from flask import Blueprint

blueprint = Blueprint("surveys", __name__)

from app.surveys import display, printed, public, staff  # noqa: E402, F401  (routes register on import)
