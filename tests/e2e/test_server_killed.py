"""A lobby display and a phone page in Chromium come back by themselves after daphne is killed (SIGKILL).

live.js notices the lost socket, shows "Reconnecting…", retries with backoff,
and takes the new server's snapshot: a call made after the restart shows at once.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

from playwright.sync_api import Browser, expect

from queueing.models import Desk, Ticket
from tests.e2e.test_display import act, open_display
from tests.servers import Daphne

BACK_MS = 40_000  # live.js backs off up to a few seconds per attempt after a short outage


def test_a_display_and_a_phone_come_back_after_the_server_is_killed(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    issue("A")
    mine = issue("A")
    tv = open_display(browser, f"{server.url}/display/hall/")
    act(server, desk, "call-next")
    expect(tv.locator(".lobby-call-number")).to_have_text("A001", timeout=5000)
    phone = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
    phone.goto(f"{server.url}/t/{mine.token}/")
    expect(phone.locator('[data-field="ahead"]')).to_have_text("0")

    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    expect(tv.locator('[data-field="offline"]')).to_be_visible(timeout=10_000)
    server.start()  # the same port and database

    expect(tv.locator('[data-field="offline"]')).to_be_hidden(timeout=BACK_MS)
    expect(phone.locator("#phone-offline")).to_be_hidden(timeout=BACK_MS)
    act(server, desk, "call-next")  # A001 becomes a no-show, A002 is called: on both screens
    expect(tv.locator(".lobby-call-number")).to_have_text("A002", timeout=BACK_MS)
    expect(tv.locator('.lobby-desk[data-desk="1"] .lobby-desk-ticket')).to_have_text("A002")
    expect(phone.locator("#ticket")).to_have_attribute("data-status", "called", timeout=BACK_MS)
    tv.close()
    phone.close()
