"""Browser tests: Debian's Chromium driven by Playwright against a real daphne."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.servers import Daphne

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make to set up data are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# What a page shows is awaited for up to 10 s (Playwright's default is 5 s): a CI
# machine running daphne, Chromium and the test on two cores can be slow, and a
# page that is merely late is not wrong. Tests about speed give their own bound.
expect.set_options(timeout=10_000)

SCREENSHOTS = Path(os.environ.get("COUNTER_SCREENSHOTS", "/tmp/counter-screenshots"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)
        item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def server(db: Any) -> Iterator[Daphne]:
    daphne = Daphne().start()
    try:
        yield daphne
    finally:
        daphne.stop()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# What each open page showed when a test failed, written into the report: a failure in CI
# leaves only its printed output, and "element is not visible" alone does not say which
# screen was up instead, whether a banner had moved the page or whether it had reloaded.
PAGE_STATE = """() => {
  const shown = (el) => !el.hidden && el.getClientRects().length > 0;
  const text = (el) => (el.textContent || "").replace(/\\s+/g, " ").trim().slice(0, 160);
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    url: location.href,
    navigation: nav ? nav.type : null,
    loaded_ms_ago: Math.round(performance.now()),
    screens: Array.from(document.querySelectorAll("[data-screen]")).filter(shown).map((el) => el.dataset.screen),
    banners: Array.from(document.querySelectorAll('[role="status"], [role="alert"], [role="alertdialog"]'))
      .filter(shown)
      .map(text)
      .filter(Boolean),
    focus: document.activeElement ? document.activeElement.cloneNode(false).outerHTML.slice(0, 160) : null,
  };
}"""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when != "call" or not report.failed:
        return report
    funcargs = getattr(item, "funcargs", {})
    lines = []
    browser = funcargs.get("browser")
    for context in browser.contexts if browser is not None else []:
        for page in context.pages:
            try:
                # Bounded, unlike evaluate(): a page that stopped answering must not hang the run.
                lines.append(repr(page.wait_for_function(f"({PAGE_STATE})()", timeout=5_000).json_value()))
            except Exception as exc:  # a closed or hung page: say so, keep the test's own failure
                lines.append(f"{page.url}: state not readable ({exc.__class__.__name__})")
    if lines:
        report.sections.append(("open pages", "\n".join(lines)))
    server = funcargs.get("server")
    if isinstance(server, Daphne):
        report.sections.append(("daphne output (last 60 lines)", "\n".join(server.output().splitlines()[-60:])))
    return report
