"""WCAG 2.1 AA in the browser: axe-core (from the npm registry, installed by scripts/test.sh) run in a page."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(os.environ.get("COUNTER_AXE", Path(__file__).resolve().parents[2] / ".npm/node_modules/axe-core/axe.min.js"))
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Impacts that fail a test; "minor" and "moderate" findings are printed by the test that meets them.
BLOCKING = {"serious", "critical"}


@cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    # page.evaluate is not subject to the page's Content-Security-Policy (no inline scripts), so
    # axe is evaluated rather than added as a <script> tag.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })",
        WCAG_21_AA,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def assert_accessible(page: Page) -> None:
    """No serious or critical WCAG 2.1 A/AA violation on the page as it stands."""
    found = violations(page)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert blocking == [], f"{page.url}: {blocking}"
