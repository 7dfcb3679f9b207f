"""Response templates: the text staff start from when they move a complaint to a status.

Administrators edit them; each template records who saved it last (``updated_by``) and when.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from complaints.accounts import User
from complaints.models import ResponseTemplate
from complaints.permissions import Permission, require
from complaints.workflow import Status

BODY_LENGTH = 4000


def fetch_response_templates(session: Session, language: str = "vi") -> dict[Status, str]:
    """The templates of a language, by status."""
    return {
        template.status: template.body
        for template in session.scalars(
            sa.select(ResponseTemplate).where(ResponseTemplate.language == language)
        )
    }


def save_response_templates(
    session: Session, bodies: Mapping[Status, str], *, actor: User, language: str = "vi"
) -> list[Status]:
    """Save the given statuses' templates (an empty text empties one); returns those changed."""
    require(actor, Permission.MANAGE_TEMPLATES)
    existing = {
        template.status: template
        for template in session.scalars(
            sa.select(ResponseTemplate).where(ResponseTemplate.language == language)
        )
    }
    changed = []
    for status, text in bodies.items():
        body = text.strip()[:BODY_LENGTH]
        template = existing.get(status)
        if template is None and body:
            session.add(
                ResponseTemplate(
                    status=status, language=language, body=body, updated_by=actor.username
                )
            )
        elif template is not None and template.body != body:
            template.body = body
            template.updated_by = actor.username
        else:
            continue
        changed.append(status)
    session.flush()
    return changed
