"""The officers' desk in Chromium: sign in, call, serve, pause, call out of turn, keyboard and errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import APIResponse, Browser, Page, Route, WebSocketRoute, expect

from queueing.models import Desk, Reason, Site, StaffProfile, Ticket
from tests.servers import Daphne

Issue = Callable[..., Ticket]
DESKTOP = {"width": 1366, "height": 768}


def status_of(number: str) -> str:
    return Ticket.objects.get(number=number).status


def sign_in(page: Page, server: Daphne, path: str = "/desk/") -> None:
    page.goto(server.url + "/accounts/login/?next=" + path)
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()


@pytest.fixture
def at_desk(officer: User, desk: Desk, reason: Reason) -> Desk:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    return desk


def open_desk_page(browser: Browser, server: Daphne, locale: str = "zh-CN") -> Page:
    page = browser.new_page(locale=locale, viewport=DESKTOP)
    sign_in(page, server)
    page.wait_for_url("**/desk/1/")
    return page


def test_an_officer_signs_in_calls_starts_and_completes(
    server: Daphne, at_desk: Desk, issue: Issue, browser: Browser, screenshot_dir: Path
) -> None:
    issue("A")
    issue("B")
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(server.url + "/accounts/login/")
    page.screenshot(path=screenshot_dir / "login-zh.png")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/desk/1/")  # bound to desk 1: straight to it
    expect(page.locator("#desk-name")).to_have_text("1号窗口")
    expect(page.locator("[data-waiting-type=A] [data-waiting-count]")).to_have_text("1")

    page.locator("button[data-action=call-next]").click()
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#ticket-type")).to_have_text("户口迁移")
    expect(page.locator("#checklist-type")).to_contain_text("户口迁移")
    assert status_of("A001") == "called"
    expect(page.locator("[data-waiting-type=A] [data-waiting-count]")).to_have_text("0")
    expect(page.locator("button[data-action=start]")).to_be_enabled()
    expect(page.locator("button[data-action=complete]")).to_be_disabled()
    page.screenshot(path=screenshot_dir / "desk-zh.png")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.screenshot(path=screenshot_dir / "desk-1080-zh.png")
    page.set_viewport_size(DESKTOP)

    page.locator("button[data-action=start]").click()
    expect(page.locator("#ticket-status")).to_have_class(re.compile("status-serving"))
    assert status_of("A001") == "serving"

    page.keyboard.press("c")  # complete, from the keyboard
    expect(page.locator("#ticket-number")).to_have_text("—")
    assert status_of("A001") == "done"
    expect(page.locator("#served-today")).to_have_text("1")

    page.keyboard.press("NumpadAdd")  # the keypad's call-next key
    expect(page.locator("#ticket-number")).to_have_text("B001")
    assert status_of("B001") == "called"
    page.keyboard.press("s")
    expect(page.locator("#ticket-status")).to_have_class(re.compile("status-serving"))
    page.keyboard.press("NumpadSubtract")
    expect(page.locator("#served-today")).to_have_text("2")
    assert status_of("B001") == "done"
    page.close()


def test_a_held_key_calls_only_once(server: Daphne, at_desk: Desk, issue: Issue, browser: Browser) -> None:
    for _ in range(3):
        issue("A")
    page = open_desk_page(browser, server)
    page.keyboard.down("Enter")
    page.keyboard.down("Enter")  # the keypad's auto-repeat
    page.keyboard.down("Enter")
    page.keyboard.up("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    page.wait_for_timeout(300)
    assert status_of("A001") == "called"
    assert status_of("A002") == "waiting"
    page.close()


def test_a_key_pressed_while_the_call_is_on_its_way_is_sent_after_it(
    server: Daphne, at_desk: Desk, issue: Issue, browser: Browser
) -> None:
    """The desk socket often paints the called ticket before the call's own answer is back (a loaded server
    answers after it broadcasts): the officer's next key must wait for that answer, not be lost."""
    issue("A")
    issue("A")
    page = open_desk_page(browser, server)
    held: list[tuple[Route, APIResponse]] = []
    page.route("**/desks/1/call-next/", lambda route: held.append((route, route.fetch())))
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A001")  # from the socket: the answer is held
    assert len(held) == 1 and status_of("A001") == "called"
    page.keyboard.press("x")  # no-show, for the ticket the page shows
    page.keyboard.press("Enter")  # the same key as the one on its way: a double press, sent once
    route, answer = held[0]
    route.fulfill(response=answer)
    expect(page.locator("#ticket-number")).to_have_text("—")
    assert status_of("A001") == "no_show"
    assert status_of("A002") == "waiting"
    assert len(held) == 1
    page.close()


def test_a_pause_asks_for_a_reason_and_changes_the_state(
    server: Daphne, at_desk: Desk, browser: Browser, screenshot_dir: Path
) -> None:
    page = open_desk_page(browser, server)
    expect(page.locator("#desk-state")).to_have_class(re.compile("state-open"))
    page.locator("button[data-action=pause-toggle]").click()
    dialog = page.locator("#desk-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#dialog-number")).to_be_hidden()
    # Confirming without a reason: the server's refusal shows in the dialog.
    page.locator(".dialog-confirm").click()
    expect(page.locator("#desk-dialog-alert")).to_be_visible()
    page.select_option("#dialog-reason", "break")
    page.locator(".dialog-confirm").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#desk-state")).to_have_class(re.compile("state-paused"))
    at_desk.refresh_from_db()
    assert at_desk.state == Desk.State.PAUSED
    expect(page.locator("button[data-action=call-next]")).to_be_disabled()
    page.screenshot(path=screenshot_dir / "desk-paused-zh.png")

    page.keyboard.press("p")  # resume
    expect(page.locator("#desk-state")).to_have_class(re.compile("state-open"))
    at_desk.refresh_from_db()
    assert at_desk.state == Desk.State.OPEN
    page.close()


def test_errors_show_in_place_in_english(server: Daphne, at_desk: Desk, browser: Browser, screenshot_dir: Path) -> None:
    page = open_desk_page(browser, server, locale="en-US")
    alert = page.locator("#desk-alert")
    expect(alert).to_be_hidden()
    expect(page.locator("button[data-action=start]")).to_be_disabled()
    page.keyboard.press("s")  # the button is disabled, the key still asks the server
    expect(alert).to_have_text("The desk has no ticket in hand.")
    page.screenshot(path=screenshot_dir / "desk-error-en.png")
    expect(page.locator("kbd").first).to_be_visible()
    expect(page.locator("button[data-action=call-next]")).to_contain_text("Call next")

    page.keyboard.press("Enter")  # an empty queue is no error: the alert clears
    expect(alert).to_be_hidden()
    expect(page.locator("#ticket-type")).to_have_text("No ticket in hand")

    server.stop()
    page.keyboard.press("Enter")
    expect(alert).to_have_text("No connection to the server. Retrying…")
    page.close()


def test_call_a_given_number_with_a_reason(
    server: Daphne, at_desk: Desk, issue: Issue, browser: Browser, screenshot_dir: Path
) -> None:
    for _ in range(3):
        issue("A")
    page = open_desk_page(browser, server)
    page.keyboard.press("n")
    expect(page.locator("#desk-dialog")).to_be_visible()
    expect(page.locator("#dialog-number")).to_be_focused()
    page.keyboard.type("a003")  # typed in the input: no shortcut fires
    page.select_option("#dialog-reason", "returned")
    page.screenshot(path=screenshot_dir / "desk-call-number-zh.png")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A003")
    assert status_of("A003") == "called"
    assert status_of("A001") == "waiting"
    assert Ticket.objects.get(number="A003").desk_id == at_desk.pk
    page.close()


def test_no_show_requeue_and_transfer(server: Daphne, at_desk: Desk, issue: Issue, browser: Browser) -> None:
    issue("A")
    issue("A")
    page = open_desk_page(browser, server)
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    page.keyboard.press("x")  # no-show
    expect(page.locator("#ticket-number")).to_have_text("—")
    assert status_of("A001") == "no_show"

    page.locator("button[data-action=requeue]").click()
    page.fill("#dialog-number", "A001")
    page.select_option("#dialog-reason", "returned")
    page.locator(".dialog-confirm").click()
    expect(page.locator("#desk-dialog")).to_be_hidden()
    assert status_of("A001") == "waiting"

    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A001")  # back at its original place
    page.keyboard.press("s")
    expect(page.locator("#ticket-status")).to_have_class(re.compile("status-serving"))
    page.keyboard.press("t")
    expect(page.locator("#dialog-business-type")).to_have_value("B")  # another business than A
    page.select_option("#dialog-reason", "returned")
    page.locator(".dialog-confirm").click()
    expect(page.locator("#ticket-number")).to_have_text("—")
    ticket = Ticket.objects.select_related("business_type").get(number="A001")
    assert (ticket.status, ticket.business_type.prefix) == ("waiting", "B")
    page.close()


def test_a_snapshot_read_before_a_call_never_paints_over_the_calls_answer(
    server: Daphne, at_desk: Desk, issue: Issue, browser: Browser
) -> None:
    # Enter pressed while the desk socket connects: its snapshot, read before the call committed,
    # can arrive after the call's own answer. The page must keep showing the called ticket.
    issue("A")
    held: list[tuple[WebSocketRoute, str | bytes]] = []

    def hold_everything(ws: WebSocketRoute) -> None:
        ws.connect_to_server().on_message(lambda message: held.append((ws, message)))

    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.route_web_socket(re.compile(r".*/desks/1/$"), hold_everything)
    sign_in(page, server)
    page.wait_for_url("**/desk/1/")
    while not held:  # the snapshot, read now: before the call below
        page.wait_for_timeout(20)
    assert '"snapshot"' in str(held[0][1])
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A001")  # the call's answer
    assert status_of("A001") == "called"
    page.evaluate("document.addEventListener('counter:help', () => { window.snapshotHandled = true; })")
    socket, snapshot = held[0]
    socket.send(snapshot)  # late, and older than what the page shows
    page.wait_for_function("window.snapshotHandled === true")  # desk.js paints before it draws the help list
    assert page.locator("#ticket-number").text_content() == "A001"
    page.close()


def test_an_officer_without_a_desk_picks_one(
    server: Daphne, site: Site, officer: User, desk: Desk, desk2: Desk, browser: Browser, screenshot_dir: Path
) -> None:
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, server)
    page.wait_for_url("**/desk/")
    expect(page.locator(".desk-choice")).to_have_count(2)
    expect(page.locator(".desk-choices")).to_contain_text("居民身份证")
    page.screenshot(path=screenshot_dir / "desk-index-zh.png")
    page.locator("a[href='/desk/2/']").click()
    page.wait_for_url("**/desk/2/")
    expect(page.locator("#desk-name")).to_have_text("2号窗口")
    page.close()
