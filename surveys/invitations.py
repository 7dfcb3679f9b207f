"""Invitations to answer: a verdict on a trusted Vietnamese product of the registry may invite the
shopper to rate it in a short survey of the association.

A survey invites when it is open today, its staff ticked ``invite_on_verdict``, and its subject
covers the product (or brand): the one rule of what a survey is about is
:func:`surveys.answering.in_survey`, used here as for the answers themselves. When several surveys
would invite, the one about the product most narrowly wins (a list of products, then of brands,
then a kind of product, then Vietnamese goods in general), then the one closing first.

No Flask and no clock: the caller passes ``today``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.models import Brand, Product
from surveys.answering import in_survey
from surveys.design import Stage, stage
from surveys.models import Survey
from surveys.questions import Subject

#: The most narrowly aimed survey first.
_NARROWEST_FIRST = {
    Subject.PRODUCTS: 0,
    Subject.BRANDS: 1,
    Subject.CATEGORY: 2,
    Subject.GENERAL: 3,
}


def _inviting(today: dt.date) -> tuple[sa.ColumnElement[bool], ...]:
    """The surveys that invite on a verdict ``today``: open, with invitations on."""
    return (
        Survey.invite_on_verdict.is_(True),
        Survey.opens_on <= today,
        Survey.closes_on >= today,
    )


def _first_covering(
    surveys: Sequence[Survey],
    *,
    brand_id: int | None,
    product_id: int | None,
    category: str | None,
) -> Survey | None:
    """The survey of ``surveys`` to invite to for this product (or brand), or None.

    :func:`in_survey` reads the ids and the category of what is rated: it is given transient
    registry rows holding just those (never added to a session), so the rule stays in one place
    and no row is loaded again."""
    brand = Brand(id=brand_id, category=category) if brand_id is not None else None
    product = Product(id=product_id, category=category) if product_id is not None else None
    covering = [s for s in surveys if in_survey(s, brand, product)]
    if not covering:
        return None
    return min(
        covering,
        key=lambda s: (_NARROWEST_FIRST.get(Subject(s.subject), 9), s.closes_on, s.id),
    )


def invitation(
    session: Session,
    *,
    brand_id: int | None,
    product_id: int | None,
    category: str | None,
    today: dt.date,
) -> Survey | None:
    """The open survey with invitations on that covers this product (``product_id``, of the
    brand ``brand_id``, of the kind ``category``: its own, else its brand's), or None.

    A brand alone (``product_id`` None) is covered by a survey of brands, of its kind or of
    Vietnamese goods in general; never by a survey of products."""
    if brand_id is None and product_id is None:
        return None
    surveys = session.scalars(sa.select(Survey).where(*_inviting(today))).all()
    return _first_covering(surveys, brand_id=brand_id, product_id=product_id, category=category)


def invitation_for_gtin(session: Session, gtin14: str, *, today: dt.date) -> Survey | None:
    """:func:`invitation` for the registry's product with this GTIN (14 digits), in one query
    (the product by its unique GTIN, with the open surveys that invite): the verdict page asks
    it on the verification hot path, for trusted products only.

    A retired product invites to nothing; a retired brand counts as no brand (as for answers:
    :func:`surveys.answering.resolve_subject`)."""
    rows = session.execute(
        sa.select(
            Survey,
            Product.id,
            Brand.id,
            sa.func.coalesce(Product.category, Brand.category),
        )
        .select_from(Product)
        .outerjoin(Brand, sa.and_(Brand.id == Product.brand_id, Brand.retired_at.is_(None)))
        .join(Survey, sa.and_(*_inviting(today)))
        .where(Product.gtin == gtin14, Product.retired_at.is_(None))
    ).all()
    if not rows:
        return None
    _survey, product_id, brand_id, category = rows[0]
    return _first_covering(
        [row[0] for row in rows], brand_id=brand_id, product_id=product_id, category=category
    )


def carried_survey_for_gtin(
    session: Session, survey: Survey, gtin14: str, *, today: dt.date
) -> Survey | None:
    """The survey a shopper came from (its answer page's "scan it" link carries its code through
    the scan page) when it is open today and covers the registry's product with this GTIN —
    whether or not it invites on verdicts of its own accord; else None."""
    if stage(survey, today) is not Stage.OPEN:
        return None
    row = session.execute(
        sa.select(Product.id, Brand.id, sa.func.coalesce(Product.category, Brand.category))
        .select_from(Product)
        .outerjoin(Brand, sa.and_(Brand.id == Product.brand_id, Brand.retired_at.is_(None)))
        .where(Product.gtin == gtin14, Product.retired_at.is_(None))
    ).first()
    if row is None:
        return None
    product_id, brand_id, category = row
    return _first_covering([survey], brand_id=brand_id, product_id=product_id, category=category)
