"""One unit of work: no module of the app commits or rolls back on its own.

Views and the verification service hand their changes to ``app.unit_of_work`` (which also turns
the database's refusals into 400 / 409 pages); only it and the command line (``app/cli.py``,
one command per transaction) call ``session.commit()`` or ``session.rollback()``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"app/unit_of_work.py", "app/cli.py"}
CALL = re.compile(r"\bsession(?:\(\))?\.(?:commit|rollback)\(")


def offenders() -> list[str]:
    """Every ``session.commit(`` / ``session.rollback(`` under app/ outside ALLOWED, as
    ``path:line: code``."""
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if CALL.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_the_check_finds_a_commit_where_there_is_one() -> None:
    # The pattern itself: a check that cannot fail is worse than none.
    assert CALL.search("        db.session.commit()")
    assert CALL.search("session.rollback()")
    assert CALL.search("db.session().commit()")
    assert not CALL.search("unit_of_work.commit()")
    assert not CALL.search("savepoint.rollback()")


def test_no_module_of_the_app_commits_or_rolls_back_itself() -> None:
    found = offenders()
    assert found == [], "commit through app.unit_of_work instead:\n" + "\n".join(found)
