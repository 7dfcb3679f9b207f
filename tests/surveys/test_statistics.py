"""The survey figures against hand computations (surveys/statistics.py, issue 15).

Every expected number is worked out in the comments beside it, so a reader can redo it with a
pencil. z = 1.959964 and z² = 3.841459 throughout.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.statistics import (
    T_975_TABLE,
    Answer,
    Comparison,
    Criterion,
    Estimate,
    compare,
    kish_design_effect,
    mean_estimate,
    poststratification_weights,
    round_for_display,
    satisfaction_index,
    share_estimate,
    summarise,
    t_quantile_975,
    weighted_mean_estimate,
    weighted_share_estimate,
)

TIGHT = 1e-6


# --- 1. Satisfaction index -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # mean(8, 7, 6) = 7; (7 − 1) / 9 × 100 = 66.667
        (Answer(overall=8, expectations=7, ideal=6), 600 / 9),
        # a blank item is not guessed: mean(9, 6) = 7.5; 6.5 / 9 × 100 = 72.222
        (Answer(overall=9, ideal=6), 650 / 9),
        # the ends of the scale: all 1 → 0, all 10 → 100
        (Answer(overall=1, expectations=1, ideal=1), 0.0),
        (Answer(overall=10, expectations=10, ideal=10), 100.0),
        # one item only: (4 − 1) / 9 × 100 = 33.333
        (Answer(expectations=4), 300 / 9),
    ],
)
def test_index_of_one_respondent(answer: Answer, expected: float) -> None:
    assert satisfaction_index(answer) == pytest.approx(expected, abs=TIGHT)


def test_respondent_without_the_three_items_has_no_index() -> None:
    assert satisfaction_index(Answer(criteria={Criterion.PRICE: 3}, choose_again=True)) is None


# --- 2. t quantiles and the mean with its interval ---------------------------------------------


def _t_cdf(x: float, df: float, steps: int = 4000) -> float:
    """Student's t distribution function, by Simpson's rule on the density: an independent check."""
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)

    def density(t: float) -> float:
        return c * (1 + t * t / df) ** (-(df + 1) / 2)

    h = x / steps
    inner = sum((4 if i % 2 else 2) * density(i * h) for i in range(1, steps))
    return 0.5 + (density(0) + inner + density(x)) * h / 3


@pytest.mark.parametrize("df", sorted(T_975_TABLE))
def test_every_table_row_is_the_t_quantile_to_three_decimals(df: int) -> None:
    # Rounded right means the exact quantile lies within half a unit of the last decimal.
    printed = T_975_TABLE[df]
    assert _t_cdf(printed - 0.0005, df) < 0.975 < _t_cdf(printed + 0.0005, df)


@pytest.mark.parametrize(
    ("df", "expected"),
    [
        (1, 12.706),  # table rows are returned as printed
        (4, 2.776),
        (30, 2.042),
        (120, 1.980),
        # 1/35 lies 4/7 of the way from 1/30 to 1/40: (1/30 − 1/35) / (1/30 − 1/40) = 120/210;
        # 2.042 − (2.042 − 2.021) × 4/7 = 2.042 − 0.012 = 2.030
        (35, 2.030),
        # between the 120 row (1/df = 0.008333) and the normal row (1/df = 0):
        # 1.959964 + (1.980 − 1.959964) × (1/1000) / (1/120) = 1.959964 + 0.020036 × 0.12
        # = 1.962368 (the exact quantile is 1.962339)
        (1000, 1.962368),
        # 1/(13/3) = 3/13 = 0.230769, 0.615385 of the way from 1/5 to 1/4:
        # 2.571 + (2.776 − 2.571) × 0.615385 = 2.697154
        (13 / 3, 2.697154),
        (math.inf, 1.959964),
    ],
)
def test_t_quantile_interpolates_in_one_over_df(df: float, expected: float) -> None:
    assert t_quantile_975(df) == pytest.approx(expected, abs=TIGHT)


@pytest.mark.parametrize("df", [0, 0.5, -3, math.nan])
def test_t_quantile_needs_one_degree_of_freedom(df: float) -> None:
    with pytest.raises(ValueError, match="degrees of freedom must be at least 1"):
        t_quantile_975(df)


def test_mean_of_five_with_its_t_interval() -> None:
    # mean = 40 / 5 = 8; s² = (4 + 1 + 0 + 1 + 4) / 4 = 2.5; s / √5 = √0.5 = 0.707107;
    # t(0.975, 4) = 2.776; half-width = 2.776 × 0.707107 = 1.962928 → 6.037072 to 9.962928
    estimate = mean_estimate([6, 7, 8, 9, 10])
    assert estimate == Estimate(8.0, pytest.approx(6.037072), pytest.approx(9.962928), 5)  # type: ignore[arg-type]


def test_one_answer_has_a_mean_but_no_interval() -> None:
    assert mean_estimate([7]) == Estimate(7.0, None, None, 1)


def test_no_answers_no_mean() -> None:
    assert mean_estimate([]) is None


def test_interval_is_cut_at_the_ends_of_the_scale() -> None:
    # 4, 5, 5: mean 4.6667, s = 0.57735, half-width = 4.303 × 0.57735 / √3 = 1.434333
    # → 3.232334 to 6.101000, and 6.1 is beyond the top of a 1–5 scale
    estimate = mean_estimate([4, 5, 5], scale=(1, 5))
    assert estimate is not None
    assert estimate.low == pytest.approx(14 / 3 - 1.434333, abs=TIGHT)
    assert estimate.high == 5


# --- 4. Share of yes with the Wilson interval --------------------------------------------------


def test_wilson_interval_for_seven_out_of_ten() -> None:
    # p = 0.7, n = 10: z²/n = 0.384146, denominator 1.384146;
    # centre = (0.7 + 0.192073) / 1.384146 = 0.644493;
    # half = 1.959964 / 1.384146 × √(0.021 + 0.009604) = 1.416009 × 0.174939 = 0.247715
    # → 0.396778 to 0.892209
    estimate = share_estimate(7, 10)
    assert estimate is not None
    assert estimate.value == 0.7
    assert estimate.low == pytest.approx(0.396778, abs=TIGHT)
    assert estimate.high == pytest.approx(0.892209, abs=TIGHT)
    assert estimate.n == 10


def test_wilson_interval_matches_newcombes_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17, 857–872, example 81/263: 0.2553 to 0.3662
    estimate = share_estimate(81, 263)
    assert estimate is not None
    assert (estimate.low, estimate.high) == (
        pytest.approx(0.2553, abs=5e-5),
        pytest.approx(0.3662, abs=5e-5),
    )


def test_wilson_interval_at_the_edges_stays_within_zero_and_one() -> None:
    # 0 out of 10: low = 0; high = 2 × (z²/20) / (1 + z²/10) = 0.384146 / 1.384146 = 0.277533
    nobody = share_estimate(0, 10)
    assert nobody is not None
    assert nobody.low == 0.0
    assert nobody.high == pytest.approx(0.277533, abs=TIGHT)
    everybody = share_estimate(10, 10)  # the mirror image: 0.722467 to 1
    assert everybody is not None
    assert everybody.low == pytest.approx(1 - 0.277533, abs=TIGHT)
    assert everybody.high == 1.0


def test_no_answers_no_share() -> None:
    assert share_estimate(0, 0) is None


@pytest.mark.parametrize(("yes", "n"), [(11, 10), (-1, 10), (0, -1)])
def test_share_refuses_impossible_counts(yes: int, n: int) -> None:
    with pytest.raises(ValueError, match="0 ≤ yes ≤ n"):
        share_estimate(yes, n)


# --- 5. Post-stratification --------------------------------------------------------------------

# Six respondents: four in Hà Nội, two in TP HCM; the population is half and half.
TWO_STRATA = ["HN", "HN", "HN", "HN", "HCM", "HCM"]
# weight HN = 0.5 / (4/6) = 0.75; weight HCM = 0.5 / (2/6) = 1.5; Σw = 3 + 3 = 6
TWO_STRATA_WEIGHTS = (0.75, 0.75, 0.75, 0.75, 1.5, 1.5)


@pytest.mark.parametrize(
    "targets",
    [
        {"HN": 0.5, "HCM": 0.5},
        {"HN": 1, "HCM": 1},  # any positive numbers, divided by their sum
        {"HN": 4_000_000, "HCM": 4_000_000},
    ],
)
def test_weights_bring_two_strata_to_fifty_fifty(targets: dict[str, float]) -> None:
    weighting = poststratification_weights(TWO_STRATA, targets)
    assert weighting.weights == pytest.approx(TWO_STRATA_WEIGHTS, abs=TIGHT)
    assert weighting.not_weighted == 0
    assert weighting.empty_strata == ()


def test_kish_design_effect_of_the_two_strata_weights() -> None:
    # Σw² = 4 × 0.5625 + 2 × 2.25 = 6.75; deff = 6 × 6.75 / 6² = 1.125; effective n = 6 / 1.125
    assert kish_design_effect(TWO_STRATA_WEIGHTS) == pytest.approx(1.125, abs=TIGHT)
    weighting = poststratification_weights(TWO_STRATA, {"HN": 1, "HCM": 1})
    assert weighting.deff == pytest.approx(1.125, abs=TIGHT)
    assert weighting.n_effective == pytest.approx(16 / 3, abs=TIGHT)


def test_weighted_mean_and_its_interval_by_hand() -> None:
    # answers HN 4, 6, 6, 8 (mean 6), HCM 8, 10 (mean 9)
    # ȳ = (0.75 × 24 + 1.5 × 18) / 6 = 45 / 6 = 7.5   (= the mean of the two stratum means)
    # Σw(y − ȳ)²: HN 0.75 × (12.25 + 2.25 + 2.25 + 0.25) = 12.75; HCM 1.5 × (0.25 + 6.25) = 9.75
    # s²_w = 6/5 × 22.5 / 6 = 4.5; se = √(1.125 × 4.5 / 6) = √0.84375 = 0.918559
    # df = 16/3 − 1 = 13/3 → t = 2.697154 (see the t test above)
    # half-width = 2.697154 × 0.918559 = 2.477494 → 5.022506 to 9.977494
    estimate = weighted_mean_estimate([4, 6, 6, 8, 8, 10], TWO_STRATA_WEIGHTS)
    assert estimate is not None
    assert estimate.value == pytest.approx(7.5, abs=TIGHT)
    assert estimate.low == pytest.approx(5.022506, abs=TIGHT)
    assert estimate.high == pytest.approx(9.977494, abs=TIGHT)
    assert estimate.n == 6
    assert estimate.deff == pytest.approx(1.125, abs=TIGHT)
    assert estimate.n_effective == pytest.approx(16 / 3, abs=TIGHT)


def test_weighted_share_uses_the_wilson_interval_at_the_effective_n() -> None:
    # yes: HN yes, yes, no, no; HCM yes, yes → p = (0.75 × 2 + 1.5 × 2) / 6 = 0.75
    # n = 16/3: z²/n = 0.720274, denominator 1.720274; centre = (0.75 + 0.360137) / 1.720274
    # = 0.645326; half = 1.139336 × √(0.1875 / (16/3) + 3.841459 / (4 × 256/9))
    # = 1.139336 × √(0.035156 + 0.033763) = 1.139336 × 0.262525 = 0.299103
    # → 0.346223 to 0.944428
    estimate = weighted_share_estimate([True, True, False, False, True, True], TWO_STRATA_WEIGHTS)
    assert estimate is not None
    assert estimate.value == pytest.approx(0.75, abs=TIGHT)
    assert estimate.low == pytest.approx(0.346223, abs=TIGHT)
    assert estimate.high == pytest.approx(0.944428, abs=TIGHT)


def test_weighted_mean_without_two_effective_respondents_has_no_interval() -> None:
    # weights 1 and 9: deff = 2 × 82 / 100 = 1.64; effective n = 1.22 < 2
    estimate = weighted_mean_estimate([3, 5], [1, 9])
    assert estimate is not None
    assert estimate.value == pytest.approx(4.8, abs=TIGHT)  # (3 + 45) / 10
    assert (estimate.low, estimate.high) == (None, None)


def test_empty_target_stratum_is_reported_and_the_others_renormalised() -> None:
    # Đà Nẵng (20 %) has no respondent: HN 0.5 / 0.8 = 0.625, HCM 0.3 / 0.8 = 0.375
    # weight HN = 0.625 × 3 / 2 = 0.9375; weight HCM = 0.375 × 3 / 1 = 1.125; Σw = 3
    weighting = poststratification_weights(["HN", "HN", "HCM"], {"HN": 0.5, "HCM": 0.3, "DN": 0.2})
    assert weighting.empty_strata == ("DN",)
    assert weighting.target_shares == {"HN": pytest.approx(0.625), "HCM": pytest.approx(0.375)}
    assert weighting.weights == pytest.approx((0.9375, 0.9375, 1.125), abs=TIGHT)


def test_respondent_in_an_untargeted_stratum_is_not_weighted() -> None:
    # Hải Phòng has no target: that respondent gets no weight and is counted apart;
    # the three others are weighted among themselves: HN 0.5 × 3 / 2 = 0.75, HCM 0.5 × 3 / 1 = 1.5
    weighting = poststratification_weights(["HN", "HP", "HN", "HCM", None], {"HN": 1, "HCM": 1})
    assert weighting.weights == (
        pytest.approx(0.75),
        None,
        pytest.approx(0.75),
        pytest.approx(1.5),
        None,
    )
    assert weighting.not_weighted == 2
    assert weighting.weighted == 3


def test_strata_may_be_cells_of_several_quotas() -> None:
    # two cells of province × age group × channel; targets 3 : 1; cells of 1 and 3 respondents
    # weight (HN, 18–34, online) = 0.75 × 4 / 1 = 3; weight (HCM, 35+, shop) = 0.25 × 4 / 3 = 1/3
    young_online = ("HN", "18-34", "online")
    older_shop = ("HCM", "35+", "shop")
    weighting = poststratification_weights(
        [young_online, older_shop, older_shop, older_shop], {young_online: 3, older_shop: 1}
    )
    assert weighting.weights == pytest.approx((3, 1 / 3, 1 / 3, 1 / 3), abs=TIGHT)


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ({}, "no quota targets"),
        ({"HN": 0}, "must be positive"),
        ({"HN": -0.5}, "must be positive"),
        ({"HN": math.nan}, "must be positive"),
        ({None: 1}, "needs a stratum"),
    ],
)
def test_targets_must_be_positive_shares(targets: dict[str | None, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        poststratification_weights(["HN"], targets)


@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [
        ([1, 2], [1.0], "2 answers but 1 weights"),
        ([1, 2], [1.0, 0.0], "positive"),
        ([1, 2], [1.0, math.inf], "positive"),
    ],
)
def test_weighted_mean_refuses_bad_weights(
    values: list[float], weights: list[float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        weighted_mean_estimate(values, weights)


# --- 6. Summaries and the minimum n ------------------------------------------------------------

SIX_RESPONDENTS = [
    # item mean 9 → index 88.889
    Answer(
        overall=10,
        expectations=9,
        ideal=8,
        criteria={Criterion.QUALITY: 5, Criterion.PRICE: 2, Criterion.LABEL_INFORMATION: 4},
        choose_again=True,
    ),
    # item mean 7 → index 66.667
    Answer(
        overall=7,
        expectations=7,
        ideal=7,
        criteria={Criterion.QUALITY: 4, Criterion.PRICE: 2, Criterion.LABEL_INFORMATION: 3},
        choose_again=True,
    ),
    # one item, 4 → index 33.333
    Answer(
        overall=4,
        criteria={Criterion.QUALITY: 4, Criterion.PRICE: 3, Criterion.LABEL_INFORMATION: 3},
        choose_again=False,
    ),
    # no index item: left out of the index only
    Answer(
        criteria={Criterion.QUALITY: 3, Criterion.PRICE: 4, Criterion.LABEL_INFORMATION: None},
        choose_again=True,
    ),
    # item mean 10 → index 100
    Answer(
        overall=10,
        expectations=10,
        ideal=10,
        criteria={Criterion.QUALITY: 5, Criterion.PRICE: 4, Criterion.LABEL_INFORMATION: 5},
    ),
    # item mean 1 → index 0
    Answer(overall=1, expectations=1, ideal=1, criteria={Criterion.QUALITY: 3}, choose_again=True),
]


def test_summary_of_six_respondents_by_hand() -> None:
    summary = summarise(SIX_RESPONDENTS, minimum_n=5)
    assert (summary.respondents, summary.counted, summary.not_weighted) == (6, 6, 0)
    assert summary.shown
    assert summary.weighting is None

    # Index, 5 respondents, item means 9, 7, 4, 10, 1: mean 6.2 → (6.2 − 1) / 9 × 100 = 57.778.
    # s² = (2.8² + 0.8² + 2.2² + 3.8² + 5.2²) / 4 = 54.8 / 4 = 13.7; se = √(13.7 / 5) = 1.655295;
    # half = 2.776 × 1.655295 = 4.595099 items = 51.056660 index points
    # → 6.721137 to 108.834418, cut to 100 (the index cannot pass 100)
    index = summary.index
    assert (index.n, index.shown) == (5, True)
    assert index.estimate is not None
    assert index.estimate.value == pytest.approx(520 / 9, abs=TIGHT)
    assert index.estimate.low == pytest.approx(6.721137, abs=TIGHT)
    assert index.estimate.high == 100

    # Quality, 6 answers 5, 4, 4, 3, 5, 3: mean 4; s² = 4 / 5 = 0.8; se = √(0.8 / 6) = 0.365148;
    # half = 2.571 × 0.365148 = 0.938796 → 3.061204 to 4.938796
    quality = summary.criteria[Criterion.QUALITY]
    assert quality.estimate == Estimate(
        pytest.approx(4.0),  # type: ignore[arg-type]
        pytest.approx(3.061204, abs=TIGHT),  # type: ignore[arg-type]
        pytest.approx(4.938796, abs=TIGHT),  # type: ignore[arg-type]
        6,
    )

    # Price, 5 answers 2, 2, 3, 4, 4: mean 3; s² = 4 / 4 = 1; se = 1 / √5 = 0.447214;
    # half = 2.776 × 0.447214 = 1.241465 → 1.758535 to 4.241465
    price = summary.criteria[Criterion.PRICE]
    assert price.n == 5
    assert price.estimate is not None
    assert (price.estimate.low, price.estimate.high) == (
        pytest.approx(1.758535, abs=TIGHT),
        pytest.approx(4.241465, abs=TIGHT),
    )

    # Label information: 4 answers, under the minimum of 5 → withheld, n still reported.
    label = summary.criteria[Criterion.LABEL_INFORMATION]
    assert (label.n, label.shown, label.estimate) == (4, False, None)
    # Design: nobody answered.
    assert summary.criteria[Criterion.DESIGN].n == 0
    assert summary.criteria[Criterion.DESIGN].estimate is None

    # Would choose again: yes, yes, no, yes, (blank), yes → 4 / 5 = 0.8;
    # Wilson n = 5: centre (0.8 + 0.384146) / 1.768292 = 0.669655,
    # half = 1.108393 × √(0.032 + 0.038415) = 0.294121 → 0.375535 to 0.963776
    again = summary.choose_again.estimate
    assert again is not None
    assert (again.value, again.n) == (0.8, 5)
    assert again.low == pytest.approx(0.375535, abs=TIGHT)
    assert again.high == pytest.approx(0.963776, abs=TIGHT)


def test_weighted_summary_by_hand() -> None:
    # The two-strata sample above as answers (overall only: index = (overall − 1) / 9 × 100),
    # plus a respondent from Hải Phòng, which has no target: not weighted, and not counted, so
    # the overall of 1 there must not pull the index down.
    answers = [
        Answer(overall=4, choose_again=True, stratum="HN"),
        Answer(overall=6, choose_again=True, stratum="HN"),
        Answer(overall=6, choose_again=False, stratum="HN"),
        Answer(overall=8, choose_again=False, stratum="HN"),
        Answer(overall=8, choose_again=True, stratum="HCM"),
        Answer(overall=10, choose_again=True, stratum="HCM"),
        Answer(overall=1, choose_again=False, stratum="HP"),
    ]
    summary = summarise(answers, targets={"HN": 50, "HCM": 50}, minimum_n=5)
    assert (summary.respondents, summary.counted, summary.not_weighted) == (7, 6, 1)
    assert summary.weighting is not None
    assert summary.weighting.deff == pytest.approx(1.125, abs=TIGHT)

    # the weighted mean 7.5 and its interval 5.022506 to 9.977494 (above) on the index scale:
    # (7.5 − 1) / 9 × 100 = 72.222; (5.022506 − 1) / 9 × 100 = 44.694511;
    # (9.977494 − 1) / 9 × 100 = 99.749933
    index = summary.index.estimate
    assert index is not None
    assert index.value == pytest.approx(650 / 9, abs=TIGHT)
    assert index.low == pytest.approx(44.694511, abs=TIGHT)
    assert index.high == pytest.approx(99.749933, abs=TIGHT)
    assert summary.index.n == 6

    # the weighted share 0.75, 0.346223 to 0.944428 (above)
    again = summary.choose_again.estimate
    assert again is not None
    assert again.value == pytest.approx(0.75, abs=TIGHT)
    assert (again.low, again.high) == (
        pytest.approx(0.346223, abs=TIGHT),
        pytest.approx(0.944428, abs=TIGHT),
    )


def _answers(count: int) -> list[Answer]:
    # 8, 9, 10, 8, 9, 10, …: every figure has something to show
    return [
        Answer(
            overall=8 + i % 3,
            criteria={Criterion.QUALITY: 3 + i % 3},
            choose_again=i % 2 == 0,
        )
        for i in range(count)
    ]


def test_twenty_nine_answers_are_withheld_with_their_number() -> None:
    summary = summarise(_answers(29))  # the default minimum is 30
    assert not summary.shown
    for result in (summary.index, summary.criteria[Criterion.QUALITY], summary.choose_again):
        assert (result.n, result.minimum_n, result.shown, result.estimate) == (29, 30, False, None)


def test_thirty_answers_are_shown() -> None:
    summary = summarise(_answers(30))
    assert summary.shown
    for result in (summary.index, summary.criteria[Criterion.QUALITY], summary.choose_again):
        assert (result.n, result.shown) == (30, True)
        assert result.estimate is not None
        assert result.estimate.low is not None


def test_minimum_n_is_a_parameter() -> None:
    assert summarise(_answers(29), minimum_n=29).index.shown
    assert not summarise(_answers(30), minimum_n=31).index.shown


def test_minimum_n_counts_only_the_weighted_respondents() -> None:
    # 30 respondents, but 2 in a stratum without a target: 28 count, under the minimum of 30
    answers = [Answer(overall=7, stratum="HN")] * 28 + [Answer(overall=7, stratum="HP")] * 2
    summary = summarise(answers, targets={"HN": 1})
    assert (summary.counted, summary.not_weighted, summary.shown) == (28, 2, False)
    assert summary.index.estimate is None


def test_minimum_n_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        summarise(_answers(3), minimum_n=0)


# --- 7. Comparison with the previous period -----------------------------------------------------


def test_comparison_excluding_zero_is_a_clear_change() -> None:
    # d = 7.5 − 6.0 = 1.5; low = 1.5 − √(1.0² + 0.8²) = 1.5 − 1.280625 = 0.219375;
    # high = 1.5 + √(1.0² + 0.8²) = 2.780625
    current = Estimate(7.5, 6.5, 8.5, 40)
    previous = Estimate(6.0, 5.2, 6.8, 40)
    assert compare(current, previous) == Comparison(
        1.5,
        pytest.approx(0.219375, abs=TIGHT),  # type: ignore[arg-type]
        pytest.approx(2.780625, abs=TIGHT),  # type: ignore[arg-type]
        clear=True,
    )
    # the same change backwards is a clear fall: −2.780625 to −0.219375
    fall = compare(previous, current)
    assert fall is not None
    assert (fall.difference, fall.high, fall.clear) == (-1.5, pytest.approx(-0.219375), True)


def test_comparison_including_zero_is_no_clear_change() -> None:
    # d = 7.5 − 6.8 = 0.7; 0.7 ∓ 1.280625 → −0.580625 to 1.980625
    comparison = compare(Estimate(7.5, 6.5, 8.5, 40), Estimate(6.8, 6.0, 7.6, 40))
    assert comparison is not None
    assert comparison.difference == pytest.approx(0.7, abs=TIGHT)
    assert comparison.low == pytest.approx(-0.580625, abs=TIGHT)
    assert comparison.high == pytest.approx(1.980625, abs=TIGHT)
    assert not comparison.clear


def test_comparison_of_normal_intervals_is_the_root_sum_of_squares_rule() -> None:
    # se₁ = 0.5, se₂ = 0.3: d ± 1.96 × √(0.25 + 0.09) = 1.5 ± 1.142867
    current = Estimate(7.5, 7.5 - 1.96 * 0.5, 7.5 + 1.96 * 0.5, 100)
    previous = Estimate(6.0, 6.0 - 1.96 * 0.3, 6.0 + 1.96 * 0.3, 100)
    comparison = compare(current, previous)
    assert comparison is not None
    assert comparison.low == pytest.approx(1.5 - 1.142867, abs=TIGHT)
    assert comparison.high == pytest.approx(1.5 + 1.142867, abs=TIGHT)


def test_comparison_of_shares_matches_newcombes_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17, 873–890, 56/70 − 48/80, method 10:
    # 0.2 with the interval 0.0524 to 0.3339
    comparison = compare(share_estimate(56, 70), share_estimate(48, 80))
    assert comparison is not None
    assert comparison.difference == pytest.approx(0.2, abs=TIGHT)
    assert comparison.low == pytest.approx(0.0524, abs=5e-5)
    assert comparison.high == pytest.approx(0.3339, abs=5e-5)
    assert comparison.clear


def test_no_comparison_when_a_side_is_withheld_or_has_no_interval() -> None:
    shown = Estimate(7.5, 6.5, 8.5, 40)
    assert compare(shown, None) is None
    assert compare(None, shown) is None
    assert compare(shown, Estimate(7.0, None, None, 1)) is None
    withheld = summarise(_answers(29)).index.estimate
    assert compare(shown, withheld) is None


# --- Answers out of scale -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"overall": 11}, "overall satisfaction must be a whole number from 1 to 10, got 11"),
        ({"overall": 0}, "overall satisfaction must be a whole number from 1 to 10, got 0"),
        ({"expectations": -3}, "against expectations must be a whole number from 1 to 10"),
        ({"ideal": 7.5}, "against an ideal must be a whole number from 1 to 10, got 7.5"),
        ({"ideal": True}, "against an ideal must be a whole number from 1 to 10, got True"),
        ({"criteria": {Criterion.PRICE: 6}}, "'price' must be a whole number from 1 to 5, got 6"),
        ({"criteria": {Criterion.QUALITY: 0}}, "'quality' must be a whole number from 1 to 5"),
        ({"criteria": {"taste": 3}}, "unknown criterion 'taste'"),
        ({"choose_again": "yes"}, "must be yes, no or blank"),
    ],
)
def test_out_of_scale_answers_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Answer(**fields)  # type: ignore[arg-type]


def test_criteria_may_be_keyed_by_their_names() -> None:
    answer = Answer(criteria={"price": 4})  # type: ignore[dict-item]
    assert summarise([answer], minimum_n=1).criteria[Criterion.PRICE].estimate == Estimate(
        4.0, None, None, 1
    )


# --- Rounding for display -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (72.2222, 1, "72.2"),
        (0.25, 1, "0.3"),  # round() gives 0.2 (halves to even)
        (2.675, 2, "2.68"),  # round() gives 2.67 (2.675 is stored as 2.67499…)
        (-0.25, 1, "-0.3"),  # halves away from zero on both sides
        (-0.04, 1, "0.0"),  # never "-0.0"
        (99.96, 0, "100"),
    ],
)
def test_round_for_display(value: float, digits: int, shown: str) -> None:
    assert round_for_display(value, digits) == Decimal(shown)
    assert str(round_for_display(value, digits)) == shown


# --- Properties ---------------------------------------------------------------------------------


@given(
    sizes=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=5),
    scale=st.floats(min_value=0.001, max_value=1000),
    data=st.data(),
)
def test_a_sample_matching_its_targets_is_left_as_it_is(
    sizes: list[int], scale: float, data: st.DataObject
) -> None:
    strata = data.draw(st.permutations([h for h, size in enumerate(sizes) for _i in range(size)]))
    targets = {h: size * scale for h, size in enumerate(sizes)}
    weighting = poststratification_weights(strata, targets)
    weights = [w for w in weighting.weights if w is not None]
    assert len(weights) == len(strata)
    assert weights == pytest.approx([1.0] * len(strata), rel=1e-9)
    assert weighting.deff == pytest.approx(1.0, rel=1e-9)

    values = data.draw(st.lists(st.integers(1, 10), min_size=len(strata), max_size=len(strata)))
    weighted = weighted_mean_estimate(values, weights)
    plain = mean_estimate(values)
    assert weighted is not None
    assert plain is not None
    assert weighted.value == pytest.approx(plain.value, rel=1e-9)
    assert weighted.n_effective == pytest.approx(len(strata), rel=1e-9)
    if len(strata) >= 3:  # with 2, an effective n of 1.9999… would have no interval
        assert weighted.low == pytest.approx(plain.low, rel=1e-9, abs=1e-9)
        assert weighted.high == pytest.approx(plain.high, rel=1e-9, abs=1e-9)


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=6), min_size=2, max_size=5),
    targets=st.lists(st.floats(min_value=0.01, max_value=100), min_size=2, max_size=5),
    strangers=st.integers(min_value=0, max_value=3),
)
def test_weighted_sample_has_exactly_the_target_shares(
    sizes: list[int], targets: list[float], strangers: int
) -> None:
    strata: list[int | str] = [h for h, size in enumerate(sizes) for _i in range(size)]
    strata += ["no target"] * strangers
    target_map: dict[int | str, float] = dict(enumerate(targets))
    weighting = poststratification_weights(strata, target_map)

    represented = {h for h in range(len(sizes)) if sizes[h] and h < len(targets)}
    assert set(weighting.empty_strata) == set(target_map) - represented
    assert weighting.not_weighted == len(strata) - sum(sizes[h] for h in represented)
    if not represented:
        assert weighting.deff is None
        return
    total_target = sum(targets[h] for h in represented)
    total_weight = math.fsum(w for w in weighting.weights if w is not None)
    assert total_weight == pytest.approx(weighting.weighted, rel=1e-9)
    for h in represented:
        in_h = math.fsum(w for s, w in zip(strata, weighting.weights, strict=True) if s == h and w)
        assert in_h / total_weight == pytest.approx(targets[h] / total_target, rel=1e-9)


@given(
    low_1=st.floats(0, 50),
    width_1=st.floats(0.1, 20),
    gap=st.floats(0.001, 20),
    width_2=st.floats(0.1, 20),
)
def test_two_intervals_that_do_not_overlap_always_show_a_clear_change(
    low_1: float, width_1: float, gap: float, width_2: float
) -> None:
    # √(a² + b²) ≤ a + b, so intervals apart can never give "no clear change"
    previous = Estimate(low_1 + width_1 / 2, low_1, low_1 + width_1, 50)
    low_2 = low_1 + width_1 + gap
    current = Estimate(low_2 + width_2 / 2, low_2, low_2 + width_2, 50)
    comparison = compare(current, previous)
    assert comparison is not None
    assert comparison.clear
    assert comparison.low > 0
