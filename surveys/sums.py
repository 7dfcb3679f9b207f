"""The answers of each survey, summed as the results need them (table ``survey_sums``).

For every answer, four rows are added to: what it rates (brand, product, category) with no
dimension, and with each quota dimension (province, age group, sales channel) under the stratum
the answer gave ("" when it gave none). Each row holds, for the index and each criterion, the
number of answers, their sum and their sum of squares, and the yes answers of "would you choose
it again": the sufficient statistics :func:`surveys.statistics.summarise_sums` needs. Adding is
one INSERT … ON CONFLICT DO UPDATE (SQLite and PostgreSQL), in the answer's transaction, so the
sums change exactly when an answer is stored.

The results read the rows of the survey's weighting dimension, grouped as asked (the whole
survey, or by brand, product or category) in the database: a few thousand rows whatever the
number of answers. :func:`raw_sums` computes the same from the answers themselves; the tests
hold the two equal, and :func:`rebuild` replaces a survey's rows by it.

No Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from surveys.batch import WIDTH, GroupedSums
from surveys.models import Survey, SurveyResponse, SurveySums
from surveys.questions import AnswerSource, Dimension
from surveys.statistics import Criterion, Moments, StratumSums

NONE = ""
#: The dimensions a row is kept under; "" is the row of no dimension.
DIMENSIONS: tuple[str, ...] = (NONE, *(d.value for d in Dimension))
STRATUM_OF: dict[str, str] = {
    Dimension.PROVINCE: "province_code",
    Dimension.AGE_GROUP: "age_group",
    Dimension.CHANNEL: "channel",
}
KEY = ("survey_id", "brand_id", "product_id", "category", "dimension", "stratum")
#: The figures' columns in the order :func:`_stratum_sums` reads them.
MOMENTS = ("index", *(c.value for c in Criterion))
VALUES: tuple[str, ...] = (
    "respondents",
    "paper",
    *(f"{name}_{part}" for name in MOMENTS for part in ("n", "total", "squares")),
    "again_n",
    "again_yes",
)

SURVEY, BRAND, PRODUCT, CATEGORY = "survey", "brand", "product", "category"
GROUP_COLUMNS: dict[str, str | None] = {
    SURVEY: None,
    BRAND: "brand_id",
    PRODUCT: "product_id",
    CATEGORY: "category",
}


def _values(response: SurveyResponse) -> dict[str, Any]:
    values: dict[str, Any] = {
        "respondents": 1,
        "paper": 1 if response.source == AnswerSource.PAPER else 0,
        "again_n": 0 if response.choose_again is None else 1,
        "again_yes": 1 if response.choose_again else 0,
    }
    answers: dict[str, float | None] = {"index": response.satisfaction_index}
    answers.update({c.value: getattr(response, c.value) for c in Criterion})
    for name, value in answers.items():
        values[f"{name}_n"] = 0 if value is None else 1
        values[f"{name}_total"] = 0.0 if value is None else float(value)
        values[f"{name}_squares"] = 0.0 if value is None else float(value) * float(value)
    return values


def rows_of(response: SurveyResponse) -> list[dict[str, Any]]:
    """The four rows one answer adds to."""
    cell = {
        "survey_id": response.survey_id,
        "brand_id": response.brand_id or 0,
        "product_id": response.product_id or 0,
        "category": response.category or NONE,
    }
    values = _values(response)
    rows = [{**cell, "dimension": NONE, "stratum": NONE, **values}]
    for dimension, column in STRATUM_OF.items():
        stratum = getattr(response, column) or NONE
        rows.append({**cell, "dimension": str(dimension), "stratum": stratum, **values})
    return rows


def _upsert(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    insert: Any = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    table: Any = SurveySums.__table__
    if insert is None:  # a database without INSERT … ON CONFLICT: update, or insert
        for row in rows:
            match = sa.and_(*(table.c[name] == row[name] for name in KEY))
            updated = session.execute(
                sa.update(table)
                .where(match)
                .values({name: table.c[name] + row[name] for name in VALUES})
            )
            if updated.rowcount == 0:  # type: ignore[attr-defined]
                session.execute(sa.insert(table).values(**row))
        return
    statement = insert(table).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(KEY),
            set_={name: table.c[name] + statement.excluded[name] for name in VALUES},
        )
    )


def add_answer(session: Session, response: SurveyResponse) -> None:
    """Add a stored answer to its survey's sums (in the same transaction)."""
    _upsert(session, rows_of(response))


def _sum_columns(values: dict[str, Any]) -> list[Any]:
    return [sa.func.sum(values[name]).label(name) for name in VALUES]


def raw_sums(session: Session, survey: Survey) -> list[dict[str, Any]]:
    """The survey's rows computed from its answers (what the upserts should have made)."""
    r = SurveyResponse
    index = r.satisfaction_index

    def moments(column: Any, name: str) -> dict[str, Any]:
        return {
            f"{name}_n": sa.case((column.is_(None), 0), else_=1),
            f"{name}_total": sa.func.coalesce(column, 0),
            f"{name}_squares": sa.func.coalesce(column * column, 0),
        }

    values: dict[str, Any] = {
        "respondents": sa.literal(1),
        "paper": sa.case((r.source == AnswerSource.PAPER.value, 1), else_=0),
        "again_n": sa.case((r.choose_again.is_(None), 0), else_=1),
        "again_yes": sa.case((r.choose_again.is_(True), 1), else_=0),
        **moments(index, "index"),
    }
    for criterion in Criterion:
        values.update(moments(getattr(r, criterion.value), criterion.value))
    cell: list[Any] = [
        sa.func.coalesce(r.brand_id, 0).label("brand_id"),
        sa.func.coalesce(r.product_id, 0).label("product_id"),
        sa.func.coalesce(r.category, NONE).label("category"),
    ]
    rows: list[dict[str, Any]] = []
    for dimension in DIMENSIONS:
        stratum = (
            sa.func.coalesce(getattr(r, STRATUM_OF[dimension]), NONE)
            if dimension
            else sa.literal(NONE)
        ).label("stratum")
        statement: Any = (
            sa.select(*cell, stratum, *_sum_columns(values))
            .where(r.survey_id == survey.id)
            .group_by(*cell[:3], *([stratum] if dimension else []))
        )
        for row in session.execute(statement).mappings():
            rows.append(
                {
                    "survey_id": survey.id,
                    **{name: row[name] for name in ("brand_id", "product_id", "category")},
                    "dimension": dimension,
                    "stratum": row["stratum"],
                    **{name: row[name] or 0 for name in VALUES},
                }
            )
    return rows


def stored_sums(session: Session, survey: Survey) -> list[dict[str, Any]]:
    """The survey's rows as stored."""
    table = SurveySums.__table__
    return [
        dict(row)
        for row in session.execute(
            sa.select(table).where(table.c.survey_id == survey.id)
        ).mappings()
    ]


def rebuild(session: Session, survey: Survey) -> int:
    """Replace the survey's rows by those computed from its answers; how many rows."""
    session.execute(sa.delete(SurveySums).where(SurveySums.survey_id == survey.id))
    rows = raw_sums(session, survey)
    for start in range(0, len(rows), 500):
        session.execute(sa.insert(SurveySums), rows[start : start + 500])
    return len(rows)


#: Where each value sits in a row of :func:`grouped_all`'s query: after the grouping, the
#: group's brand, product and category, and the stratum.
_FIRST = 5
_AT = {name: position for position, name in enumerate(VALUES, start=_FIRST)}
_CRITERION_AT = tuple((criterion, _AT[f"{criterion.value}_n"]) for criterion in Criterion)
_RESPONDENTS, _INDEX, _AGAIN_N, _AGAIN_YES = (
    _AT["respondents"],
    _AT["index_n"],
    _AT["again_n"],
    _AT["again_yes"],
)
_make = Moments._make


def _stratum_sums(row: tuple[Any, ...]) -> StratumSums:
    """A row of sums as :class:`StratumSums` (the database gives ints and floats: cast)."""
    yes = row[_AGAIN_YES]
    return StratumSums(
        row[_RESPONDENTS],
        _make(row[_INDEX : _INDEX + 3]),
        {criterion: _make(row[at : at + 3]) for criterion, at in _CRITERION_AT},
        Moments(row[_AGAIN_N], yes, yes),
    )


def _grouping(kind: str, survey: Survey, brand_id: int | None) -> Any:
    """One grouping's part of :func:`grouped_all`'s query."""
    table = SurveySums.__table__
    column_name = GROUP_COLUMNS[kind]
    keys = {
        name: (table.c[name] if name == column_name else sa.literal(empty))
        for name, empty in (("brand_id", 0), ("product_id", 0), ("category", NONE))
    }
    statement = (
        sa.select(
            sa.literal(kind).label("grouping"),
            sa.cast(keys["brand_id"], sa.Integer).label("brand_id"),
            sa.cast(keys["product_id"], sa.Integer).label("product_id"),
            sa.cast(keys["category"], sa.String).label("category"),
            table.c.stratum,
            # Cast back: PostgreSQL sums integers as numeric, which arrives as slow Decimals.
            *[
                sa.cast(sa.func.sum(table.c[name]), table.c[name].type).label(name)
                for name in VALUES
            ],
        )
        .where(table.c.survey_id == survey.id, table.c.dimension == (survey.weight_by or NONE))
        .group_by(*([table.c[column_name]] if column_name else []), table.c.stratum)
    )
    if column_name:
        statement = statement.where(
            table.c[column_name] != (NONE if column_name == "category" else 0)
        )
    if brand_id is not None:
        statement = statement.where(table.c.brand_id == brand_id)
    return statement


Groups = dict[Any, dict[Hashable | None, StratumSums]]


def grouped_all(
    session: Session,
    survey: Survey,
    kinds: tuple[str, ...] = (SURVEY, BRAND, PRODUCT, CATEGORY),
    *,
    brand_id: int | None = None,
) -> dict[str, Groups]:
    """The survey's sums by group of each grouping in ``kinds`` (the whole survey: one group
    "all"; brands, products and categories by their id or code, leaving out answers with none)
    and by stratum of its weighting dimension (None: the answer gave none; all None when it is
    not weighted). One query (UNION ALL of the groupings)."""
    statement = sa.union_all(*(_grouping(kind, survey, brand_id) for kind in kinds))
    result: dict[str, Groups] = {kind: defaultdict(dict) for kind in kinds}
    position = {SURVEY: None, BRAND: 1, PRODUCT: 2, CATEGORY: 3}
    for row in session.execute(statement).tuples():
        kind = row[0]
        at = position[kind]
        key = "all" if at is None else row[at]
        result[kind][key][row[4] or None] = _stratum_sums(tuple(row))
    return result


#: Which of a row's values go where in a :class:`surveys.batch.GroupedSums` cell (paper
#: answers are not a figure).
_BATCH_COLUMNS = [_AT["respondents"], *range(_AT["index_n"], _AT["again_yes"] + 1)]


def grouped_arrays(
    session: Session, survey: Survey, kinds: tuple[str, ...] = (SURVEY, BRAND, PRODUCT, CATEGORY)
) -> dict[str, GroupedSums]:
    """What :func:`grouped_all` reads, as arrays for :func:`surveys.batch.summarise_grouped`."""
    statement = sa.union_all(*(_grouping(kind, survey, None) for kind in kinds))
    position = {SURVEY: None, BRAND: 1, PRODUCT: 2, CATEGORY: 3}
    rows = session.execute(statement).all()
    arrays: dict[str, GroupedSums] = {}
    for kind in kinds:
        at = position[kind]
        mine = [row for row in rows if row[0] == kind]
        keys = list(dict.fromkeys("all" if at is None else row[at] for row in mine))
        strata = list(dict.fromkeys(row[4] or None for row in mine))
        values = np.zeros((len(keys), len(strata), WIDTH))
        if mine:
            key_index = {key: i for i, key in enumerate(keys)}
            stratum_index = {stratum: i for i, stratum in enumerate(strata)}
            g = [key_index["all" if at is None else row[at]] for row in mine]
            s = [stratum_index[row[4] or None] for row in mine]
            cells = np.array([[row[i] for i in _BATCH_COLUMNS] for row in mine], dtype=float)
            np.add.at(values, (g, s), cells)
        arrays[kind] = GroupedSums(keys, strata, values)
    return arrays


def grouped(
    session: Session, survey: Survey, grouping: str, *, brand_id: int | None = None
) -> Groups:
    """:func:`grouped_all` for one grouping."""
    return grouped_all(session, survey, (grouping,), brand_id=brand_id)[grouping]


def paper_answers(session: Session, survey: Survey) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(SurveySums.paper), 0)).where(
                SurveySums.survey_id == survey.id, SurveySums.dimension == NONE
            )
        )
        or 0
    )


def strata_counts(session: Session, survey: Survey, dimension: str) -> dict[str, int]:
    """Answers by stratum of one dimension (those that gave it)."""
    rows = session.execute(
        sa.select(SurveySums.stratum, sa.func.sum(SurveySums.respondents))
        .where(
            SurveySums.survey_id == survey.id,
            SurveySums.dimension == dimension,
            SurveySums.stratum != NONE,
        )
        .group_by(SurveySums.stratum)
    )
    return {stratum: int(count) for stratum, count in rows}
