"""``like_pattern``: the one LIKE escaping of the project (registry search, complaint search)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from barcode_db.textkey import LIKE_ESCAPE, like_pattern


@pytest.mark.parametrize(
    ("text", "query", "found"),
    [
        ("sua 100% tuoi", "100%", True),
        ("sua 1000 tuoi", "100%", False),  # % is a percent sign, not "anything"
        ("ma_so", "a_s", True),
        ("maxso", "a_s", False),  # _ is an underscore, not "any letter"
        ("c:\\tmp", "\\", True),
        ("c:/tmp", "\\", False),  # the escape character itself, escaped
        ("Đồng Nai", "ồng", True),
    ],
)
def test_the_database_reads_the_pattern_literally(db_session, text, query, found) -> None:
    matches = sa.literal(text).like(like_pattern(query), escape=LIKE_ESCAPE)
    assert db_session.scalar(sa.select(matches)) is found
