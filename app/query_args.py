"""The query strings of the staff and inspectors' pages and of the cases API, read by schemas:
one reader per page, so every value is checked once, a bad one is a 400 that says which and why
(never a 500 from deep inside a query), and the filters become ``QueueFilters`` in one place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import lazy_gettext
from marshmallow import fields, validate
from werkzeug.exceptions import BadRequest

from app.clock import LOCAL_TZ
from app.schema_fields import Input, OneOf, date_field, field_messages, integer_field
from barcode_db.categories import CODES as CATEGORY_CODES
from barcode_db.textkey import search_key
from barcode_db.verdict import Level
from complaints import queries
from complaints.workflow import Category, Status

#: Filters by day take days between these: earlier or later ones are typing mistakes (and the
#: database's timestamps cannot hold year 1 in Hanoi's time zone).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
#: The largest id or page number a query may name (the database's ids are 32-bit).
MAX_NUMBER = queries.MAX_KEY
SEARCH_LENGTH = 100


def day_field(**kwargs: Any) -> fields.Date:
    return date_field(
        validate=validate.Range(
            min=FIRST_DAY,
            max=LAST_DAY,
            error=lazy_gettext("Choose a day between 01/01/2000 and 31/12/2099."),
        ),
        **kwargs,
    )


def number_field(**kwargs: Any) -> fields.Integer:
    return integer_field(
        strict=False,
        validate=validate.Range(
            min=1,
            max=MAX_NUMBER,
            error=lazy_gettext("Must be a whole number from 1 to %(max)s.", max=MAX_NUMBER),
        ),
        **kwargs,
    )


def digits_field(pattern: str, message: Any, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(f"^{pattern}$", error=message),
        error_messages=field_messages(),
        metadata={**kwargs.pop("metadata", {}), "pattern": f"^{pattern}$"},
        **kwargs,
    )


def _cursor_problem(value: str) -> None:
    if queries.read_cursor(value) is None:
        raise ma.ValidationError(
            str(lazy_gettext("This page link is not valid: open the list again from its start."))
        )


def _search_field(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.Length(
            max=SEARCH_LENGTH,
            error=lazy_gettext("At most %(max)s characters.", max=SEARCH_LENGTH),
        ),
        error_messages=field_messages(),
        metadata={**kwargs.pop("metadata", {}), "maxLength": SEARCH_LENGTH},
        **kwargs,
    )


class FilterQuery(Input):
    """The filters the queue, the inspectors' pages and the cases API share."""

    status = fields.List(
        fields.String(validate=OneOf([s.value for s in Status])),
        metadata={"description": "Repeat for several.", "label": lazy_gettext("Status")},
    )
    category = fields.List(
        fields.String(validate=OneOf([c.value for c in Category])),
        metadata={"description": "Repeat for several.", "label": lazy_gettext("Problem")},
    )
    province = digits_field(
        "[0-9]{2}",
        lazy_gettext("A province code is 2 digits."),
        metadata={"label": lazy_gettext("Province")},
    )
    commune = digits_field(
        "[0-9]{5}",
        lazy_gettext("A commune code is 5 digits."),
        metadata={"label": lazy_gettext("Commune")},
    )
    from_ = day_field(data_key="from", metadata={"label": lazy_gettext("From")})
    to = day_field(metadata={"label": lazy_gettext("To")})
    gtin = digits_field("[0-9]{1,14}", lazy_gettext("A GTIN is 1 to 14 digits."))
    after = fields.String(
        validate=_cursor_problem,
        error_messages=field_messages(),
        metadata={"description": "the previous page's next", "label": lazy_gettext("Page")},
    )


class CaseQuery(FilterQuery):
    """The inspectors' filters: their pages and the cases API (``GET /api/v1/cases``)."""

    flagged = fields.String(validate=OneOf(["1"]))
    brand = _search_field(metadata={"label": lazy_gettext("Brand")})
    store = _search_field(metadata={"label": lazy_gettext("Store")})
    limit = integer_field(load_default=100, validate=validate.Range(min=1, max=500))


class InspectQuery(CaseQuery):
    """The inspectors' pages add: the cases chosen for a PDF, and asking for personal data."""

    id = fields.List(number_field(), metadata={"description": "Repeat for several."})
    personal = fields.String(validate=OneOf(["1"]))


class QueueQuery(FilterQuery):
    """The staff queue's filters and order."""

    level = fields.List(
        fields.String(validate=OneOf([level.value for level in Level])),
        metadata={"label": lazy_gettext("Verdict")},
    )
    assigned = fields.String(
        validate=validate.Regexp(
            r"^(me|none|[1-9][0-9]{0,9})$",
            error=lazy_gettext("Choose “me”, “none” or a member of staff."),
        ),
        metadata={"label": lazy_gettext("Assigned to")},
    )
    photos = fields.String()
    overdue = fields.String()
    q = _search_field(metadata={"label": lazy_gettext("Search")})
    sort = fields.String(
        validate=OneOf([s.value for s in queries.Sort]), metadata={"label": lazy_gettext("Sort")}
    )


class PageQuery(Input):
    """A paged list with a search box (the public brand list, the registry)."""

    q = fields.String(load_default="")
    province = fields.String(load_default="")
    page = number_field(load_default=1)


class CatalogueQuery(PageQuery):
    """The public brand list: a search, a province and a product category
    (:mod:`barcode_db.categories`)."""

    q = _search_field(load_default="", metadata={"label": lazy_gettext("Search")})
    category = fields.String(
        load_default="",
        # A person reads this page's errors: the list's words, not the codes behind them.
        validate=OneOf(
            list(CATEGORY_CODES), error=lazy_gettext("Choose a kind of product from the list.")
        ),
        metadata={"label": lazy_gettext("Kind of product")},
    )


class DaysQuery(Input):
    days = integer_field(load_default=7, validate=OneOf([1, 7, 30]))


def read_query(schema: type[Input]) -> dict[str, Any]:
    """The page's query string read by ``schema`` (empty boxes are "not given", unknown
    parameters ignored); a value it refuses is a 400 naming the parameter and why."""
    reader = schema()
    reader.drop_empty = True
    try:
        return dict(reader.load(request.args))
    except ma.ValidationError as error:
        refused = BadRequest()
        refused.data = {  # type: ignore[attr-defined]
            "messages": {"query": error.normalized_messages()},
            # What the page's form calls each parameter, for the error page (the API names
            # the parameter itself).
            "labels": {
                field.data_key or name: str(field.metadata["label"])
                for name, field in reader.fields.items()
                if "label" in field.metadata
            },
        }
        raise refused from error


def _local_day_start(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(day, dt.time(), LOCAL_TZ).astimezone(dt.UTC) if day else None


def filters_from(
    args: dict[str, Any], *, default_statuses: tuple[Status, ...] = ()
) -> queries.QueueFilters:
    """The shared filters of a read query string as the queue's filters."""
    until = _local_day_start(args.get("to"))
    keys = (search_key(args.get("brand", "")), search_key(args.get("store", "")))
    return queries.QueueFilters(
        statuses=tuple(Status(s) for s in args.get("status", ())) or default_statuses,
        categories=tuple(Category(c) for c in args.get("category", ())),
        province_code=args.get("province"),
        commune_code=args.get("commune"),
        created_from=_local_day_start(args.get("from_")),
        created_before=until + dt.timedelta(days=1) if until else None,
        gtin=args["gtin"].zfill(14) if args.get("gtin") else None,
        also_contains=tuple(key for key in keys if key),
    )
