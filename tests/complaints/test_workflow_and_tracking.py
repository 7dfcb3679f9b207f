"""Workflow moves, tracking codes and areas: pure rules, table-driven."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from barcode_db.areas import commune, communes_of, is_commune_of, province_names, provinces
from complaints.tracking import (
    ALPHABET,
    format_tracking_code,
    new_tracking_code,
    normalise_tracking_code,
)
from complaints.workflow import OPEN_STATES, Status, can_move


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.NEW, Status.TRIAGED, True),  # taken up
        (Status.TRIAGED, Status.NEEDS_INFO, True),  # ask the reporter
        (Status.NEEDS_INFO, Status.TRIAGED, True),  # answer came
        (Status.TRIAGED, Status.REFERRED, True),  # to the market inspectors
        (Status.REFERRED, Status.CONFIRMED, True),
        (Status.REFERRED, Status.DISMISSED, True),
        (Status.NEW, Status.DUPLICATE, True),  # merged
        (Status.NEW, Status.CONFIRMED, False),  # no confirmation without inspection
        (Status.NEW, Status.REFERRED, False),  # triage first
        (Status.CONFIRMED, Status.TRIAGED, False),  # closed stays closed
        (Status.DUPLICATE, Status.NEW, False),
        (Status.DISMISSED, Status.DUPLICATE, False),
    ],
)
def test_moves(current: Status, target: Status, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_every_open_state_can_become_a_duplicate() -> None:
    assert all(can_move(state, Status.DUPLICATE) for state in OPEN_STATES)


def test_new_codes_are_ten_unambiguous_characters_and_differ() -> None:
    codes = {new_tracking_code() for _ in range(1000)}
    assert len(codes) == 1000
    for code in codes:
        assert len(code) == 10 and set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCDE-12345", "ABCDE12345"),  # as printed
        ("abcde 12345", "ABCDE12345"),  # read over the phone, typed lower case
        ("ABCDE-I2345", "ABCDE12345"),  # I for 1
        ("OBCDE-12345", "0BCDE12345"),  # O for 0
        ("ABCD-12345", None),  # too short
        ("ABCDE-1234U", None),  # U is not in the alphabet
        ("", None),
    ],
)
def test_typed_codes_are_forgiven(typed: str, stored: str | None) -> None:
    assert normalise_tracking_code(typed) == stored


@given(st.text(max_size=30))
def test_normalise_never_raises(text: str) -> None:
    code = normalise_tracking_code(text)
    assert code is None or normalise_tracking_code(format_tracking_code(code)) == code


def test_areas_are_the_34_provinces_of_2025_with_their_communes() -> None:
    names = province_names()
    assert len(names) == 34
    # The package and the reference CSV agree on codes and commune counts.
    reference = provinces()
    assert set(names) == set(reference)
    assert sum(len(communes_of(code)) for code in names) == 3321
    assert names["79"] == "Thành phố Hồ Chí Minh"
    hoan_kiem = commune("00070")
    assert hoan_kiem is not None and hoan_kiem.name == "Phường Hoàn Kiếm"
    assert is_commune_of("00070", "01")
    assert not is_commune_of("00070", "79")
    assert not is_commune_of("99999", "01")
