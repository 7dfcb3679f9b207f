"""The layering rule of CONVENTIONS.md. (ruff and mypy are CI's lint step: .ci/run.)"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cores_never_import_flask() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for core in ("barcode_db", "complaints", "surveys")
        for path in (ROOT / core).rglob("*.py")
        if any(
            line.strip().startswith(("import flask", "from flask"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
