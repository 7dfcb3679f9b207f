"""Who may manage or read which survey: one rule for the staff pages, their buttons and tests.

A survey belongs to a province (``Survey.province_code``) or to the whole country (None).

- Managing it (design, quotas, paper answers, the answers' export): a role holding
  ``Permission.MANAGE_SURVEYS``, and a user of no province (administrators) or of the survey's
  province. A whole-country survey is managed only by users of no province.
- Reading it (its overview and results): any signed-in role (``Permission.READ``); a user of a
  province reads the surveys of that province and the whole-country ones.

No Flask.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from complaints.accounts import User
from complaints.permissions import Permission, allows
from surveys.models import Survey


def may_manage(user: User, survey_province_code: str | None) -> bool:
    """Whether ``user`` may change a survey of ``survey_province_code`` (None: the country's),
    or create one there."""
    return allows(user, Permission.MANAGE_SURVEYS) and (
        user.province_code is None or user.province_code == survey_province_code
    )


def may_read(user: User, survey_province_code: str | None) -> bool:
    """Whether ``user`` may read a survey of ``survey_province_code`` and its results."""
    return allows(user, Permission.READ) and (
        user.province_code is None
        or survey_province_code is None
        or survey_province_code == user.province_code
    )


def readable(user: User) -> Any:
    """The SQL condition on :class:`Survey` matching the surveys ``user`` may read."""
    if not allows(user, Permission.READ):
        return sa.false()
    if user.province_code is None:
        return sa.true()
    return sa.or_(Survey.province_code.is_(None), Survey.province_code == user.province_code)
