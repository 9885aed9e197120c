"""Every message of Counter has its Simplified Chinese translation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Apps built on the queue may keep their messages in a catalogue of their own (<app>/locale/).
CATALOGUES = [PO, *sorted(p for p in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po") if p != PO)]


def test_the_projects_catalogue_holds_the_queues_messages() -> None:
    assert len(PO.read_text(encoding="utf-8").split("\n\n")) > 100


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_is_translated_and_none_is_fuzzy(po: Path) -> None:
    entries = po.read_text(encoding="utf-8").split("\n\n")[1:]  # skip the header
    untranslated = [e for e in entries if re.search(r'\nmsgstr ""\s*$', e) or e.startswith('msgstr ""')]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == []
    assert fuzzy == []
