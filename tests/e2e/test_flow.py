"""A whole visit: kiosk → phone page → the officer's desk, each step seen on the citizen's phone."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from queueing.models import Desk, StaffProfile, Ticket
from tests.e2e.test_desk import sign_in
from tests.servers import Daphne

PHONE_POLL_MS = 15_000  # the phone page polls every 10 s


def test_the_phone_follows_the_officer_through_call_start_and_complete(
    server: Daphne, desk: Desk, officer: User, issue: Callable[..., Ticket], browser: Browser
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    kiosk = browser.new_page(locale="en-US", viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{server.url}/kiosk/hall/")
    kiosk.locator('button.type[data-prefix="B"]').click()
    kiosk.locator('[data-action="confirm"]').click()
    expect(kiosk.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("B001")
    ticket = Ticket.objects.get()

    phone = browser.new_page(locale="en-US", viewport={"width": 390, "height": 844})
    phone.goto(f"{server.url}/t/{ticket.token}/")
    status = phone.locator('[data-field="status_label"]')
    expect(status).to_have_text("waiting")

    officer_page = browser.new_page(locale="en-US", viewport={"width": 1366, "height": 768})
    sign_in(officer_page, server)
    officer_page.wait_for_url("**/desk/1/")
    officer_page.locator("button[data-action=call-next]").click()
    expect(officer_page.locator("#ticket-number")).to_have_text("B001")
    expect(status).to_have_text("called", timeout=PHONE_POLL_MS)
    expect(phone.locator("body")).to_contain_text("Please go to", timeout=PHONE_POLL_MS)

    officer_page.locator("button[data-action=start]").click()
    expect(status).to_have_text("being served", timeout=PHONE_POLL_MS)

    officer_page.locator("button[data-action=complete]").click()
    expect(officer_page.locator("#served-today")).to_have_text("1")
    expect(status).to_have_text("done", timeout=PHONE_POLL_MS)
    expect(phone.locator("body")).to_contain_text("Thank you for your visit", timeout=PHONE_POLL_MS)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.officer) == (Ticket.Status.DONE, officer)
    for page in (kiosk, phone, officer_page):
        page.close()
