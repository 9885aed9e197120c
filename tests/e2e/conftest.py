"""Browser tests: Debian's Chromium driven by Playwright against a real daphne."""

from __future__ import annotations

import os
from collections.abc import Iterator
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
