"""The phone, desk and kiosk pages follow the queue over their WebSockets, faster than any poll."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from playwright.sync_api import Browser, expect

from counter.settings import redis_channel_layer
from queueing import services
from queueing.models import Desk, StaffProfile, Ticket
from tests.e2e.test_desk import sign_in
from tests.servers import Daphne, free_port

Issue = Callable[..., Ticket]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
KIOSK = {"width": 1080, "height": 1920}
LIVE_MS = 2000  # every poll of these pages is slower than this


def redis_answers(url: str) -> bool:
    host, _, port = url.split("://", 1)[1].split("/", 1)[0].rpartition("@")[2].partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The project's Redis when it has one; else a private, throwaway redis-server."""
    if settings.REDIS_URL:
        yield settings.REDIS_URL
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis: a change made in the test process reaches the server's sockets only through Redis")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.skip("needs redis: redis-server did not start")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def live(redis_url: str, settings: Any, db: Any) -> Iterator[Daphne]:
    """A daphne and this test process sharing one Redis channel layer and cache, as a deployment's workers do.

    (The cache too: the phone sockets count themselves in it, and a broadcast
    made here builds place updates for the phones it counts.)
    """
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_url)}  # the server's, prefix included
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    server = Daphne(REDIS_URL=redis_url).start()
    try:
        yield server
    finally:
        server.stop()


def off_the_loop(action: Callable[[], Any]) -> Any:
    """Run a service call in a plain thread: Playwright keeps an event loop running in
    this one, where the services' broadcast could not be sent."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = action()
        except BaseException as exc:  # re-raised in the test
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    if "error" in result:
        raise result["error"]
    return result.get("value")


def call_next(desk: Desk) -> Ticket | None:
    return off_the_loop(lambda: services.call_next(desk=desk, actor=services.Actor.system()))


def issue_at_kiosk(server: Daphne, prefix: str) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/api/v1/sites/hall/tickets/", json={"business_type": prefix})
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_phone_page_follows_the_queue_and_the_call_live(
    live: Daphne, desk: Desk, issue: Issue, browser: Browser
) -> None:
    issue("A")
    ticket = issue("A")
    page = browser.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live.url}/t/{ticket.token}/")
    ahead = page.locator('[data-field="ahead"]')
    expect(ahead).to_have_text("1")
    expect(page.locator("#phone-chime")).to_have_attribute("src", "/static/queueing/chime.wav")

    call_next(desk)  # A001: one fewer ahead
    expect(ahead).to_have_text("0", timeout=LIVE_MS)

    call_next(desk)  # A002 itself
    expect(page.locator("#ticket")).to_have_attribute("data-status", "called", timeout=LIVE_MS)
    call = page.locator(".phone-call")
    expect(call).to_be_visible()
    expect(call.locator(".phone-call-desk")).to_contain_text("1")
    # The label is in the page's language, whoever made the call.
    expect(page.locator('[data-field="status_label"]')).to_have_text("已叫号")
    expect(page.locator("#phone-cancel")).to_be_hidden()
    expect(page.locator("#phone-offline")).to_be_hidden()
    page.close()


def test_the_phone_page_in_english_keeps_english_labels(
    live: Daphne, desk: Desk, issue: Issue, browser: Browser
) -> None:
    ticket = issue("B")
    page = browser.new_page(locale="en-US", viewport=PHONE)
    page.goto(f"{live.url}/t/{ticket.token}/")
    expect(page.locator('[data-field="status_label"]')).to_have_text("waiting")
    call_next(desk)
    expect(page.locator(".phone-call-desk")).to_have_text("Please go to Desk 1", timeout=LIVE_MS)
    expect(page.locator('[data-field="status_label"]')).to_have_text("called")
    page.close()


def test_the_desk_page_follows_calls_made_elsewhere_and_the_kiosk(
    live: Daphne, officer: User, desk: Desk, issue: Issue, browser: Browser
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    issue("A")
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, live)
    page.wait_for_url("**/desk/1/")
    waiting_b = page.locator("[data-waiting-type=B] [data-waiting-count]")
    expect(waiting_b).to_have_text("0")
    expect(page.locator("#ticket-number")).to_have_text("—")
    page.wait_for_timeout(500)  # both sockets connected

    issue_at_kiosk(live, "B")  # published by the server itself
    expect(waiting_b).to_have_text("1", timeout=LIVE_MS)

    call_next(desk)  # from another place than this page
    expect(page.locator("#ticket-number")).to_have_text("A001", timeout=LIVE_MS)
    expect(page.locator("#ticket-status")).to_have_text("已叫号")
    expect(page.locator("#desk-name")).to_have_text("1号窗口")
    expect(page.locator("[data-waiting-type=A] [data-waiting-count]")).to_have_text("0", timeout=LIVE_MS)
    expect(page.locator("#desk-alert")).to_be_hidden()
    page.close()


def test_the_kiosk_waiting_counts_follow_tickets_issued_elsewhere(
    live: Daphne, desk: Desk, types: Any, browser: Browser
) -> None:
    page = browser.new_page(locale="zh-CN", viewport=KIOSK)
    page.goto(f"{live.url}/kiosk/hall/")
    waiting_c = page.locator('button.type[data-prefix="C"] .type-waiting')
    expect(waiting_c).to_have_text("0")
    page.wait_for_timeout(500)  # the socket connected

    issue_at_kiosk(live, "C")
    expect(waiting_c).to_have_text("1", timeout=LIVE_MS)
    issue_at_kiosk(live, "C")
    expect(waiting_c).to_have_text("2", timeout=LIVE_MS)
    assert Ticket.objects.filter(business_type__prefix="C").count() == 2
    expect(page.locator("#kiosk-offline")).to_be_hidden()
    page.close()


def test_a_desk_page_signed_out_elsewhere_stops_retrying_and_says_so(
    server: Daphne, officer: User, desk: Desk, browser: Browser
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    page = browser.new_page(locale="en-US", viewport=DESKTOP)
    sign_in(page, server)
    page.wait_for_url("**/desk/1/")
    attempts: list[str] = []
    page.on("websocket", lambda ws: attempts.append(ws.url) if "/desks/" in ws.url else None)
    page.wait_for_timeout(500)

    page.context.clear_cookies()  # the session is gone (signed out in another tab, expired)
    server.stop()
    server.start()  # the desk socket comes back without a session and is refused (4401)
    alert = page.locator("#desk-alert")
    expect(alert).to_have_text("This desk no longer accepts this sign-in. Please sign in again.", timeout=30_000)
    refused = len(attempts)
    assert refused >= 1
    page.wait_for_timeout(3000)
    assert len(attempts) == refused  # no retry after a refusal
    page.close()
