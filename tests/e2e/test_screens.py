"""Screens that report their own health, in Chromium against a real daphne: the desk's
screens panel, its alert for a silent display, and the lobby's "updated" mark."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect
from websockets.sync.client import connect

from queueing import screens, services
from queueing.models import CallLatency, Desk, StaffProfile, Ticket
from tests.e2e.test_desk import DESKTOP, sign_in
from tests.e2e.test_display import TV, call, open_display
from tests.servers import Daphne

STALE = 18  # seconds instead of a minute; still above the 15 s between heartbeats


@pytest.fixture
def quick(db: object) -> Iterator[Daphne]:
    """A daphne whose screens turn stale after STALE seconds of silence."""
    daphne = Daphne(COUNTER_SCREEN_STALE_SECONDS=str(STALE)).start()
    try:
        yield daphne
    finally:
        daphne.stop()


def test_the_desk_lists_the_connected_displays_and_flags_one_that_stopped(
    quick: Daphne,
    officer: User,
    desk: Desk,
    issue: Callable[..., Ticket],
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    issue("A")
    lobby = open_display(browser, f"{quick.url}/display/hall/?screen=大厅东")  # sound enabled
    muted = open_display(browser, f"{quick.url}/display/hall/?screen=<i>west</i>", enable_sound=False)
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, quick)
    page.wait_for_url("**/desk/1/")
    panel = page.locator("#desk-screens")
    east = panel.locator('li[data-screen="大厅东"]')
    west = panel.locator('li[data-screen="<i>west</i>"]')
    expect(east).to_have_class("is-connected", timeout=5000)
    expect(east.locator(".screens-sound")).to_have_class("screens-sound")  # not blocked
    expect(east.locator(".screens-since")).not_to_be_empty()
    # A name is text, never markup; the screen whose sound the browser blocks says so.
    expect(west.locator(".screens-name")).to_have_text("<i>west</i>")
    expect(west.locator(".screens-sound")).to_have_class("screens-sound is-blocked")
    expect(panel.locator("[data-screens=alert]")).to_be_hidden()

    # A call drawn by the displays is acknowledged: the day's latency shows on the desk.
    call(quick, desk)
    expect(lobby.locator(".lobby-call-number")).to_have_text("A001")
    for _ in range(100):
        if CallLatency.objects.count() >= 2:
            break
        lobby.wait_for_timeout(100)
    assert CallLatency.objects.count() == 2
    day = screens.latency_of_day(site=desk.site)
    assert day["samples"] == 2
    page.reload()  # the desk socket's snapshot brings the figures at once
    latency = panel.locator("[data-screens=latency]")
    expect(latency).to_contain_text(f"{day['p50_ms']}", timeout=5000)
    expect(latency).to_contain_text(f"{day['p95_ms']}")
    page.screenshot(path=screenshot_dir / "desk-screens.png")

    lobby.close()  # the TV goes dark
    alert = panel.locator("[data-screens=alert]")
    expect(alert).to_be_visible(timeout=(STALE + 20) * 1000)
    expect(alert).to_contain_text("大厅东")
    expect(alert).not_to_contain_text("west")
    expect(east).to_have_class("is-stale")
    expect(west).to_have_class("is-connected")
    muted.close()
    page.close()


@pytest.mark.parametrize(("samples", "acknowledged"), [(None, True), ("0", False)], ids=["small-hall", "sampled-out"])
def test_a_display_acknowledges_a_call_as_often_as_the_server_asks(
    db: object, desk: Desk, issue: Callable[..., Ticket], browser: Browser, samples: str | None, acknowledged: bool
) -> None:
    """A small hall acknowledges every call; with COUNTER_ACK_SAMPLES=0 the rate is 0 and none is sent."""
    daphne = Daphne(**({"COUNTER_ACK_SAMPLES": samples} if samples is not None else {})).start()
    try:
        issue("A")
        page = browser.new_page(locale="zh-CN", viewport=TV)
        sent: list[dict[str, object]] = []
        page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(json.loads(frame))))
        page.goto(f"{daphne.url}/display/hall/")
        expect(page.locator(".lobby-desk").first).to_be_visible()
        call(daphne, desk)
        expect(page.locator(".lobby-call-number")).to_have_text("A001")
        # Turning the sound on heartbeats at once: any acknowledgement of the call was sent before it.
        page.locator('[data-action="enable-sound"]').click()
        for _ in range(100):
            if [m["type"] for m in sent].count("heartbeat") >= 2:
                break
            page.wait_for_timeout(50)
        kinds = [m["type"] for m in sent]
        assert kinds.count("heartbeat") == 2
        assert ("ack" in kinds[: kinds.index("heartbeat", kinds.index("heartbeat") + 1)]) is acknowledged
        page.close()
    finally:
        daphne.stop()


def test_the_lobby_shows_how_fresh_it_is_and_turns_red_when_the_socket_is_down(
    server: Daphne, desk: Desk, browser: Browser
) -> None:
    page = browser.new_page(locale="en-US", viewport=TV)
    page.goto(f"{server.url}/display/hall/")
    updated = page.locator(".lobby-updated")
    expect(updated).to_have_text("Updated 0 s ago")
    expect(updated).not_to_have_class("lobby-updated is-stale")
    fresh_colour = updated.evaluate("node => getComputedStyle(node).color")

    server.stop()
    expect(updated).to_have_class("lobby-updated is-stale", timeout=5000)
    expect(updated).not_to_have_text("Updated 0 s ago", timeout=3000)  # it keeps counting
    assert updated.evaluate("node => getComputedStyle(node).color") != fresh_colour
    assert updated.evaluate("node => getComputedStyle(node).color") == "rgb(255, 90, 71)"
    server.start()
    expect(updated).not_to_have_class("lobby-updated is-stale", timeout=20_000)
    page.close()


def test_the_notice_line_scrolls_along_the_bottom(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser, screenshot_dir: Path
) -> None:
    desk.site.display_message = "今日下午三点起暂停办理居住证业务"
    desk.site.display_message_en = "Residence permits: no service after 3 pm today"
    desk.site.save(update_fields=["display_message", "display_message_en"])
    page = browser.new_page(locale="zh-CN", viewport=TV)
    page.goto(f"{server.url}/display/hall/")
    notice = page.locator(".lobby-notice-text")
    expect(notice).to_have_text("今日下午三点起暂停办理居住证业务")
    assert notice.evaluate("node => getComputedStyle(node).animationName") == "lobby-scroll"
    box = page.locator(".lobby-notice").bounding_box()
    assert box is not None and box["y"] + box["height"] <= TV["height"]
    issue("A")
    call(server, desk)
    expect(page.locator(".lobby-call-number")).to_have_text("A001")
    page.wait_for_timeout(4000)  # part of the line has scrolled in
    page.screenshot(path=screenshot_dir / "display-notice.png")
    assert page.evaluate("document.documentElement.scrollHeight") <= TV["height"]
    english = browser.new_page(locale="en-US", viewport=TV)
    english.goto(f"{server.url}/display/hall/")
    expect(english.locator(".lobby-notice-text")).to_have_text("Residence permits: no service after 3 pm today")
    english.close()
    page.close()


def test_the_kiosk_and_the_desk_display_report_themselves_too(
    server: Daphne, desk: Desk, types: object, browser: Browser
) -> None:
    kiosk = browser.new_page(locale="zh-CN", viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{server.url}/kiosk/hall/?screen=kiosk-east")
    window = browser.new_page(locale="zh-CN", viewport=TV)
    window.goto(f"{server.url}/display/hall/desk/1/")
    expect(window.locator(".desk-screen-updated")).not_to_be_empty()  # "updated N s ago"
    token = services.create_desk_token(desk=desk)
    url = server.url.replace("http://", "ws://") + "/ws/v1/sites/hall/desks/1/"
    with connect(url, origin="http://127.0.0.1", open_timeout=10) as officer:
        officer.send(json.dumps({"type": "auth", "token": token}))
        seen: dict[str, tuple[str, object]] = {}
        deadline = time.monotonic() + 10
        while len(seen) < 2 and time.monotonic() < deadline:
            message = json.loads(officer.recv(timeout=10))
            payload = message.get("screens") if message["type"] == "snapshot" else message
            if payload and payload.get("type") == "screens":
                seen = {s["name"]: (s["kind"], s["sound"]) for s in payload["screens"] if s["connected"]}
    assert seen["kiosk-east"] == ("kiosk", None)
    [desk_screen] = [name for name in seen if name != "kiosk-east"]
    assert desk_screen.startswith("desk-1-") and seen[desk_screen] == ("desk_display", None)
    kiosk.close()
    window.close()
