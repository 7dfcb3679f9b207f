"""A survey's figures: for the whole survey and for each brand, product and category answered.

The database sums (one grouped query: per brand × product × category × stratum, the count, sum
and sum of squares of each question's answers); :func:`surveys.statistics.summarise_sums` turns
the sums into the figures, weighted to the survey's quota targets when it has a weighting
dimension. Each group is compared with the same group in the survey of the period before.

What may be published (:func:`public_results`, the brand pages) is the same figures, only for a
survey that says so, and only the groups with at least the survey's minimum number of answers.

No Flask and no clock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.models import Brand, Product
from surveys.models import Survey, SurveyResponse
from surveys.questions import AnswerSource, Dimension
from surveys.statistics import (
    Comparison,
    Criterion,
    Moments,
    StratumSums,
    Summary,
    compare,
    summarise_sums,
)

STRATUM_COLUMNS: dict[Dimension, Any] = {
    Dimension.PROVINCE: SurveyResponse.province_code,
    Dimension.AGE_GROUP: SurveyResponse.age_group,
    Dimension.CHANNEL: SurveyResponse.channel,
}


SURVEY, BRAND, PRODUCT, CATEGORY = "survey", "brand", "product", "category"
GROUPINGS = (BRAND, PRODUCT, CATEGORY)

Cell = tuple[int | None, int | None, str | None]  # brand id, product id, category


def _moments(column: Any) -> list[Any]:
    return [sa.func.count(column), sa.func.sum(column), sa.func.sum(column * column)]


def _sums(
    session: Session,
    survey: Survey,
    *,
    brand_id: int | None = None,
) -> dict[Cell, dict[Hashable | None, StratumSums]]:
    """One grouped query: the sums of each cell (brand, product, category) by stratum."""
    response = SurveyResponse
    stratum = (
        STRATUM_COLUMNS[Dimension(survey.weight_by)] if survey.weight_by else sa.null()
    ).label("stratum")
    yes = sa.case((response.choose_again.is_(True), 1), else_=0)
    columns = [
        response.brand_id,
        response.product_id,
        response.category,
        stratum,
        sa.func.count(),
        *_moments(response.satisfaction_index),
    ]
    for criterion in Criterion:
        columns.extend(_moments(getattr(response, criterion.value)))
    columns.extend(
        [
            sa.func.count(response.choose_again),
            sa.func.sum(yes),
        ]
    )
    statement = (
        sa.select(*columns)
        .where(response.survey_id == survey.id)
        .group_by(
            response.brand_id,
            response.product_id,
            response.category,
            *([stratum] if survey.weight_by else []),
        )
    )
    if brand_id is not None:
        statement = statement.where(response.brand_id == brand_id)
    cells: dict[Cell, dict[Hashable | None, StratumSums]] = defaultdict(dict)
    for row in session.execute(statement):
        brand, product, category, key, respondents = row[:5]
        values = row[5:]

        def take(at: int, values: Any = values) -> Moments:
            return Moments(int(values[at]), float(values[at + 1] or 0), float(values[at + 2] or 0))

        index = take(0)
        criteria = {criterion: take(3 * (i + 1)) for i, criterion in enumerate(Criterion)}
        yes_count = float(values[-1] or 0)
        choose_again = Moments(int(values[-2]), yes_count, yes_count)
        cells[(brand, product, category)][key] = StratumSums(
            int(respondents), index, criteria, choose_again
        )
    return cells


def _roll_up(
    cells: Mapping[Cell, Mapping[Hashable | None, StratumSums]], key_of: Any
) -> dict[Any, dict[Hashable | None, StratumSums]]:
    groups: dict[Any, dict[Hashable | None, StratumSums]] = defaultdict(dict)
    for cell, strata in cells.items():
        key = key_of(cell)
        if key is None:
            continue
        group = groups[key]
        for stratum, sums in strata.items():
            group[stratum] = group[stratum] + sums if stratum in group else sums
    return groups


def _targets(survey: Survey) -> dict[Hashable, float] | None:
    if not survey.weight_by:
        return None
    targets = survey.quotas.get(survey.weight_by) or {}
    return {stratum: float(target) for stratum, target in targets.items()} or None


@dataclass(frozen=True)
class GroupFigures:
    """The figures of one group, and how its index and choose-again share moved since the
    survey before (None: no survey before, or a side withheld)."""

    kind: str  # survey, brand, product, category
    key: Any  # the brand's or product's id, the category's code, None for the whole survey
    name: str  # the registry's name (brands, products); categories are named by the reader
    summary: Summary
    previous: Summary | None = None
    index_change: Comparison | None = None
    choose_again_change: Comparison | None = None


@dataclass(frozen=True)
class QuotaLine:
    stratum: str
    target: int
    achieved: int

    @property
    def share(self) -> float:
        return self.achieved / self.target if self.target else 0.0


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    answers: int
    by_source: Mapping[str, int]
    overall: GroupFigures
    groups: Mapping[str, list[GroupFigures]]
    quotas: Mapping[Dimension, list[QuotaLine]] = field(default_factory=dict)
    previous_survey: Survey | None = None


def _figures(
    kind: str,
    groups: Mapping[Any, Mapping[Hashable | None, StratumSums]],
    survey: Survey,
    previous: Mapping[Any, Mapping[Hashable | None, StratumSums]] | None,
    previous_survey: Survey | None,
    names: Mapping[Any, str],
) -> list[GroupFigures]:
    targets = _targets(survey)
    result = []
    for key, strata in groups.items():
        summary = summarise_sums(strata, targets, survey.minimum_n)
        before = None
        if previous is not None and previous_survey is not None and key in previous:
            before = summarise_sums(
                previous[key], _targets(previous_survey), previous_survey.minimum_n
            )
        result.append(
            GroupFigures(
                kind,
                key,
                names.get(key, ""),
                summary,
                before,
                compare(summary.index.estimate, before.index.estimate if before else None),
                compare(
                    summary.choose_again.estimate,
                    before.choose_again.estimate if before else None,
                ),
            )
        )
    # Most answers first, then by name: the groups a reader can trust first.
    result.sort(key=lambda g: (-g.summary.respondents, g.name, str(g.key)))
    return result


KEYS: dict[str, Any] = {
    SURVEY: lambda cell: "all",
    BRAND: lambda cell: cell[0],
    PRODUCT: lambda cell: cell[1],
    CATEGORY: lambda cell: cell[2],
}


def _names(
    session: Session, model: type[Brand] | type[Product], ids: Iterable[Any]
) -> dict[Any, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(sa.select(model.id, model.name).where(model.id.in_(wanted)))
    return {row_id: name for row_id, name in rows}


def survey_results(session: Session, survey: Survey) -> SurveyResults:
    """Every figure of the survey, compared with the survey before when one is named."""
    cells = _sums(session, survey)
    previous_survey = survey.previous
    previous_cells = _sums(session, previous_survey) if previous_survey is not None else None
    rolled = {kind: _roll_up(cells, KEYS[kind]) for kind in (SURVEY, *GROUPINGS)}
    rolled_before = (
        {kind: _roll_up(previous_cells, KEYS[kind]) for kind in (SURVEY, *GROUPINGS)}
        if previous_cells is not None
        else None
    )
    names = {
        BRAND: _names(session, Brand, rolled[BRAND]),
        PRODUCT: _names(session, Product, rolled[PRODUCT]),
    }
    overall_groups = rolled[SURVEY] or {"all": {}}
    overall = _figures(
        SURVEY,
        overall_groups,
        survey,
        rolled_before[SURVEY] if rolled_before else None,
        previous_survey,
        {},
    )[0]
    groups = {
        kind: _figures(
            kind,
            rolled[kind],
            survey,
            rolled_before[kind] if rolled_before else None,
            previous_survey,
            names.get(kind, {}),
        )
        for kind in GROUPINGS
    }
    by_source = dict.fromkeys((s.value for s in AnswerSource), 0)
    for source, count in session.execute(
        sa.select(SurveyResponse.source, sa.func.count())
        .where(SurveyResponse.survey_id == survey.id)
        .group_by(SurveyResponse.source)
    ):
        by_source[source] = count
    return SurveyResults(
        survey=survey,
        answers=overall.summary.respondents,
        by_source=by_source,
        overall=overall,
        groups=groups,
        quotas=quota_progress(session, survey),
        previous_survey=previous_survey,
    )


def quota_progress(session: Session, survey: Survey) -> dict[Dimension, list[QuotaLine]]:
    """For each dimension with targets: each stratum's target and the answers so far."""
    progress: dict[Dimension, list[QuotaLine]] = {}
    for dimension_code, targets in survey.quotas.items():
        if not targets:
            continue
        dimension = Dimension(dimension_code)
        column = STRATUM_COLUMNS[dimension]
        counts: dict[str, int] = {
            stratum: count
            for stratum, count in session.execute(
                sa.select(column, sa.func.count())
                .where(SurveyResponse.survey_id == survey.id, column.is_not(None))
                .group_by(column)
            )
        }
        progress[dimension] = [
            QuotaLine(stratum, int(target), int(counts.get(stratum, 0)))
            for stratum, target in targets.items()
        ]
    return progress


def public_results(session: Session, survey: Survey) -> SurveyResults | None:
    """The figures anyone may read: None unless the survey is published; groups below the
    minimum n are left out (the whole survey's figures stay, withheld where n is short)."""
    if not survey.publish:
        return None
    results = survey_results(session, survey)
    return SurveyResults(
        survey=results.survey,
        answers=results.answers,
        by_source=results.by_source,
        overall=results.overall,
        groups={
            kind: [g for g in figures if g.summary.shown]
            for kind, figures in results.groups.items()
        },
        quotas={},
        previous_survey=results.previous_survey,
    )


@dataclass(frozen=True)
class BrandFigures:
    survey: Survey
    figures: GroupFigures


def published_brand_figures(session: Session, brand_id: int, today: dt.date) -> BrandFigures | None:
    """The latest published survey's figures on one brand, if it has enough answers."""
    surveys = session.scalars(
        sa.select(Survey)
        .where(
            Survey.publish.is_(True),
            Survey.opens_on <= today,
            sa.exists().where(
                SurveyResponse.survey_id == Survey.id, SurveyResponse.brand_id == brand_id
            ),
        )
        .order_by(Survey.closes_on.desc(), Survey.id.desc())
        .limit(5)
    )
    for survey in surveys:
        strata = _roll_up(_sums(session, survey, brand_id=brand_id), KEYS[BRAND]).get(brand_id)
        if not strata:
            continue
        summary = summarise_sums(strata, _targets(survey), survey.minimum_n)
        if summary.shown:
            return BrandFigures(survey, GroupFigures(BRAND, brand_id, "", summary))
    return None
