"""A search for "%" or "_" on the public brand list finds names with those characters, not all."""

from __future__ import annotations

import pytest

from tests.support.pages import text_of


@pytest.mark.parametrize("query", ["%", "_", "%_%"])
def test_like_wildcards_in_a_search_match_only_themselves(client, sample_registry, query) -> None:
    everything = text_of(client.get("/brands?lang=en"))
    assert "No company matches this search." not in everything
    found = client.get("/brands", query_string={"q": query, "lang": "en"})
    assert found.status_code == 200
    assert "No company matches this search." in text_of(found)
