"""Vietnam's provinces and communes as the lists show them."""

from __future__ import annotations

from barcode_db.areas import commune, communes_of, provinces
from barcode_db.textkey import search_key


def test_commune_names_are_written_once_each_way() -> None:
    """No double or outer spaces (the package has ten: "Phường  Tân An")."""
    names = [c.name for code in provinces() for c in communes_of(code)]
    assert len(names) == 3321
    assert [n for n in names if "  " in n or n != n.strip()] == []
    found = [c for code in provinces() for c in communes_of(code) if c.name == "Phường Tân An"]
    assert found and commune(found[0].code) == found[0]


def test_communes_are_listed_in_the_order_a_reader_expects() -> None:
    for code in provinces():
        keys = [search_key(c.name) for c in communes_of(code)]
        assert keys == sorted(keys), code
    names = [c.name for c in communes_of("79")]
    # "Đ" is read as "D": "Phường Đông Hòa" comes before "Phường Gò Vấp", not after every "Z"
    # as the letters' code points would put it.
    assert names.index("Phường Đông Hòa") < names.index("Phường Gò Vấp")
