"""Every message of Counter has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    entries = PO.read_text(encoding="utf-8").split("\n\n")[1:]  # skip the header
    assert len(entries) > 100
    untranslated = [e for e in entries if re.search(r'\nmsgstr ""\s*$', e) or e.startswith('msgstr ""')]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == []
    assert fuzzy == []
