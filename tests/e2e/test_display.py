"""The lobby display and the desk display in Chromium, against a real daphne."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from queueing import services
from queueing.models import Desk, Reason, Site, Ticket
from tests.conftest import make_desk
from tests.servers import Daphne

TV = {"width": 1920, "height": 1080}
SYSTEM = services.Actor.system()

# Headless Chromium has no voices: record what would be said, and end each
# utterance at once so the display's queue moves on.
RECORD_SPEECH = """
window.__spoken = [];
(function () {
  function speak(utterance) {
    window.__spoken.push({ text: utterance.text, lang: utterance.lang });
    setTimeout(function () { utterance.dispatchEvent(new Event("end")); }, 20);
  }
  if (window.speechSynthesis) {
    window.speechSynthesis.speak = speak;
  } else {
    window.speechSynthesis = { speak: speak, cancel: function () {}, getVoices: function () { return []; } };
  }
})();
"""


def open_display(browser: Browser, url: str, *, enable_sound: bool = True) -> Page:
    page = browser.new_page(locale="zh-CN", viewport=TV)
    page.add_init_script(RECORD_SPEECH)
    page.goto(url)
    expect(page.locator(".lobby-desk").first).to_be_visible()  # the snapshot is in
    if enable_sound:
        button = page.locator('[data-action="enable-sound"]')
        expect(button).to_be_visible()
        expect(button).to_contain_text("Click to enable sound")
        button.click()
        expect(button).to_be_hidden()
    return page


def spoken(page: Page, count: int, timeout: float = 10_000) -> list[dict[str, Any]]:
    # Not page.wait_for_function: it compiles its string in the page, which the
    # Content-Security-Policy (no 'unsafe-eval') refuses. page.evaluate is not affected.
    for _ in range(int(timeout / 50)):
        if page.evaluate("window.__spoken.length") >= count:
            break
        page.wait_for_timeout(50)
    result: list[dict[str, Any]] = page.evaluate("window.__spoken")
    return result


def act(server: Daphne, desk: Desk, action: str) -> dict[str, Any]:
    """A desk action through the server's API, as a desk PC does.

    Made in the server's process so that its broadcast reaches the sockets: the
    test process's in-memory channel layer is not the server's (without Redis).
    """
    token = services.create_desk_token(desk=desk)
    response = httpx.post(
        f"{server.url}/api/v1/sites/{desk.site.slug}/desks/{desk.number}/{action}/",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def call(server: Daphne, desk: Desk) -> dict[str, Any]:
    return act(server, desk, "call-next")


def test_a_call_is_shown_at_once_chimed_and_spoken_in_chinese(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    issue("A")
    page = open_display(browser, f"{server.url}/display/hall/")
    expect(page.locator(".lobby-call-idle")).to_be_visible()
    call(server, desk)
    expect(page.locator(".lobby-call-number")).to_have_text("A001", timeout=1000)
    expect(page.locator(".lobby-call-desk")).to_have_text("1号窗口")
    expect(page.locator(".lobby-call")).to_have_class("lobby-call is-new")
    expect(page.locator('.lobby-desk[data-desk="1"] .lobby-desk-ticket')).to_have_text("A001")
    assert spoken(page, 1) == [{"text": "请 A001 号到 1 号窗口办理", "lang": "zh-CN"}]
    assert page.evaluate("document.querySelector('.lobby-chime').currentTime") > 0  # the chime played
    # The choice is remembered: a reload does not ask again.
    page.reload()
    expect(page.locator(".lobby-desk").first).to_be_visible()
    expect(page.locator('[data-action="enable-sound"]')).to_be_hidden()
    page.close()


def test_nothing_is_spoken_before_sound_is_enabled(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    issue("A")
    page = open_display(browser, f"{server.url}/display/hall/", enable_sound=False)
    call(server, desk)
    expect(page.locator(".lobby-call-number")).to_have_text("A001", timeout=1000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__spoken") == []
    page.close()


def test_calls_in_quick_succession_are_all_spoken_in_order_and_a_recall_again(
    server: Daphne, desk: Desk, desk2: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    issue("A")
    issue("B")
    page = open_display(browser, f"{server.url}/display/hall/")
    call(server, desk)
    call(server, desk2)
    expect(page.locator(".lobby-call-number")).to_have_text("B001", timeout=1000)
    expect(page.locator(".lobby-recent-number")).to_have_text(["B001", "A001"])
    assert [s["text"] for s in spoken(page, 2)] == ["请 A001 号到 1 号窗口办理", "请 B001 号到 2 号窗口办理"]

    act(server, desk, "recall")
    expect(page.locator(".lobby-call-number")).to_have_text("A001", timeout=1000)
    expect(page.locator(".lobby-recent-item").first).to_have_class("lobby-recent-item is-recall is-new")
    assert spoken(page, 3)[2] == {"text": "请 A001 号到 1 号窗口办理", "lang": "zh-CN"}
    page.wait_for_timeout(300)
    assert len(page.evaluate("window.__spoken")) == 3  # each call once
    page.close()


def test_both_languages_are_spoken_when_the_display_is_set_to_both(
    server: Daphne, types: Any, site: Site, issue: Callable[..., Ticket], browser: Browser
) -> None:
    desk3 = make_desk(site, 3, "C")
    issue("C")
    page = open_display(browser, f"{server.url}/display/hall/?lang=both")
    call(server, desk3)
    assert spoken(page, 2) == [
        {"text": "请 C001 号到 3 号窗口办理", "lang": "zh-CN"},
        {"text": "Number C001, please go to desk 3.", "lang": "en-US"},
    ]
    page.close()


def test_the_speech_phrases_in_both_languages(server: Daphne, site: Site, desk: Desk, browser: Browser) -> None:
    page = open_display(browser, f"{server.url}/display/hall/", enable_sound=False)
    call_ = {"number": "A012", "desk": "3", "desk_name": "3号窗口"}
    assert page.evaluate("c => CounterSpeech.phrases(c, ['zh-CN'])", call_) == [
        {"text": "请 A012 号到 3 号窗口办理", "lang": "zh-CN"}
    ]
    assert page.evaluate("c => CounterSpeech.phrases(c, 'zh-CN en-US')", call_) == [
        {"text": "请 A012 号到 3 号窗口办理", "lang": "zh-CN"},
        {"text": "Number A012, please go to desk 3.", "lang": "en-US"},
    ]
    page.close()


def test_the_display_comes_back_by_itself_after_a_server_restart(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    issue("A")
    issue("A")
    issue("A")
    page = open_display(browser, f"{server.url}/display/hall/")
    offline = page.locator(".lobby-offline")
    expect(offline).to_be_hidden()

    server.stop()
    expect(offline).to_be_visible(timeout=5000)
    server.start()  # the same port
    call(server, desk)  # while the screen is still away: the new snapshot brings it
    expect(page.locator(".lobby-call-number")).to_have_text("A001", timeout=20_000)
    expect(offline).to_be_hidden()
    assert spoken(page, 1)[0]["text"] == "请 A001 号到 1 号窗口办理"

    call(server, desk)  # and live messages flow again
    expect(page.locator(".lobby-call-number")).to_have_text("A002", timeout=1000)
    said = spoken(page, 2)
    assert [s["text"] for s in said][1] == "请 A002 号到 1 号窗口办理", said
    page.close()


def test_the_lobby_screenshot(
    server: Daphne,
    desk: Desk,
    desk2: Desk,
    site: Site,
    reason: Reason,
    issue: Callable[..., Ticket],
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    desk3 = make_desk(site, 3, "C")
    desk4 = make_desk(site, 4, "B")
    services.pause_desk(desk=desk4, reason_code=reason.code, actor=SYSTEM)
    for prefix in "AABBBCCABCAB":
        issue(prefix)
    page = open_display(browser, f"{server.url}/display/hall/")
    for d in (desk, desk2, desk3, desk, desk2):
        call(server, d)
    expect(page.locator(".lobby-recent-item")).to_have_count(5)
    expect(page.locator(".lobby-wait")).to_have_count(3)
    page.wait_for_timeout(300)
    page.screenshot(path=screenshot_dir / "display-zh.png")
    # Nothing runs off the TV.
    assert page.evaluate("document.documentElement.scrollHeight") <= TV["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= TV["width"]
    page.close()


def test_the_desk_display_shows_its_desks_number_only(
    server: Daphne, desk: Desk, desk2: Desk, issue: Callable[..., Ticket], browser: Browser, screenshot_dir: Path
) -> None:
    issue("A")
    issue("B")
    issue("A")
    page = browser.new_page(locale="zh-CN", viewport=TV)
    page.goto(f"{server.url}/display/hall/desk/1/")
    expect(page.locator(".desk-screen-name")).to_have_text("1号窗口")
    expect(page.locator(".desk-screen-number")).to_have_text("—")
    expect(page.locator(".desk-screen-state")).not_to_be_empty()  # the snapshot is in
    call(server, desk)
    expect(page.locator(".desk-screen-number")).to_have_text("A001", timeout=1000)
    call(server, desk2)  # another desk's call does not show here
    page.wait_for_timeout(500)
    expect(page.locator(".desk-screen-number")).to_have_text("A001")
    page.screenshot(path=screenshot_dir / "desk-display.png")
    call(server, desk)
    expect(page.locator(".desk-screen-number")).to_have_text("A002", timeout=1000)
    page.close()


# A socket the test speaks for: the page's live client gets exactly the frames, in exactly
# the order, that a race between a socket joining and a write committing can produce.
FAKE_SOCKET = """
window.__sockets = [];
window.WebSocket = class {
  constructor(url) {
    this.url = url; this.readyState = 0; this.listeners = {}; this.sent = []; window.__sockets.push(this);
  }
  addEventListener(kind, fn) { (this.listeners[kind] = this.listeners[kind] || []).push(fn); }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.fire("close", { code: 1006 }); }
  fire(kind, event) { if (kind === "open") this.readyState = 1; if (kind === "close") this.readyState = 3;
    (this.listeners[kind] || []).forEach(function (fn) { fn(event); }); }
  receive(message) { this.fire("message", { data: JSON.stringify(message) }); }
};
window.WebSocket.OPEN = 1;
"""


@pytest.mark.parametrize("snapshot_read", ["after the commit", "across the commit"])
def test_a_call_already_in_the_reconnect_snapshot_is_not_announced_twice(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser, snapshot_read: str
) -> None:
    # The call of a write that commits while the display's socket joins is in the snapshot
    # and in the frame that follows it: with the same version, or (the snapshot read its
    # version just before the commit and its calls just after) with a newer one. The hall
    # must hear it once either way.
    issue("A")
    issue("A")
    before = httpx.get(f"{server.url}/api/v1/sites/hall/snapshot/", timeout=10).json()
    page = browser.new_page(locale="zh-CN", viewport=TV)
    page.add_init_script(RECORD_SPEECH)
    page.add_init_script(FAKE_SOCKET)
    page.goto(f"{server.url}/display/hall/")
    page.evaluate("window.__sockets[0].fire('open', {})")
    page.evaluate("m => window.__sockets[0].receive(m)", {"type": "snapshot", **before})
    expect(page.locator(".lobby-desk").first).to_be_visible()
    page.locator('[data-action="enable-sound"]').click()

    call(server, desk)
    after = httpx.get(f"{server.url}/api/v1/sites/hall/snapshot/", timeout=10).json()
    assert after["version"] > before["version"]
    first_call = after["recent_calls"][0]
    page.evaluate("window.__sockets[0].close()")  # a restart: the client opens a new socket by itself
    for _ in range(200):
        if page.evaluate("window.__sockets.length") == 2:
            break
        page.wait_for_timeout(50)
    page.evaluate("window.__sockets[1].fire('open', {})")
    snapshot = {"type": "snapshot", **after}
    if snapshot_read == "across the commit":
        snapshot["version"] = before["version"]
    page.evaluate("m => window.__sockets[1].receive(m)", snapshot)
    repeat = {"type": "call", "id": 1, "version": after["version"], **first_call, "desks": after["desks"]}
    page.evaluate("m => window.__sockets[1].receive(m)", repeat)
    expect(page.locator(".lobby-call-number")).to_have_text(first_call["number"])

    call(server, desk)
    latest = httpx.get(f"{server.url}/api/v1/sites/hall/snapshot/", timeout=10).json()
    second = {
        "type": "call",
        "id": 2,
        "version": latest["version"],
        **latest["recent_calls"][0],
        "desks": latest["desks"],
    }
    page.evaluate("m => window.__sockets[1].receive(m)", second)
    expect(page.locator(".lobby-call-number")).to_have_text(second["number"])
    assert [s["text"] for s in spoken(page, 2)] == ["请 A001 号到 1 号窗口办理", "请 A002 号到 1 号窗口办理"]
    page.wait_for_timeout(0)
    assert page.evaluate("window.__sockets[1].sent.filter(m => m.type === 'snapshot.request').length") == 0
    page.close()
