"""How the figures of the consumer satisfaction surveys are computed (issue 15).

Every figure below is computed for one group of answers: a whole survey, or the answers about one
brand, one product or one category. Choosing the group is the caller's business; this module only
does the arithmetic, with the Python standard library, and rounds nothing (``round_for_display``
rounds, half away from zero, when a figure is shown). "95 % interval" always means a two-sided 95 %
confidence interval.

1. Satisfaction index, 0 to 100 (in the style of the ACSI)
   Three questions, each answered from 1 to 10: overall satisfaction, the product against what was
   expected, and the product against an ideal product of its kind. For each respondent::

       index = (mean of the answered items − 1) / 9 × 100

   so 1 on every item gives 0 and 10 on every item gives 100. An item left blank is not guessed: the
   mean is taken over the items answered. A respondent who answered none of the three is left out
   of the index (but still counts for the other figures). An answer outside 1–10 is refused.
   The figure published is the mean of the respondents' indices, with its 95 % interval (section 2).
   Source: Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. and Bryant, B. E. (1996), "The
   American Customer Satisfaction Index: nature, purpose, and findings", Journal of Marketing 60(4),
   7–18. The real ACSI weights the three items with a partial least squares (PLS) model estimated on
   national data; the association cannot reproduce that model, so the three items get equal
   weights. The index is therefore comparable between the association's own surveys and periods,
   but it is not the ACSI score and must not be compared with published ACSI figures.

2. Mean with a 95 % interval
   For n answers x₁ … xₙ::

       mean x̄ = Σxᵢ / n
       s² = Σ(xᵢ − x̄)² / (n − 1)
       interval = x̄ ± t · s / √n,   t = t₀.₉₇₅ with n − 1 degrees of freedom (Student)

   With fewer than 2 answers there is no interval. The interval is cut at the ends of the scale
   (0 and 100 for the index, 1 and 5 for a criterion), where the mean cannot go.
   The values of t for 1 to 30 degrees of freedom, and for 40, 60 and 120, are the three-decimal
   values printed in every t table (e.g. NIST/SEMATECH e-Handbook of Statistical Methods,
   section 1.3.6.7.2, "Critical values of the Student's t distribution")::

       df  1–10: 12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228
       df 11–20:  2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086
       df 21–30:  2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042
       df 40, 60, 120: 2.021 2.000 1.980;   df ∞: 1.960 (the normal quantile, 1.959964…)

   Between two rows, t is interpolated linearly in 1/df (the rule printed with classic tables,
   which interpolate in 120/df); past 120 the last row is the normal quantile at 1/df = 0. For
   example df = 35 gives 2.030 and df = 1000 gives 1.9624 (exact values 2.0301 and 1.9623). The
   interpolated t is within 0.001 of the exact quantile for every whole df and for every df from 6
   up. A fractional df below 6 (only a weighted figure with an effective n below 7 has one) gets a
   t a little too large, e.g. 2.697 instead of 2.694 at df 4.33: the interval errs on the wide side.

3. VINASTAS criteria
   Six criteria, each answered from 1 to 5: quality; information on the label; choice (range of
   products); design; price; customer care and complaint handling. For each criterion: the mean and
   its 95 % interval as in section 2, over the respondents who answered that criterion. An answer
   outside 1–5 is refused.

4. "Would you choose it again?": share of yes, with a 95 % Wilson interval
   For y answers yes out of n answers, p = y / n and z = 1.959964 (the 0.975 normal quantile)::

       centre = (p + z² / (2n)) / (1 + z² / n)
       half-width = z / (1 + z² / n) · √(p(1 − p) / n + z² / (4n²))
       interval = centre ± half-width

   The interval always lies within 0–1 and behaves well for small n and for shares near 0 or 1,
   where the textbook p ± z√(p(1 − p)/n) does not. The figure published is p itself.
   Sources: Wilson, E. B. (1927), "Probable inference, the law of succession, and statistical
   inference", Journal of the American Statistical Association 22, 209–212; Newcombe, R. G. (1998),
   "Two-sided confidence intervals for the single proportion: comparison of seven methods",
   Statistics in Medicine 17, 857–872; Brown, L. D., Cai, T. T. and DasGupta, A. (2001), "Interval
   estimation for a binomial proportion", Statistical Science 16(2), 101–133.

5. Weighting to the quota targets (post-stratification)
   Each respondent belongs to a stratum (a province, or a province × age group × channel cell, …).
   The targets give each stratum's share of the population; any positive numbers may be given,
   they are divided by their sum. For a stratum h with nₕ respondents among the n weighted ones and
   a target share Pₕ::

       weight of each respondent in h = Pₕ / (nₕ / n) = Pₕ · n / nₕ

   so the weights add up to n and the weighted sample has exactly the target shares.
   - A respondent whose stratum has no target is not weighted: they are left out of every weighted
     figure and counted in the "not weighted" number reported with the figures.
   - A target stratum with no respondent is reported as "empty": its share cannot be represented.
     The other targets are divided by their own sum, so the figures describe the population of the
     represented strata only.
   With the weights w₁ … wₙ of the n respondents who answered a question (weights are computed once
   per respondent; a question left blank drops the respondent from that figure only)::

       weighted mean ȳ = Σwᵢyᵢ / Σwᵢ
       design effect deff = n · Σwᵢ² / (Σwᵢ)²        (Kish; 1 when all weights are equal)
       effective n = n / deff = (Σwᵢ)² / Σwᵢ²
       s²_w = n / (n − 1) · Σwᵢ(yᵢ − ȳ)² / Σwᵢ       (weighted variance of the answers)
       standard error se = √(deff · s²_w / n) = s_w / √(effective n)
       interval = ȳ ± t · se,   t = t₀.₉₇₅ with (effective n − 1) degrees of freedom (section 2)

   That is, a weighted figure is treated as if it came from a simple random sample of "effective
   n" respondents; with equal weights everything reduces to sections 2 and 4. There is no interval
   when the effective n is below 2. The weighted share of yes is p = Σ(wᵢ over the yes answers) /
   Σwᵢ, with the Wilson interval of section 4 computed with n = effective n.
   Sources: Kish, L. (1965), Survey Sampling, Wiley, New York (section 11.7); Kish, L. (1992),
   "Weighting for unequal Pᵢ", Journal of Official Statistics 8(2), 183–200. For the Wilson
   interval with the effective sample size: Franco, C., Little, R. J. A., Louis, T. A. and Slud,
   E. V. (2019), "Comparative study of confidence intervals for proportions in complex sample
   surveys", Journal of Survey Statistics and Methodology 7(3), 334–364.
   Limits: the design effect counts only the precision lost to unequal weights. It does not credit
   the precision post-stratification gains when the strata explain much of the answers, so the
   intervals are then somewhat wider than they need be. And a quota sample is not a random sample:
   the intervals assume that within each stratum the respondents are like a random sample of that
   stratum's consumers, which the association cannot prove.

6. Minimum number of answers
   A figure is published only when at least the minimum number of respondents (30 by default)
   answered the question; the count of respondents (not the effective n) decides. Below the
   minimum the figure and its interval are withheld and only the number of answers is shown.

7. Comparison with the previous period
   For an estimate v₁ with interval [l₁, h₁] this period and v₂ with [l₂, h₂] the previous one,
   from different respondents::

       difference d = v₁ − v₂
       low  = d − √((v₁ − l₁)² + (h₂ − v₂)²)
       high = d + √((h₁ − v₁)² + (v₂ − l₂)²)

   For intervals of the form v ± z · se this is exactly d ± z · √(se₁² + se₂²), the usual rule for
   two independent samples; for a mean it uses each side's own t; for two shares it is Newcombe's
   "hybrid score" interval (his method 10), built from the two Wilson intervals. The change is
   called clear when the interval excludes 0, and "no clear change" otherwise. There is no
   comparison when either figure is withheld or has no interval.
   Sources: Newcombe, R. G. (1998), "Interval estimation for the difference between independent
   proportions: comparison of eleven methods", Statistics in Medicine 17, 873–890; Zou, G. Y. and
   Donner, A. (2008), "Construction of confidence limits about effect measures: a general
   approach", Statistics in Medicine 27, 1693–1702.
"""

from __future__ import annotations

import bisect
import enum
import math
import statistics
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

#: The 0.975 quantile of the standard normal distribution (1.959963984540054).
Z_975: float = statistics.NormalDist().inv_cdf(0.975)

#: t₀.₉₇₅ by degrees of freedom, to three decimals, as printed in t tables (docstring, section 2).
T_975_TABLE: Mapping[int, float] = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}

_T_ROWS: tuple[int, ...] = tuple(sorted(T_975_TABLE))

INDEX_SCALE: tuple[int, int] = (1, 10)
CRITERION_SCALE: tuple[int, int] = (1, 5)
#: Where the mean of the respondents' indices can go.
INDEX_RANGE: tuple[float, float] = (0.0, 100.0)
DEFAULT_MINIMUM_N = 30


class Criterion(enum.StrEnum):
    """The VINASTAS criteria, each answered from 1 to 5."""

    QUALITY = "quality"
    LABEL_INFORMATION = "label_information"
    CHOICE = "choice"
    DESIGN = "design"
    PRICE = "price"
    CUSTOMER_CARE = "customer_care"  # customer care and complaint handling


def _check_scale(value: object, scale: tuple[int, int], question: str) -> None:
    low, high = scale
    valid = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    if value is not None and not valid:
        raise ValueError(f"{question} must be a whole number from {low} to {high}, got {value!r}")


@dataclass(frozen=True)
class Answer:
    """One respondent's answers; ``None`` (or a criterion not in ``criteria``) is left blank.

    The answers are checked here, so an out-of-scale answer never reaches a figure.
    """

    overall: int | None = None
    expectations: int | None = None
    ideal: int | None = None
    criteria: Mapping[Criterion, int | None] = field(default_factory=dict)
    choose_again: bool | None = None
    stratum: Hashable | None = None

    def __post_init__(self) -> None:
        _check_scale(self.overall, INDEX_SCALE, "overall satisfaction")
        _check_scale(self.expectations, INDEX_SCALE, "satisfaction against expectations")
        _check_scale(self.ideal, INDEX_SCALE, "satisfaction against an ideal")
        for key, value in self.criteria.items():
            try:
                criterion = Criterion(key)
            except ValueError:
                known = ", ".join(Criterion)
                raise ValueError(f"unknown criterion {key!r} (known: {known})") from None
            _check_scale(value, CRITERION_SCALE, f"criterion {criterion.value!r}")
        if self.choose_again is not None and not isinstance(self.choose_again, bool):
            raise ValueError(
                f"'would you choose it again' must be yes, no or blank, got {self.choose_again!r}"
            )


def satisfaction_index(answer: Answer) -> float | None:
    """The respondent's 0–100 index: (mean of the answered items − 1) / 9 × 100; None if none."""
    items = [
        item for item in (answer.overall, answer.expectations, answer.ideal) if item is not None
    ]
    if not items:
        return None
    low, high = INDEX_SCALE
    return (statistics.fmean(items) - low) / (high - low) * 100


def t_quantile_975(df: float) -> float:
    """t₀.₉₇₅ for ``df`` ≥ 1 degrees of freedom: the table, interpolated linearly in 1/df."""
    if math.isnan(df) or df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df!r}")
    if math.isinf(df):
        return Z_975
    exact = T_975_TABLE.get(int(df))
    if exact is not None and df == int(df):
        return exact
    at = bisect.bisect_left(_T_ROWS, df)  # the first row at or above df (none: past 120)
    below = _T_ROWS[at - 1]
    above = _T_ROWS[at] if at < len(_T_ROWS) else None
    # 1/df runs from 1/below down to 1/above (0 for the normal row, df = ∞).
    x_below, t_below = 1 / below, T_975_TABLE[below]
    x_above, t_above = (0.0, Z_975) if above is None else (1 / above, T_975_TABLE[above])
    return t_above + (t_below - t_above) * (1 / df - x_above) / (x_below - x_above)


@dataclass(frozen=True)
class Estimate:
    """A mean or a share, its 95 % interval (None below 2 answers) and the number of answers."""

    value: float
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class WeightedEstimate(Estimate):
    """A weighted figure, with the Kish design effect of its weights and its effective n."""

    deff: float
    n_effective: float


def _cut(low: float, high: float, scale: tuple[float, float] | None) -> tuple[float, float]:
    if scale is None:
        return low, high
    return max(low, scale[0]), min(high, scale[1])


def mean_estimate(
    values: Sequence[float], *, scale: tuple[float, float] | None = None
) -> Estimate | None:
    """Mean ± t(0.975, n − 1) · s / √n, cut to ``scale``; None without values."""
    n = len(values)
    if n == 0:
        return None
    mean = statistics.fmean(values)
    if n < 2:
        return Estimate(mean, None, None, n)
    half = t_quantile_975(n - 1) * statistics.stdev(values, mean) / math.sqrt(n)
    low, high = _cut(mean - half, mean + half, scale)
    return Estimate(mean, low, high, n)


def _wilson(share: float, n: float) -> tuple[float, float]:
    z2 = Z_975 * Z_975
    denominator = 1 + z2 / n
    centre = (share + z2 / (2 * n)) / denominator
    half = Z_975 / denominator * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    # At a share of 0 (or 1) the lower (upper) limit is exactly 0 (1); elsewhere the clamp only
    # removes float noise, the exact interval lies within 0–1.
    low = 0.0 if share == 0 else max(0.0, centre - half)
    high = 1.0 if share == 1 else min(1.0, centre + half)
    return low, high


def share_estimate(yes: int, n: int) -> Estimate | None:
    """The share of yes among ``n`` answers with its 95 % Wilson interval; None when n = 0."""
    if n < 0 or not 0 <= yes <= n:
        raise ValueError(f"need 0 ≤ yes ≤ n, got yes={yes}, n={n}")
    if n == 0:
        return None
    low, high = _wilson(yes / n, n)
    return Estimate(yes / n, low, high, n)


def kish_design_effect(weights: Sequence[float]) -> float:
    """Kish's design effect of unequal weights: n · Σw² / (Σw)²."""
    if not weights:
        raise ValueError("no weights")
    return len(weights) * math.fsum(w * w for w in weights) / math.fsum(weights) ** 2


def _check_weights(values: Sequence[object], weights: Sequence[float]) -> None:
    if len(values) != len(weights):
        raise ValueError(f"{len(values)} answers but {len(weights)} weights")
    for weight in weights:
        if not (math.isfinite(weight) and weight > 0):
            raise ValueError(f"weights must be positive numbers, got {weight!r}")


def weighted_mean_estimate(
    values: Sequence[float],
    weights: Sequence[float],
    *,
    scale: tuple[float, float] | None = None,
) -> WeightedEstimate | None:
    """Σwy / Σw ± t(0.975, n_eff − 1) · √(deff · s²_w / n), cut to ``scale``; None without values."""
    _check_weights(values, weights)
    n = len(values)
    if n == 0:
        return None
    total = math.fsum(weights)
    mean = math.fsum(w * y for w, y in zip(weights, values, strict=True)) / total
    deff = kish_design_effect(weights)
    n_effective = n / deff
    if n_effective < 2:
        return WeightedEstimate(mean, None, None, n, deff, n_effective)
    spread = math.fsum(w * (y - mean) ** 2 for w, y in zip(weights, values, strict=True)) / total
    variance = n / (n - 1) * spread
    half = t_quantile_975(n_effective - 1) * math.sqrt(deff * variance / n)
    low, high = _cut(mean - half, mean + half, scale)
    return WeightedEstimate(mean, low, high, n, deff, n_effective)


def weighted_share_estimate(
    answers: Sequence[bool], weights: Sequence[float]
) -> WeightedEstimate | None:
    """Weighted share of yes, with the Wilson interval at the effective n; None without answers."""
    _check_weights(answers, weights)
    n = len(answers)
    if n == 0:
        return None
    share = math.fsum(w for w, yes in zip(weights, answers, strict=True) if yes) / math.fsum(
        weights
    )
    deff = kish_design_effect(weights)
    n_effective = n / deff
    low, high = _wilson(share, n_effective)
    return WeightedEstimate(share, low, high, n, deff, n_effective)


@dataclass(frozen=True)
class Weighting:
    """Post-stratification weights, one per respondent in the order given.

    ``None`` is a respondent whose stratum has no target (not weighted). ``target_shares`` are the
    targets of the represented strata, divided by their sum; ``empty_strata`` the targets nobody
    answered for.
    """

    weights: tuple[float | None, ...]
    target_shares: Mapping[Hashable, float]
    empty_strata: tuple[Hashable, ...]

    @property
    def weighted(self) -> int:
        return sum(1 for weight in self.weights if weight is not None)

    @property
    def not_weighted(self) -> int:
        return len(self.weights) - self.weighted

    @property
    def deff(self) -> float | None:
        """The design effect of all the weights (None if nobody is weighted)."""
        weights = [weight for weight in self.weights if weight is not None]
        return kish_design_effect(weights) if weights else None

    @property
    def n_effective(self) -> float | None:
        deff = self.deff
        return None if deff is None else self.weighted / deff


def _check_targets(targets: Mapping[Hashable, float]) -> None:
    if not targets:
        raise ValueError("no quota targets given")
    for stratum, target in targets.items():
        if stratum is None:
            raise ValueError("a quota target needs a stratum, got None")
        if not (math.isfinite(target) and target > 0):
            raise ValueError(f"target for stratum {stratum!r} must be positive, got {target!r}")


def poststratification_weights(
    strata: Sequence[Hashable | None], targets: Mapping[Hashable, float]
) -> Weighting:
    """Weights Pₕ · n / nₕ bringing each represented stratum h to its target share Pₕ."""
    _check_targets(targets)
    counts = Counter(stratum for stratum in strata if stratum is not None and stratum in targets)
    represented = {stratum: target for stratum, target in targets.items() if counts[stratum]}
    empty = tuple(stratum for stratum in targets if not counts[stratum])
    total = math.fsum(represented.values())
    shares = {stratum: target / total for stratum, target in represented.items()}
    n = sum(counts.values())
    weights = tuple(
        shares[stratum] * n / counts[stratum] if stratum is not None and stratum in shares else None
        for stratum in strata
    )
    return Weighting(weights, shares, empty)


@dataclass(frozen=True)
class Result:
    """One figure as it may be published; ``estimate`` is None (withheld) below the minimum n."""

    n: int
    minimum_n: int
    estimate: Estimate | None

    @property
    def shown(self) -> bool:
        return self.n >= self.minimum_n


@dataclass(frozen=True)
class Summary:
    """The figures of one group of answers (a survey, a brand, a product or a category).

    ``counted`` is the number of respondents the figures may use: everyone without targets, the
    weighted respondents with them (``not_weighted`` are the others). Each figure has its own n,
    since a question may be left blank.
    """

    respondents: int
    counted: int
    minimum_n: int
    index: Result
    criteria: Mapping[Criterion, Result]
    choose_again: Result
    weighting: Weighting | StrataWeighting | None

    @property
    def not_weighted(self) -> int:
        return self.respondents - self.counted

    @property
    def shown(self) -> bool:
        return self.counted >= self.minimum_n


def summarise(
    answers: Sequence[Answer],
    targets: Mapping[Hashable, float] | None = None,
    minimum_n: int = DEFAULT_MINIMUM_N,
) -> Summary:
    """The index, the criteria and the choose-again share; weighted when ``targets`` are given."""
    if minimum_n < 1:
        raise ValueError(f"the minimum n must be at least 1, got {minimum_n}")
    weighting = (
        None
        if targets is None
        else poststratification_weights([answer.stratum for answer in answers], targets)
    )
    weights: Sequence[float | None] = (
        [1.0] * len(answers) if weighting is None else weighting.weights
    )

    def mean_result(values: Sequence[float | None], scale: tuple[float, float]) -> Result:
        pairs = [
            (y, w) for y, w in zip(values, weights, strict=True) if y is not None and w is not None
        ]
        if len(pairs) < minimum_n:
            return Result(len(pairs), minimum_n, None)
        ys, ws = [y for y, _w in pairs], [w for _y, w in pairs]
        if weighting is None:
            return Result(len(pairs), minimum_n, mean_estimate(ys, scale=scale))
        return Result(len(pairs), minimum_n, weighted_mean_estimate(ys, ws, scale=scale))

    choices = [
        (answer.choose_again, w)
        for answer, w in zip(answers, weights, strict=True)
        if answer.choose_again is not None and w is not None
    ]
    if len(choices) < minimum_n:
        choose_again = Result(len(choices), minimum_n, None)
    elif weighting is None:
        yes = sum(1 for choice, _w in choices if choice)
        choose_again = Result(len(choices), minimum_n, share_estimate(yes, len(choices)))
    else:
        estimate = weighted_share_estimate([c for c, _w in choices], [w for _c, w in choices])
        choose_again = Result(len(choices), minimum_n, estimate)

    return Summary(
        respondents=len(answers),
        counted=sum(1 for w in weights if w is not None),
        minimum_n=minimum_n,
        index=mean_result([satisfaction_index(answer) for answer in answers], INDEX_RANGE),
        criteria={
            criterion: mean_result(
                [answer.criteria.get(criterion) for answer in answers], CRITERION_SCALE
            )
            for criterion in Criterion
        },
        choose_again=choose_again,
        weighting=weighting,
    )


# Figures from sums ------------------------------------------------------------------------------
#
# A database sums faster than Python loops: for each stratum of a group it returns, per question,
# the number of answers, their sum and the sum of their squares. The functions below give from
# these the very figures ``summarise`` gives from the answers themselves (the tests hold them to
# it); the formulas are those of sections 2, 4 and 5, with Σwᵢyᵢ = Σₕ wₕ·(sum of y in h) and
# Σwᵢ(yᵢ − ȳ)² = Σₕ wₕ·(sum of y² in h) − ȳ·Σwᵢyᵢ.


class Moments(NamedTuple):
    """The answers to one question in one stratum: how many, their sum, the sum of squares.

    For "would you choose it again", ``total`` is the number of yes (and ``squares`` the same).
    A tuple: cheap to make, and a results page reads thousands."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    @classmethod
    def of(cls, values: Sequence[float]) -> Moments:
        return cls(len(values), math.fsum(values), math.fsum(v * v for v in values))


_NO_MOMENTS = Moments()
#: The criteria in their order, kept once (iterating an enum is slow in a hot loop).
_CRITERIA: tuple[Criterion, ...] = tuple(Criterion)


@dataclass(frozen=True)
class StratumSums:
    """One stratum of a group: its respondents and the moments of each figure's answers."""

    respondents: int
    index: Moments = _NO_MOMENTS
    criteria: Mapping[Criterion, Moments] = field(default_factory=dict)
    choose_again: Moments = _NO_MOMENTS

    @classmethod
    def of(cls, answers: Sequence[Answer]) -> StratumSums:
        """The sums of some answers (what the database computes; used by the tests)."""
        indices = [i for i in (satisfaction_index(a) for a in answers) if i is not None]
        choices = [1.0 if a.choose_again else 0.0 for a in answers if a.choose_again is not None]
        return cls(
            len(answers),
            Moments.of(indices),
            {
                c: Moments.of(
                    [float(v) for v in (a.criteria.get(c) for a in answers) if v is not None]
                )
                for c in Criterion
            },
            Moments.of(choices),
        )


@dataclass(frozen=True)
class StrataWeighting:
    """Post-stratification of a group given by its strata's sizes: the weight of each
    stratum's respondents (section 5); the counterpart of :class:`Weighting`."""

    stratum_weights: Mapping[Hashable, float]
    stratum_sizes: Mapping[Hashable, int]
    respondents: int
    target_shares: Mapping[Hashable, float]
    empty_strata: tuple[Hashable, ...]

    @property
    def weighted(self) -> int:
        return sum(self.stratum_sizes[s] for s in self.stratum_weights)

    @property
    def not_weighted(self) -> int:
        return self.respondents - self.weighted

    @property
    def deff(self) -> float | None:
        n = self.weighted
        if not n:
            return None
        total = math.fsum(w * self.stratum_sizes[s] for s, w in self.stratum_weights.items())
        squares = math.fsum(w * w * self.stratum_sizes[s] for s, w in self.stratum_weights.items())
        return n * squares / (total * total)

    @property
    def n_effective(self) -> float | None:
        deff = self.deff
        return None if deff is None else self.weighted / deff


def strata_weighting(
    sizes: Mapping[Hashable | None, int], targets: Mapping[Hashable, float]
) -> StrataWeighting:
    """The weights Pₕ · n / nₕ of :func:`poststratification_weights`, from the strata's sizes."""
    _check_targets(targets)
    represented = {s: t for s, t in targets.items() if sizes.get(s, 0) > 0}
    empty = tuple(s for s in targets if not sizes.get(s, 0))
    total = math.fsum(represented.values())
    shares = {s: t / total for s, t in represented.items()}
    n = sum(sizes[s] for s in represented)
    weights = {s: shares[s] * n / sizes[s] for s in represented}
    known = {s: size for s, size in sizes.items() if s is not None}
    return StrataWeighting(weights, known, sum(sizes.values()), shares, empty)


def mean_from_moments(
    parts: Sequence[tuple[float, Moments]], *, weighted: bool, scale: tuple[float, float] | None
) -> Estimate | None:
    """``mean_estimate`` (weights all 1, ``weighted`` False) or ``weighted_mean_estimate`` of
    the answers summed in ``parts`` (the weight of a stratum's respondents, its moments)."""
    n = 0
    sum_w = sum_wy = sum_wyy = 0.0
    for w, m in parts:
        n += m.n
        sum_w += w * m.n
        sum_wy += w * m.total
        sum_wyy += w * m.squares
    if n == 0:
        return None
    mean = sum_wy / sum_w
    spread = sum_wyy / sum_w - mean * mean
    if spread <= 1e-12 * max(1.0, mean * mean):
        # Equal answers: the subtraction leaves only rounding noise, which the square root
        # would magnify into an interval (the answers' own spread is exactly 0).
        spread = 0.0
    if not weighted:
        if n < 2:
            return Estimate(mean, None, None, n)
        half = t_quantile_975(n - 1) * math.sqrt(n / (n - 1) * spread) / math.sqrt(n)
        low, high = _cut(mean - half, mean + half, scale)
        return Estimate(mean, low, high, n)
    deff = n * math.fsum(w * w * m.n for w, m in parts) / (sum_w * sum_w)
    n_effective = n / deff
    if n_effective < 2:
        return WeightedEstimate(mean, None, None, n, deff, n_effective)
    variance = n / (n - 1) * spread
    half = t_quantile_975(n_effective - 1) * math.sqrt(deff * variance / n)
    low, high = _cut(mean - half, mean + half, scale)
    return WeightedEstimate(mean, low, high, n, deff, n_effective)


def share_from_moments(
    parts: Sequence[tuple[float, Moments]], *, weighted: bool
) -> Estimate | None:
    """``share_estimate`` or ``weighted_share_estimate`` from summed yes answers."""
    n = sum(m.n for _w, m in parts)
    if n == 0:
        return None
    if not weighted:
        return share_estimate(round(sum(m.total for _w, m in parts)), n)
    sum_w = math.fsum(w * m.n for w, m in parts)
    share = math.fsum(w * m.total for w, m in parts) / sum_w
    deff = n * math.fsum(w * w * m.n for w, m in parts) / (sum_w * sum_w)
    n_effective = n / deff
    low, high = _wilson(share, n_effective)
    return WeightedEstimate(share, low, high, n, deff, n_effective)


def summarise_sums(
    strata: Mapping[Hashable | None, StratumSums],
    targets: Mapping[Hashable, float] | None = None,
    minimum_n: int = DEFAULT_MINIMUM_N,
) -> Summary:
    """What :func:`summarise` gives for the answers whose sums, by stratum, are ``strata``."""
    if minimum_n < 1:
        raise ValueError(f"the minimum n must be at least 1, got {minimum_n}")
    respondents = sum(part.respondents for part in strata.values())
    weighting = (
        None
        if targets is None
        else strata_weighting({s: p.respondents for s, p in strata.items()}, targets)
    )
    if weighting is None:
        counted = [(1.0, part) for part in strata.values()]
    else:
        weights = weighting.stratum_weights
        counted = [(weights[s], part) for s, part in strata.items() if s in weights]
    is_weighted = weighting is not None

    def mean_result(parts: list[tuple[float, Moments]], scale: tuple[float, float]) -> Result:
        n = sum(m.n for _w, m in parts)
        if n < minimum_n:
            return Result(n, minimum_n, None)
        return Result(n, minimum_n, mean_from_moments(parts, weighted=is_weighted, scale=scale))

    choices = [(w, part.choose_again) for w, part in counted]
    n_choices = sum(m.n for _w, m in choices)
    return Summary(
        respondents=respondents,
        counted=respondents if weighting is None else weighting.weighted,
        minimum_n=minimum_n,
        index=mean_result([(w, part.index) for w, part in counted], INDEX_RANGE),
        criteria={
            criterion: mean_result(
                [(w, part.criteria.get(criterion, _NO_MOMENTS)) for w, part in counted],
                CRITERION_SCALE,
            )
            for criterion in _CRITERIA
        },
        choose_again=Result(
            n_choices,
            minimum_n,
            share_from_moments(choices, weighted=is_weighted) if n_choices >= minimum_n else None,
        ),
        weighting=weighting,
    )


@dataclass(frozen=True)
class Comparison:
    """This period minus the previous one, with its 95 % interval; clear when 0 is outside it."""

    difference: float
    low: float
    high: float
    clear: bool


def compare(current: Estimate | None, previous: Estimate | None) -> Comparison | None:
    """The change since the previous period (docstring, section 7); None if a side has no interval."""
    if current is None or previous is None:
        return None
    v1, l1, h1 = current.value, current.low, current.high
    v2, l2, h2 = previous.value, previous.low, previous.high
    if l1 is None or h1 is None or l2 is None or h2 is None:
        return None
    difference = v1 - v2
    low = difference - math.hypot(v1 - l1, h2 - v2)
    high = difference + math.hypot(h1 - v1, v2 - l2)
    return Comparison(difference, low, high, clear=low > 0 or high < 0)


def round_for_display(value: float, digits: int = 1) -> Decimal:
    """``value`` rounded to ``digits`` decimals, halves away from zero, as a person expects.

    Works on the shortest decimal form of the float, so 2.675 rounds to 2.68 (``round`` gives 2.67),
    and never returns a negative zero.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot display {value!r}")
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded
