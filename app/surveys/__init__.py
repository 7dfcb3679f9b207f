"""Consumer satisfaction surveys (issue 15): answering pages for the public (``public``), design,
paper answers, results and the answers' export for staff (``staff``). The rules are
:mod:`surveys` (the core); how figures read is :mod:`app.surveys.display`."""

from flask import Blueprint

from surveys.results import ResultsCache

blueprint = Blueprint("surveys", __name__)

#: The figures of the surveys last read in this process (surveys.results.ResultsCache).
results_cache = ResultsCache()

from app.surveys import display, printed, public, staff  # noqa: E402, F401  (routes register on import)
