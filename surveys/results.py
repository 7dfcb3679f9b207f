"""A survey's figures: for the whole survey and for each brand, product and category answered.

The database sums (:mod:`surveys.sums`: the rows kept up to date by every answer, grouped as
asked, by stratum of the survey's weighting dimension);
:func:`surveys.statistics.summarise_sums` turns the sums into the figures, weighted to the
survey's quota targets when it has a weighting dimension. Each group is compared with the same
group in the survey of the period before.

What may be published (:func:`public_results`, the brand pages) is the same figures, only for a
survey that says so, and only the groups with at least the survey's minimum number of answers.

No Flask and no clock.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from barcode_db.models import Brand, Product
from barcode_db.registry import fetch_registry_version
from surveys.batch import WIDTH, GroupedSums, summarise_grouped
from surveys.models import Survey, SurveyResponse, SurveySums
from surveys.questions import AnswerSource, Dimension
from surveys.statistics import (
    Comparison,
    Summary,
    compare,
    summarise_sums,
)
from surveys.sums import (
    BRAND,
    CATEGORY,
    NONE,
    PRODUCT,
    SURVEY,
    grouped,
    grouped_arrays,
    paper_answers,
    strata_counts,
)

GROUPINGS = (BRAND, PRODUCT, CATEGORY)


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
    groups: GroupedSums,
    survey: Survey,
    previous: GroupedSums | None,
    previous_survey: Survey | None,
    names: Mapping[Any, str],
) -> list[GroupFigures]:
    summaries = summarise_grouped(groups, _targets(survey), survey.minimum_n)
    before: Mapping[Any, Summary] = {}
    if previous is not None and previous_survey is not None:
        before = summarise_grouped(previous, _targets(previous_survey), previous_survey.minimum_n)
    result = []
    for key, summary in summaries.items():
        earlier = before.get(key)
        result.append(
            GroupFigures(
                kind,
                key,
                names.get(key, ""),
                summary,
                earlier,
                compare(summary.index.estimate, earlier.index.estimate if earlier else None),
                compare(
                    summary.choose_again.estimate,
                    earlier.choose_again.estimate if earlier else None,
                ),
            )
        )
    # Most answers first, then by name: the groups a reader can trust first.
    result.sort(key=lambda g: (-g.summary.respondents, g.name, str(g.key)))
    return result


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
    previous_survey = survey.previous
    rolled = grouped_arrays(session, survey)
    rolled_before = (
        grouped_arrays(session, previous_survey) if previous_survey is not None else None
    )
    names = {
        BRAND: _names(session, Brand, rolled[BRAND].keys),
        PRODUCT: _names(session, Product, rolled[PRODUCT].keys),
    }
    overall_groups = rolled[SURVEY]
    if not overall_groups.keys:  # no answer yet: the whole survey's figures, all withheld
        overall_groups = GroupedSums(["all"], [None], np.zeros((1, 1, WIDTH)))
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
    paper = paper_answers(session, survey)
    answers = overall.summary.respondents
    by_source = {AnswerSource.WEB.value: answers - paper, AnswerSource.PAPER.value: paper}
    return SurveyResults(
        survey=survey,
        answers=answers,
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
        counts = strata_counts(session, survey, dimension.value)
        progress[dimension] = [
            QuotaLine(stratum, int(target), int(counts.get(stratum, 0)))
            for stratum, target in targets.items()
        ]
    return progress


class ResultsCache:
    """The figures of the surveys last asked for, while nothing they depend on has changed.

    Computing a survey's figures reads every group's sums and works out each figure (half a
    second for 200 products weighted by 34 provinces); reading them again while no answer came
    in, the survey and the one it is compared with were not edited and the registry's names did
    not change, gives the same figures. The stamp (:func:`results_stamp`) is those facts, read
    in two small queries. Only figures are kept, never the database's objects; at most
    ``size`` surveys, the least recently read leaving first. One per process; thread-safe.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._kept: OrderedDict[Any, tuple[Any, _Computed]] = OrderedDict()
        self._lock = threading.Lock()

    def results(self, session: Session, survey: Survey) -> SurveyResults:
        stamp = results_stamp(session, survey)
        with self._lock:
            kept = self._kept.get(survey.id)
            if kept is not None and kept[0] == stamp:
                self._kept.move_to_end(survey.id)
                return kept[1].results_for(survey)
        computed = _Computed.of(survey_results(session, survey))
        with self._lock:
            self._kept[survey.id] = (stamp, computed)
            self._kept.move_to_end(survey.id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return computed.results_for(survey)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


@dataclass(frozen=True)
class _Computed:
    """A survey's figures without its database objects."""

    answers: int
    by_source: Mapping[str, int]
    overall: GroupFigures
    groups: Mapping[str, list[GroupFigures]]
    quotas: Mapping[Dimension, list[QuotaLine]]

    @classmethod
    def of(cls, results: SurveyResults) -> _Computed:
        return cls(
            results.answers, results.by_source, results.overall, results.groups, results.quotas
        )

    def results_for(self, survey: Survey) -> SurveyResults:
        return SurveyResults(
            survey=survey,
            answers=self.answers,
            by_source=self.by_source,
            overall=self.overall,
            groups=self.groups,
            quotas=self.quotas,
            previous_survey=survey.previous,
        )


def results_stamp(session: Session, survey: Survey) -> tuple[Any, ...]:
    """What a survey's figures depend on: the survey's and its predecessor's versions and
    answers (answers are only ever added, so their number changes with every one), and the
    registry's version (the names of brands and products)."""
    previous = survey.previous
    ids = [survey.id] + ([previous.id] if previous is not None else [])
    counts = {
        survey_id: int(count)
        for survey_id, count in session.execute(
            sa.select(SurveySums.survey_id, sa.func.sum(SurveySums.respondents))
            .where(SurveySums.survey_id.in_(ids), SurveySums.dimension == NONE)
            .group_by(SurveySums.survey_id)
        )
    }
    return (
        survey.code,
        survey.version,
        survey.weight_by,
        counts.get(survey.id, 0),
        None if previous is None else (previous.id, previous.version, counts.get(previous.id, 0)),
        fetch_registry_version(session),
    )


def public_results(
    session: Session, survey: Survey, cache: ResultsCache | None = None
) -> SurveyResults | None:
    """The figures anyone may read: None unless the survey is published; groups below the
    minimum n are left out (the whole survey's figures stay, withheld where n is short)."""
    if not survey.publish:
        return None
    results = cache.results(session, survey) if cache else survey_results(session, survey)
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
        strata = grouped(session, survey, BRAND, brand_id=brand_id).get(brand_id)
        if not strata:
            continue
        summary = summarise_sums(strata, _targets(survey), survey.minimum_n)
        if summary.shown:
            return BrandFigures(survey, GroupFigures(BRAND, brand_id, "", summary))
    return None
