"""Who may do what: one table of permissions by role, beside the area rule.

Roles (DESIGN.md): administrators (everything), staff of the association (their province,
optionally some of its communes), market inspectors (read, export, record the outcome of
referred cases), viewers (read). Where a complaint is, is :func:`can_see_area`'s question; what a
role may do with it is this table's. Views declare the permission they need
(``app.auth.access.permission_required``), cores check the acting user with :func:`require`,
and templates ask :func:`allows`, so the three never disagree.
"""

from __future__ import annotations

import enum

from barcode_db.messages import N_, Message, Refusal
from complaints.accounts import Role, User, area_filter, can_see_area
from complaints.workflow import Status

__all__ = [
    "OUTCOME_MOVES",
    "ROLES",
    "NotPermitted",
    "Permission",
    "allows",
    "area_filter",
    "can_see_area",
    "may_move",
    "may_read_contact",
    "may_record_outcome",
    "require",
    "roles_for",
]


class Permission(enum.StrEnum):
    #: The queue, a complaint's page and photos, the reports.
    READ = "read"
    #: Move complaints through the workflow, write notes, assign, merge, bulk changes, the
    #: duplicates and scan-signals pages, opening a complaint from signals.
    TRIAGE = "triage"
    #: Record the outcome of a referred case (REFERRED → CONFIRMED or DISMISSED).
    RECORD_OUTCOME = "record_outcome"
    #: The inspectors' case list, its CSV / XLSX / PDF exports; holding an API token.
    INSPECT = "inspect"
    #: Complainants' contact details, in the user's own area (see :func:`may_read_contact`).
    READ_CONTACT = "read_contact"
    #: A complaint's tracking code, on the pages of the user's own area. The code is the
    #: reporter's key to their case (the tracking page, rating a closed case): read-only roles
    #: name cases by number, and no export or API response carries it.
    READ_TRACKING_CODE = "read_tracking_code"
    #: Exports that carry complainants' personal data (asked for explicitly).
    EXPORT_PERSONAL = "export_personal"
    #: The brand registry: companies, prefixes, brands, products, certifications, imports.
    MANAGE_REGISTRY = "manage_registry"
    #: Consumer satisfaction surveys: design, quotas, paper answers, the answers' export.
    MANAGE_SURVEYS = "manage_surveys"
    #: The response templates staff start their notes from.
    MANAGE_TEMPLATES = "manage_templates"
    #: Accounts and their API tokens.
    MANAGE_USERS = "manage_users"


_EVERYONE = frozenset(Role)
_ASSOCIATION = frozenset({Role.ADMIN, Role.STAFF})
_WITH_INSPECTORS = frozenset({Role.ADMIN, Role.STAFF, Role.INSPECTOR})

#: The one table. Inspectors record outcomes but do not triage; viewers only read.
ROLES: dict[Permission, frozenset[Role]] = {
    Permission.READ: _EVERYONE,
    Permission.TRIAGE: _ASSOCIATION,
    Permission.RECORD_OUTCOME: _WITH_INSPECTORS,
    Permission.INSPECT: _WITH_INSPECTORS,
    Permission.READ_CONTACT: _ASSOCIATION,
    Permission.READ_TRACKING_CODE: _ASSOCIATION,
    Permission.EXPORT_PERSONAL: _ASSOCIATION,
    Permission.MANAGE_REGISTRY: _ASSOCIATION,
    Permission.MANAGE_SURVEYS: _ASSOCIATION,
    Permission.MANAGE_TEMPLATES: frozenset({Role.ADMIN}),
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
}

#: The moves an outcome is: what RECORD_OUTCOME allows without TRIAGE.
OUTCOME_MOVES = frozenset(
    {(Status.REFERRED, Status.CONFIRMED), (Status.REFERRED, Status.DISMISSED)}
)

NOT_PERMITTED = Message("not_allowed", N_("Your role cannot do this."))


class NotPermitted(Refusal):
    """The acting user's role does not allow the operation."""

    status = 403


def roles_for(*permissions: Permission) -> tuple[Role, ...]:
    """The roles holding any of ``permissions``, in the order roles are declared."""
    return tuple(role for role in Role if any(role in ROLES[p] for p in permissions))


def allows(user: User, *permissions: Permission) -> bool:
    """Whether the user's role holds any of ``permissions``."""
    return any(user.role in ROLES[permission] for permission in permissions)


def require(user: User, *permissions: Permission, message: Message = NOT_PERMITTED) -> None:
    """Refuse (:class:`NotPermitted`, 403) unless the user holds one of ``permissions``."""
    if not allows(user, *permissions):
        raise NotPermitted(message)


def may_move(user: User, current: Status, target: Status) -> bool:
    """Triage moves anything the workflow allows; an outcome is the only move of the rest."""
    if allows(user, Permission.TRIAGE):
        return True
    return allows(user, Permission.RECORD_OUTCOME) and (current, target) in OUTCOME_MOVES


def may_record_outcome(user: User, status: Status) -> bool:
    """Whether the case's page offers the user the outcome form (inspectors, referred cases)."""
    return (
        status is Status.REFERRED
        and allows(user, Permission.RECORD_OUTCOME)
        and not allows(user, Permission.TRIAGE)
    )


def may_read_contact(user: User, province_code: str | None, commune_code: str | None) -> bool:
    """Complainants' contact details: administrators, and staff of the complaint's area."""
    return allows(user, Permission.READ_CONTACT) and can_see_area(user, province_code, commune_code)
