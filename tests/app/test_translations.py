"""The Vietnamese catalog is complete and in step with the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_template_is_up_to_date_with_the_code(tmp_path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "N_",
            "-k",
            "lazy_gettext",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    committed = _ids(_catalog(ROOT / "app/translations/messages.pot"))
    assert _ids(_catalog(fresh)) == committed, (
        "run: pybabel extract -F babel.cfg -k N_ -k lazy_gettext --no-location --sort-output "
        "-o app/translations/messages.pot . && pybabel update -i app/translations/messages.pot "
        "-d app/translations"
    )


def test_every_message_has_a_vietnamese_translation_with_the_same_placeholders() -> None:
    template = _ids(_catalog(ROOT / "app/translations/messages.pot"))
    vi = _catalog(ROOT / "app/translations/vi/LC_MESSAGES/messages.po")
    translated = {}
    for message in vi:
        if not message.id or message.fuzzy:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if msgstr:
            translated[msgid] = msgstr
    assert template - set(translated) == set()
    for msgid, msgstr in translated.items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(msgstr)), msgid
