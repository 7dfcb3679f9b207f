"""The figures from the database's sums are the figures from the answers (issue 15).

``summarise_sums`` (what the results pages use: the database sums, Python divides) must give what
``summarise`` (checked against hand computations in test_statistics.py) gives for the same
answers, weighted or not, with blanks, empty strata and respondents outside every target.
"""

from __future__ import annotations

import math
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.statistics import (
    Answer,
    Criterion,
    Estimate,
    StratumSums,
    Summary,
    WeightedEstimate,
    summarise,
    summarise_sums,
)

STRATA = ["01", "79", "48", None]

scores10 = st.one_of(st.none(), st.integers(1, 10))
scores5 = st.one_of(st.none(), st.integers(1, 5))
answers = st.builds(
    Answer,
    overall=scores10,
    expectations=scores10,
    ideal=scores10,
    criteria=st.fixed_dictionaries(dict.fromkeys(Criterion, scores5)),
    choose_again=st.one_of(st.none(), st.booleans()),
    stratum=st.sampled_from(STRATA),
)
targets = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(["01", "79", "48", "92"]), st.integers(1, 1000), min_size=1),
)


def _by_stratum(group: list[Answer]) -> dict[object, StratumSums]:
    split: dict[object, list[Answer]] = defaultdict(list)
    for answer in group:
        split[answer.stratum].append(answer)
    return {stratum: StratumSums.of(members) for stratum, members in split.items()}


def _same(a: Estimate | None, b: Estimate | None) -> None:
    assert (a is None) == (b is None)
    if a is None or b is None:
        return
    assert a.n == b.n
    assert math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9)
    for x, y in ((a.low, b.low), (a.high, b.high)):
        assert (x is None) == (y is None)
        if x is not None and y is not None:
            assert math.isclose(x, y, rel_tol=1e-7, abs_tol=1e-7)
    assert isinstance(a, WeightedEstimate) == isinstance(b, WeightedEstimate)
    if isinstance(a, WeightedEstimate) and isinstance(b, WeightedEstimate):
        assert math.isclose(a.deff, b.deff, rel_tol=1e-9)


def _same_summary(a: Summary, b: Summary) -> None:
    assert (a.respondents, a.counted, a.shown) == (b.respondents, b.counted, b.shown)
    for x, y in [(a.index, b.index), (a.choose_again, b.choose_again)] + [
        (a.criteria[c], b.criteria[c]) for c in Criterion
    ]:
        assert (x.n, x.shown) == (y.n, y.shown)
        _same(x.estimate, y.estimate)
    assert (a.weighting is None) == (b.weighting is None)
    if a.weighting is not None and b.weighting is not None:
        assert a.weighting.weighted == b.weighting.weighted
        assert a.weighting.not_weighted == b.weighting.not_weighted
        assert set(a.weighting.empty_strata) == set(b.weighting.empty_strata)
        assert (a.weighting.deff is None) == (b.weighting.deff is None)
        if a.weighting.deff is not None and b.weighting.deff is not None:
            assert math.isclose(a.weighting.deff, b.weighting.deff, rel_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.lists(answers, max_size=60), targets, st.integers(1, 8))
def test_sums_give_the_figures_of_the_answers(group, wanted, minimum_n) -> None:
    _same_summary(
        summarise_sums(_by_stratum(group), wanted, minimum_n),
        summarise(group, wanted, minimum_n),
    )


def test_a_worked_weighted_example() -> None:
    # Two provinces, targets 1:1. "01": indices 100 and 0 (n=2); "79": index 50 (n=1).
    # Weights: n = 3, P = 1/2 each: w01 = 0.5·3/2 = 0.75, w79 = 0.5·3/1 = 1.5.
    # Weighted mean = (0.75·100 + 0.75·0 + 1.5·50) / 3 = 150/3 = 50.
    # deff = 3·(0.75² + 0.75² + 1.5²) / 3² = 3·3.375/9 = 1.125.
    group = [
        Answer(overall=10, expectations=10, ideal=10, stratum="01"),
        Answer(overall=1, expectations=1, ideal=1, stratum="01"),
        Answer(overall=5, expectations=6, ideal=6, stratum="79"),
    ]
    summary = summarise_sums(_by_stratum(group), {"01": 1, "79": 1}, minimum_n=1)
    estimate = summary.index.estimate
    assert isinstance(estimate, WeightedEstimate)
    # "79" answered 5, 6, 6: index (17/3 − 1)/9·100 = 51.85…; mean = (75 + 1.5·51.85…)/3.
    third = ((5 + 6 + 6) / 3 - 1) / 9 * 100
    assert math.isclose(estimate.value, (75 + 1.5 * third) / 3)
    assert math.isclose(estimate.deff, 1.125)
    assert summary.weighting is not None and summary.weighting.empty_strata == ()
