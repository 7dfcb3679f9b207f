"""The style checks of CONVENTIONS.md, run with the tests so that CI enforces them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_the_cores() -> None:
    result = run(str(BIN / "mypy"), "barcode_db", "complaints")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cores_never_import_flask() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for core in ("barcode_db", "complaints")
        for path in (ROOT / core).rglob("*.py")
        if any(
            line.strip().startswith(("import flask", "from flask"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
