"""The category table: codes a file can carry, GPC codes that are GPC's shape and nest."""

from __future__ import annotations

import re

from barcode_db.categories import BY_CODE, CATEGORIES, category


def test_codes_are_unique_lowercase_ascii() -> None:
    assert len(BY_CODE) == len(CATEGORIES)
    assert all(re.fullmatch(r"[a-z][a-z_]{1,30}", c.code) for c in CATEGORIES)


def test_gpc_codes_are_segments_and_families_within_them() -> None:
    for c in CATEGORIES:
        assert re.fullmatch(r"[1-9][0-9]000000", c.gpc_segment), c.code
        assert c.gpc_segment_name
        if c.gpc_family:
            assert re.fullmatch(r"[1-9][0-9]{3}0000", c.gpc_family), c.code
            assert c.gpc_family[:2] == c.gpc_segment[:2], c.code
            assert c.gpc_family != c.gpc_segment and c.gpc_family_name
        else:
            assert not c.gpc_family_name


def test_a_family_is_one_category_at_most() -> None:
    families = [c.gpc_family for c in CATEGORIES if c.gpc_family]
    assert len(families) == len(set(families))


def test_lookup_takes_unknown_and_empty_codes() -> None:
    assert category("dairy") is BY_CODE["dairy"]
    assert category("") is None and category(None) is None and category("Dairy") is None
