"""In Chromium: a walk-in leaves a mobile number on the phone page (and is told off for a bad one), a document
case's page asks for one for "ready", and the public checklist index lists the mobile service sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect

from appointments.models import AlertEvent, BookingSettings, TicketAlert
from outreach import services as outreach
from outreach.models import ServiceSession
from queueing import services
from queueing.models import BusinessType, Desk, Site, Ticket
from tests.conftest import publish_checklist
from tests.e2e.accessibility import assert_accessible
from tests.servers import Daphne

PHONE = {"width": 390, "height": 844}
NUMBER = "13912345678"


def sends_texts(site: Site) -> None:
    # A gateway nobody listens on: the texts fail quietly (logged), which is all these pages need.
    BookingSettings.objects.create(site=site, notifier="webhook", webhook_url="http://127.0.0.1:9/sms")


def test_a_walk_in_leaves_a_number_on_the_phone_page(
    server: Daphne, browser: Browser, site: Site, issue: Callable[..., Ticket], screenshot_dir: Path
) -> None:
    sends_texts(site)
    for _ in range(5):
        issue("A")
    ticket = issue("A")
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(f"{server.url}/t/{ticket.token}/")
    form = page.locator(".phone-alerts-form")
    expect(form).to_be_visible()
    assert_accessible(page)
    page.fill("#alerts-phone", "12345")
    page.get_by_role("button", name="短信通知我").click()
    expect(page.locator(".phone-alerts-error")).to_contain_text("11位手机号码")
    expect(page.locator("#alerts-phone")).to_have_value("12345")
    assert not TicketAlert.objects.exists()
    assert_accessible(page)
    page.fill("#alerts-phone", NUMBER)
    page.get_by_role("button", name="短信通知我").click()
    expect(page.locator(".phone-alerts-done")).to_contain_text("前面还剩3人时")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "waiting")
    assert page.url.endswith("/?alerts=1#alerts")
    assert NUMBER not in page.content() and "5678" not in page.content()
    page.screenshot(path=screenshot_dir / "ticket-alerts-zh.png", full_page=True)
    assert_accessible(page)
    assert TicketAlert.objects.get().phone == NUMBER
    assert AlertEvent.objects.filter(kind=AlertEvent.Kind.SUBSCRIBED).count() == 1


def test_a_case_page_asks_for_a_number_for_ready(
    server: Daphne,
    browser: Browser,
    site: Site,
    issue: Callable[..., Ticket],
    desk: Desk,
    by_officer: services.Actor,
    officer: User,
) -> None:
    sends_texts(site)
    ticket = issue("B")
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    services.complete(desk=desk, actor=by_officer)
    outreach.open_case(
        ticket=ticket, document="id_card", expected_date=timezone.localdate(), who=outreach.Who(user=officer)
    )
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(f"{server.url}/t/{ticket.token}/")
    expect(page.locator("#case .phone-alerts-title")).to_have_text("证件可领取时短信通知我")
    page.fill("#alerts-phone", NUMBER)
    page.get_by_role("button", name="短信通知我").click()
    expect(page.locator("#case .phone-alerts-done")).to_contain_text("证件制好可领取时")
    assert NUMBER not in page.content()
    assert_accessible(page)


def test_the_checklist_index_lists_the_mobile_service_sessions(
    server: Daphne, browser: Browser, site: Site, types: dict[str, BusinessType], screenshot_dir: Path
) -> None:
    publish_checklist(types["A"], ["居民身份证"])
    session = ServiceSession.objects.create(
        site=site, place="东岭村村委会", place_kind="village", date=timezone.localdate() + dt.timedelta(days=2),
        start=dt.time(9), end=dt.time(11, 30),
    )  # fmt: skip
    session.business_types.set([types["A"], types["B"]])
    page = browser.new_page(locale="zh-CN", viewport=PHONE)
    page.goto(f"{server.url}/notices/hall/")
    sessions = page.locator("#mobile-sessions")
    expect(sessions).to_contain_text("东岭村村委会")
    expect(sessions).to_contain_text("09:00–11:30")
    page.screenshot(path=screenshot_dir / "checklist-index-sessions-zh.png", full_page=True)
    assert_accessible(page)
    sessions.locator('a[data-prefix="A"]').click()
    expect(page).to_have_url(f"{server.url}/notices/hall/A/")
