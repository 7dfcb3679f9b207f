"""Limits of what a shopper may type about a label (the verify form and the API share them)."""

from __future__ import annotations

from typing import Final

#: Longest accepted text of each typed label claim.
CLAIM_LENGTHS: Final[dict[str, int]] = {"brand": 120, "maker": 200, "origin": 80}
