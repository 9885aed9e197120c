"""A page whose clock stands still until the test moves it.

Idle timeouts (the kiosk's question and return to the start, the rating tablet's return to idle)
are shortened for the tests to a second or two; on a busy machine the test's own clicks can take
longer than that, and the timeout would fire in the middle of them. With the page's timers stopped,
a timeout fires exactly when the test lets that much time pass: never early, never late.
"""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page


def open_with_time_stopped(page: Page, url: str) -> Page:
    # Stopped before the page is there (nothing to fire yet), a little ahead of now: stopping
    # at a moment the clock has already passed is refused.
    start = dt.datetime.now(dt.UTC)
    page.clock.install(time=start)
    page.clock.pause_at(start + dt.timedelta(seconds=5))
    page.goto(url)
    return page


def let_time_pass(page: Page, ms: int) -> None:
    """Move the page's clock on by `ms`, firing every timer due meanwhile, in order."""
    page.clock.run_for(ms)
