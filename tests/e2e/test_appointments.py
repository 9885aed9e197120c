"""Appointments in Chromium: book on a phone, read the checklist, open the booking, check in at the kiosk,
and the desk calls the ticket with its appointment badge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect

from appointments.models import Booking, BookingSettings
from queueing.models import BusinessType, Desk, Site, StaffProfile
from tests.conftest import publish_checklist
from tests.servers import Daphne

PHONE = {"width": 390, "height": 844}
PORTRAIT = {"width": 1080, "height": 1920}
# Counts the print frame's window.print() on its top page. Twice in CI a tap right after a ticket
# reached its button (it had the focus) and did nothing; printing may end a tap in progress, so a
# test lets the ticket print, as a citizen takes it from the printer, before it taps on.
COUNT_PRINTS = """(() => {
  const print = window.print.bind(window);
  window.print = () => { print(); window.top.__prints = (window.top.__prints || 0) + 1; };
})()"""
DESKTOP = {"width": 1366, "height": 768}
NUMBER = "13912345678"


def next_slot(site: Site) -> dt.datetime:
    local = timezone.now().astimezone(site.tz).replace(second=0, microsecond=0)
    return local + dt.timedelta(minutes=30 - local.minute % 30)


def test_book_on_a_phone_check_in_at_the_kiosk_and_get_called(
    server: Daphne,
    site: Site,
    types: dict[str, BusinessType],
    desk: Desk,
    officer: User,
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    BookingSettings.objects.create(site=site, lead_minutes=0, min_places=2)
    publish_checklist(types["A"], ["居民身份证", "居民户口簿", "准予迁入证明"])
    start = next_slot(site)
    phone = browser.new_page(locale="zh-CN", viewport=PHONE)
    phone.goto(f"{server.url}/book/hall/")
    expect(phone.locator("h1")).to_have_text("预约办理")
    phone.locator('a.bk-choice[href="?type=A"]').click()
    phone.locator(f'a.bk-choice[href*="date={start.date()}"]').click()
    # The slot the page offers first (the clock may have passed a half hour since `start` was reckoned).
    slot = phone.locator("a.bk-slot").first
    start = dt.datetime.fromisoformat(parse_qs(urlsplit(slot.get_attribute("href") or "").query)["start"][0])
    assert start >= timezone.now() - dt.timedelta(minutes=30)
    slot.click()
    checklist = phone.locator(".bk-checklist")
    expect(checklist).to_contain_text("准予迁入证明")
    expect(checklist).to_contain_text("材料清单第 1 版")
    phone.fill("#bk-phone", NUMBER)
    phone.screenshot(path=screenshot_dir / "appointments-book-zh.png", full_page=True)
    phone.get_by_role("button", name="确认预约").click()
    expect(phone.locator("#booking")).to_have_attribute("data-status", "booked")
    booking = Booking.objects.get()
    expect(phone.locator('[data-field="code"]')).to_have_text(booking.display_code)
    expect(phone.locator("#booking")).to_contain_text("尾号 5678")
    expect(phone.locator(".bk-qr svg")).to_be_visible()
    assert NUMBER not in phone.content()
    phone.screenshot(path=screenshot_dir / "appointments-booking-zh.png", full_page=True)
    assert booking.start == start and booking.checklist_version is not None

    kiosk = browser.new_page(locale="zh-CN", viewport=PORTRAIT)
    kiosk.add_init_script(COUNT_PRINTS)
    kiosk.goto(f"{server.url}/kiosk/hall/")
    expect(kiosk.get_by_role("button", name="我有预约")).to_be_visible()
    kiosk.screenshot(path=screenshot_dir / "appointments-kiosk-start-zh.png")
    kiosk.get_by_role("button", name="我有预约").click()
    screen = kiosk.locator('[data-screen="appointment"]')
    expect(screen).to_be_visible()
    for char in booking.code:
        screen.locator(f'[data-appt-key="{char}"]').click()
    kiosk.screenshot(path=screenshot_dir / "appointments-kiosk-code-zh.png")
    screen.get_by_role("button", name="签到").click()
    expect(kiosk.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("A001")
    kiosk.wait_for_function("() => window.__prints >= 1")
    kiosk.screenshot(path=screenshot_dir / "appointments-kiosk-ticket-zh.png")
    booking.refresh_from_db()
    assert booking.status == "checked_in" and booking.ticket is not None

    # The same code again: its own message, no second ticket.
    kiosk.get_by_role("button", name="完成").click()
    expect(kiosk.locator('[data-screen="start"]')).to_be_visible()
    kiosk.get_by_role("button", name="我有预约").click()
    expect(screen).to_be_visible()
    for char in booking.code:
        screen.locator(f'[data-appt-key="{char}"]').click()
    screen.get_by_role("button", name="签到").click()
    expect(kiosk.locator('[data-screen="appointment-refused"] [data-appt-field="refusal"]')).to_contain_text("已签到")

    officer_page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    officer_page.goto(server.url + "/accounts/login/?next=/desk/")
    officer_page.fill("input[name=username]", "officer1")
    officer_page.fill("input[name=password]", "pw-Counter-123")
    officer_page.locator("button[type=submit]").click()
    officer_page.wait_for_url("**/desk/1/")
    expect(officer_page.locator("#ticket-appointment")).to_be_hidden()
    officer_page.locator("button[data-action=call-next]").click()
    expect(officer_page.locator("#ticket-number")).to_have_text("A001")
    expect(officer_page.locator("#ticket-appointment")).to_be_visible()
    expect(officer_page.locator("#ticket-appointment")).to_contain_text(f"预约 {start:%H:%M}")
    # Today's load, per hour, has the booking just made when its slot is today's: after 23:30 the next slot is
    # tomorrow's, and today's load is empty.
    today = site.service_day(timezone.now())
    hours = [site.local(start).hour] if site.service_day(start) == today else []
    rows = officer_page.locator(".appt-load li")
    expect(rows).to_have_count(len(hours))
    for row, hour in zip(rows.all(), hours, strict=True):
        expect(row.locator(".appt-load-hour")).to_have_text(f"{hour:02d}:00")
        expect(row.locator("b")).to_have_text("1")
    if not hours:
        expect(officer_page.locator(".appt-load")).to_contain_text("今天没有预约")
    assert NUMBER not in officer_page.content()

    ticket_page = browser.new_page(locale="zh-CN", viewport=PHONE)
    ticket_page.goto(f"{server.url}/t/{booking.ticket.token}/")
    expect(ticket_page.locator(".phone-badge-appointment")).to_contain_text("预约")
    for page in (phone, kiosk, officer_page, ticket_page):
        page.close()


def test_a_late_citizen_gets_a_walk_in_ticket_in_one_touch(
    server: Daphne, site: Site, types: dict[str, BusinessType], desk: Desk, browser: Browser
) -> None:
    start = timezone.now() - dt.timedelta(minutes=40)
    late = Booking.objects.create(
        site=site, business_type=types["B"], start=start, end=start + dt.timedelta(minutes=30), day=start.date()
    )
    kiosk = browser.new_page(locale="zh-CN", viewport=PORTRAIT)
    kiosk.goto(f"{server.url}/kiosk/hall/")
    kiosk.get_by_role("button", name="我有预约").click()
    kiosk.keyboard.type(f"{server.url}/a/{late.code}/")
    kiosk.keyboard.press("Enter")
    refused = kiosk.locator('[data-screen="appointment-refused"]')
    expect(refused).to_contain_text("签到时间已过")
    refused.get_by_role("button", name="改取普通号").click()
    expect(kiosk.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("B001")
    kiosk.close()
