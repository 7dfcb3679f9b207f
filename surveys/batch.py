"""The figures of many groups at once: :func:`surveys.statistics.summarise_sums` for every brand,
product or category of a survey in one pass of array arithmetic (numpy).

A results page shows hundreds of groups, each summed over dozens of strata; computing them one by
one in Python costs most of a second at 200,000 answers. The formulas are those of
``surveys/statistics.py`` (its docstring, sections 2, 4, 5 and 6), applied to arrays of sums
shaped (groups, strata, values); what is returned is the same :class:`~surveys.statistics.Summary`
objects, and ``tests/surveys/test_batch.py`` holds every figure to ``summarise_sums``.

No Flask.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from surveys.statistics import (
    CRITERION_SCALE,
    INDEX_RANGE,
    Criterion,
    Estimate,
    Result,
    StrataWeighting,
    StratumSums,
    Summary,
    WeightedEstimate,
    _check_targets,
    _cut,
    _wilson,
    share_estimate,
    t_quantile_975,
)

#: The values of a (group, stratum) cell, in this order: respondents; the index's number of
#: answers, sum and sum of squares; the same for each criterion; the choose-again answers and
#: their yes.
RESPONDENTS = 0
INDEX = 1
CRITERIA: dict[Criterion, int] = {c: 4 + 3 * i for i, c in enumerate(Criterion)}
AGAIN_N = 4 + 3 * len(CRITERIA)
AGAIN_YES = AGAIN_N + 1
WIDTH = AGAIN_YES + 1


@dataclass(frozen=True)
class GroupedSums:
    """Sums of many groups: ``values[g, s]`` is the cell of group ``keys[g]`` and stratum
    ``strata[s]`` (zeros where no answer of the group gave that stratum)."""

    keys: Sequence[Any]
    strata: Sequence[Hashable | None]
    values: np.ndarray  # shape (len(keys), len(strata), WIDTH)

    @classmethod
    def of(cls, groups: Mapping[Any, Mapping[Hashable | None, StratumSums]]) -> GroupedSums:
        """From StratumSums by group and stratum (the tests' way in)."""
        keys = list(groups)
        strata = list(dict.fromkeys(s for group in groups.values() for s in group))
        values = np.zeros((len(keys), len(strata), WIDTH))
        column = {s: i for i, s in enumerate(strata)}
        for g, key in enumerate(keys):
            for stratum, sums in groups[key].items():
                cell = values[g, column[stratum]]
                cell[RESPONDENTS] = sums.respondents
                cell[INDEX : INDEX + 3] = sums.index
                for criterion, at in CRITERIA.items():
                    cell[at : at + 3] = sums.criteria.get(criterion, (0, 0.0, 0.0))
                cell[AGAIN_N] = sums.choose_again.n
                cell[AGAIN_YES] = sums.choose_again.total
        return cls(keys, strata, values)


def _weights(
    sums: GroupedSums, targets: Mapping[Hashable, float] | None
) -> tuple[np.ndarray, list[StrataWeighting | None]]:
    """The weight of each cell's respondents (0: not counted) and each group's weighting."""
    sizes = sums.values[:, :, RESPONDENTS]
    if targets is None:
        return (sizes > 0).astype(float), [None] * len(sums.keys)
    _check_targets(targets)
    target_of = np.array(
        [float(targets.get(s, 0.0)) if s is not None else 0.0 for s in sums.strata]
    )
    represented = (sizes > 0) & (target_of > 0)
    chosen = np.where(represented, target_of, 0.0)
    totals = chosen.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(totals > 0, chosen / totals, 0.0)
        counted = np.where(represented, sizes, 0.0).sum(axis=1, keepdims=True)
        weights = np.where(represented, shares * counted / np.where(sizes > 0, sizes, 1.0), 0.0)
    weightings: list[StrataWeighting | None] = []
    for g in range(len(sums.keys)):
        present = {s: int(sizes[g, i]) for i, s in enumerate(sums.strata) if sizes[g, i] > 0}
        weightings.append(
            StrataWeighting(
                stratum_weights={
                    s: float(weights[g, i]) for i, s in enumerate(sums.strata) if represented[g, i]
                },
                stratum_sizes={s: n for s, n in present.items() if s is not None},
                respondents=sum(present.values()),
                target_shares={
                    s: float(shares[g, i]) for i, s in enumerate(sums.strata) if represented[g, i]
                },
                empty_strata=tuple(s for s in targets if not present.get(s, 0)),
            )
        )
    return weights, weightings


def _means(
    weights: np.ndarray, moments: np.ndarray, weighted: bool, minimum_n: int, scale: Any
) -> list[Result]:
    """One question's Result for every group: moments[g, s] = (n, total, squares)."""
    counts = moments[:, :, 0]
    counted = np.where(weights > 0, counts, 0.0)
    n = counted.sum(axis=1)
    sum_w = (weights * counts).sum(axis=1)
    sum_wy = (weights * moments[:, :, 1]).sum(axis=1)
    sum_wyy = (weights * moments[:, :, 2]).sum(axis=1)
    sum_ww = (weights * weights * counts).sum(axis=1)
    results = []
    for g in range(len(n)):
        size = int(n[g])
        if size < minimum_n:
            results.append(Result(size, minimum_n, None))
            continue
        mean = float(sum_wy[g] / sum_w[g])
        spread = float(sum_wyy[g] / sum_w[g]) - mean * mean
        if spread <= 1e-12 * max(1.0, mean * mean):
            spread = 0.0
        estimate: Estimate
        if not weighted:
            if size < 2:
                estimate = Estimate(mean, None, None, size)
            else:
                half = (
                    t_quantile_975(size - 1) * np.sqrt(size / (size - 1) * spread) / np.sqrt(size)
                )
                low, high = _cut(mean - half, mean + half, scale)
                estimate = Estimate(mean, float(low), float(high), size)
        else:
            deff = float(size * sum_ww[g] / (sum_w[g] * sum_w[g]))
            n_effective = size / deff
            if n_effective < 2:
                estimate = WeightedEstimate(mean, None, None, size, deff, n_effective)
            else:
                variance = size / (size - 1) * spread
                half = t_quantile_975(n_effective - 1) * np.sqrt(deff * variance / size)
                low, high = _cut(mean - half, mean + half, scale)
                estimate = WeightedEstimate(mean, float(low), float(high), size, deff, n_effective)
        results.append(Result(size, minimum_n, estimate))
    return results


def _shares(
    weights: np.ndarray, answers: np.ndarray, yes: np.ndarray, weighted: bool, minimum_n: int
) -> list[Result]:
    counted = np.where(weights > 0, answers, 0.0)
    n = counted.sum(axis=1)
    yes_counted = np.where(weights > 0, yes, 0.0).sum(axis=1)
    sum_w = (weights * answers).sum(axis=1)
    sum_wyes = (weights * yes).sum(axis=1)
    sum_ww = (weights * weights * answers).sum(axis=1)
    results = []
    for g in range(len(n)):
        size = int(n[g])
        if size < minimum_n:
            results.append(Result(size, minimum_n, None))
        elif not weighted:
            results.append(Result(size, minimum_n, share_estimate(round(yes_counted[g]), size)))
        else:
            share = float(sum_wyes[g] / sum_w[g])
            deff = float(size * sum_ww[g] / (sum_w[g] * sum_w[g]))
            n_effective = size / deff
            low, high = _wilson(share, n_effective)
            results.append(
                Result(size, minimum_n, WeightedEstimate(share, low, high, size, deff, n_effective))
            )
    return results


def summarise_grouped(
    sums: GroupedSums,
    targets: Mapping[Hashable, float] | None = None,
    minimum_n: int = 30,
) -> dict[Any, Summary]:
    """``summarise_sums`` of every group, by key."""
    if minimum_n < 1:
        raise ValueError(f"the minimum n must be at least 1, got {minimum_n}")
    if not sums.keys:
        return {}
    values = sums.values
    weights, weightings = _weights(sums, targets)
    weighted = targets is not None
    index = _means(weights, values[:, :, INDEX : INDEX + 3], weighted, minimum_n, INDEX_RANGE)
    criteria = {
        criterion: _means(weights, values[:, :, at : at + 3], weighted, minimum_n, CRITERION_SCALE)
        for criterion, at in CRITERIA.items()
    }
    again = _shares(weights, values[:, :, AGAIN_N], values[:, :, AGAIN_YES], weighted, minimum_n)
    respondents = values[:, :, RESPONDENTS].sum(axis=1)
    summaries = {}
    for g, key in enumerate(sums.keys):
        weighting = weightings[g]
        total = int(respondents[g])
        summaries[key] = Summary(
            respondents=total,
            counted=total if weighting is None else weighting.weighted,
            minimum_n=minimum_n,
            index=index[g],
            criteria={criterion: results[g] for criterion, results in criteria.items()},
            choose_again=again[g],
            weighting=weighting,
        )
    return summaries
