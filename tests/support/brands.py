"""Synthetic brand names for tests: they live in :mod:`barcode_db.synthetic_brands`, where the
benchmarks find them too."""

from barcode_db.synthetic_brands import generate_brand_names

__all__ = ["generate_brand_names"]
