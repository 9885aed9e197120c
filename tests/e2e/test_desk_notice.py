"""The desk's checklist panel and the missing-documents notice, in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect

from notices.models import ChecklistVersion, Notice
from queueing.models import BusinessType, Desk, StaffProfile, Ticket
from tests.conftest import publish_checklist
from tests.servers import Daphne

Issue = Callable[..., Ticket]
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def at_desk(officer: User, desk: Desk) -> Desk:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    return desk


def open_desk_page(browser: Browser, server: Daphne, locale: str = "en-US", page: Page | None = None) -> Page:
    page = page or browser.new_page(locale=locale, viewport=DESKTOP)
    page.goto(server.url + "/accounts/login/?next=/desk/")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/desk/1/")
    return page


def item_box(page: Page, name: str) -> Locator:
    return page.locator("#notice-items .notice-item", has_text=name).locator("input[type=checkbox]")


def test_an_officer_ticks_missing_documents_and_issues_a_notice(
    server: Daphne,
    at_desk: Desk,
    checklist: ChecklistVersion,
    issue: Issue,
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    issue("A")
    page = open_desk_page(browser, server)
    expect(page.locator("#checklist-note")).to_have_text("Call a ticket to see the checklist of its business.")
    expect(page.locator("#notice-form")).to_be_hidden()

    page.locator("button[data-action=call-next]").click()
    expect(page.locator("#ticket-number")).to_have_text("A001")
    items = page.locator("#notice-items .notice-item")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("居民身份证 (en)")
    expect(page.locator("#notice-version")).to_have_text("Checklist version 1")
    expect(page.locator("#checklist-note")).to_be_hidden()

    item_box(page, "居民户口簿").check()
    item_box(page, "准予迁入证明").check()
    page.fill("#notice-note", "  户主同意书  ")
    page.screenshot(path=screenshot_dir / "desk-notice-ticked-en.png")
    page.get_by_role("button", name="Issue missing-documents notice").click()

    code = page.locator("#notice-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$"))
    notice = Notice.objects.get(ticket__number="A001")
    expect(code).to_have_text(notice.display_code)
    assert sorted(notice.items.values_list("name", flat=True)) == ["准予迁入证明", "居民户口簿"]
    assert notice.note == "户主同意书"
    assert notice.checklist_version_id == checklist.pk
    assert notice.officer is not None and notice.officer.username == "officer1"
    expect(page.locator("#notice-issue")).to_be_hidden()  # one notice per ticket
    page.screenshot(path=screenshot_dir / "desk-notice-given-en.png")

    # Printing loads the notice's page, which prints itself, in a hidden frame.
    page.get_by_role("button", name="Print A4").click()
    frame = page.locator("#notice-print-area iframe")
    expect(frame).to_have_attribute("src", f"/n/{notice.code}/?autoprint=1")
    page.get_by_role("button", name="Print receipt (80 mm)").click()
    expect(frame).to_have_count(1)
    expect(frame).to_have_attribute("src", f"/n/{notice.code}/?print=80mm&autoprint=1")
    page.close()


def test_a_second_notice_for_the_same_ticket_is_refused_with_the_servers_message(
    server: Daphne, at_desk: Desk, checklist: ChecklistVersion, issue: Issue, browser: Browser
) -> None:
    issue("A")
    first = open_desk_page(browser, server)
    first.locator("button[data-action=call-next]").click()
    expect(first.locator("#notice-items .notice-item")).to_have_count(3)
    # The same desk open on a second screen whose desk socket goes quiet: it has not heard of the notice.
    quiet = {"on": False}

    def hold_back(ws: WebSocketRoute) -> None:
        desk_socket = ws.connect_to_server()
        desk_socket.on_message(lambda message: None if quiet["on"] else ws.send(message))

    second = browser.new_page(locale="en-US", viewport=DESKTOP)
    second.route_web_socket(re.compile(r".*/desks/1/$"), hold_back)
    open_desk_page(browser, server, page=second)
    expect(second.locator("#notice-items .notice-item")).to_have_count(3)

    quiet["on"] = True
    item_box(first, "居民身份证 (en)").check()
    first.locator("#notice-issue").click()
    expect(first.locator("#notice-code")).not_to_be_empty()
    notice = Notice.objects.get()

    item_box(second, "居民户口簿").check()
    second.locator("#notice-issue").click()
    alert = second.locator("#notice-alert")
    expect(alert).to_have_text(f"Ticket A001 already has notice {notice.display_code}.")
    assert Notice.objects.count() == 1
    assert list(Notice.objects.get().items.values_list("name", flat=True)) == ["居民身份证"]

    # After a reload the panel knows the notice, and offers its printing instead of a second one.
    second.reload()
    expect(second.locator("#notice-code")).to_have_text(notice.display_code)
    expect(second.locator("#notice-issue")).to_be_hidden()
    first.close()
    second.close()


def test_an_empty_notice_is_refused_in_place(
    server: Daphne, at_desk: Desk, checklist: ChecklistVersion, issue: Issue, browser: Browser
) -> None:
    issue("A")
    page = open_desk_page(browser, server)
    page.locator("button[data-action=call-next]").click()
    expect(page.locator("#notice-items .notice-item")).to_have_count(3)
    page.locator("#notice-issue").click()
    expect(page.locator("#notice-alert")).to_have_text(
        "Tick at least one missing document, or describe what is missing."
    )
    assert not Notice.objects.exists()
    page.close()


def test_the_panel_follows_the_ticket_in_hand_and_its_business(
    server: Daphne, at_desk: Desk, types: dict[str, BusinessType], issue: Issue, browser: Browser
) -> None:
    publish_checklist(types["A"], ["居民身份证", "居民户口簿"])
    publish_checklist(types["B"], ["照片回执", "旧身份证", "户口簿", "暂住证明"])
    issue("A")
    issue("B")
    issue("C")  # no checklist published for C
    page = open_desk_page(browser, server)
    page.locator("button[data-action=call-next]").click()
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#notice-items .notice-item")).to_have_count(2)
    item_box(page, "居民户口簿").check()
    page.fill("#notice-note", "for A001 only")

    page.locator("button[data-action=call-next]").click()  # A001 becomes a no-show, B001 is called
    expect(page.locator("#ticket-number")).to_have_text("B001")
    expect(page.locator("#checklist-type")).to_contain_text("B")
    expect(page.locator("#notice-items .notice-item")).to_have_count(4)
    expect(page.locator("#notice-items input:checked")).to_have_count(0)
    expect(page.locator("#notice-note")).to_have_value("")

    page.locator("button[data-action=call-next]").click()
    expect(page.locator("#ticket-number")).to_have_text("C001")
    expect(page.locator('[data-notice-status="none"]')).to_be_visible()
    # Without a checklist, the notice names what is missing in words.
    page.fill("#notice-note", "出生医学证明")
    page.locator("#notice-issue").click()
    expect(page.locator("#notice-code")).not_to_be_empty()
    notice = Notice.objects.get()
    assert (notice.ticket.number, notice.note, notice.items.count()) == ("C001", "出生医学证明", 0)
    page.close()
