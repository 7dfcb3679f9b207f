"""Many groups at once (surveys.batch) give exactly the figures of summarise_sums, group by group."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.batch import GroupedSums, summarise_grouped
from surveys.statistics import StratumSums, summarise_sums
from tests.surveys.test_sums import _same_summary, answers, targets


def _groups(tagged):
    split = defaultdict(lambda: defaultdict(list))
    for group, answer in tagged:
        split[group][answer.stratum].append(answer)
    return {
        group: {stratum: StratumSums.of(members) for stratum, members in strata.items()}
        for group, strata in split.items()
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", 7]), answers), max_size=80),
    targets,
    st.integers(1, 6),
)
def test_every_group_gets_the_figures_summarise_sums_gives(tagged, wanted, minimum_n) -> None:
    groups = _groups(tagged)
    batch = summarise_grouped(GroupedSums.of(groups), wanted, minimum_n)
    assert set(batch) == set(groups)
    for key, strata in groups.items():
        _same_summary(batch[key], summarise_sums(strata, wanted, minimum_n))


def test_no_group_gives_no_figures() -> None:
    assert summarise_grouped(GroupedSums.of({}), None, 1) == {}
