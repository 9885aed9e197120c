"""The printed ticket and the phone ticket page in Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import httpx
from playwright.sync_api import Browser, expect

from queueing import services
from queueing.models import Desk, Ticket
from tests.servers import Daphne

PHONE = {"width": 390, "height": 844}
SLIP_WIDTH_PX = 302  # 80 mm at 96 CSS px per inch
MM80_IN_POINTS = 80 / 25.4 * 72  # 226.77


def test_the_printed_ticket_renders_to_an_80mm_pdf(
    server: Daphne, issue: Callable[..., Ticket], browser: Browser, screenshot_dir: Path
) -> None:
    issue("B")
    ticket = issue("B")
    page = browser.new_page(locale="zh-CN", viewport={"width": SLIP_WIDTH_PX, "height": 900})
    page.goto(f"{server.url}/t/{ticket.token}/print/")
    slip = page.locator(".slip")
    expect(slip.locator(".slip-number")).to_have_text("B002")
    expect(slip).to_contain_text("城关派出所")
    expect(slip).to_contain_text("居民身份证")
    expect(slip.locator(".slip-facts dd").first).to_have_text("1")
    expect(slip.locator(".slip-qr svg")).to_be_visible()
    expect(slip.locator(".slip-url")).to_have_text(f"{server.url}/t/{ticket.token}/")
    # Nothing sticks out of the 80 mm paper.
    assert page.evaluate("document.documentElement.scrollWidth") <= SLIP_WIDTH_PX
    page.screenshot(path=screenshot_dir / "ticket-print.png", full_page=True)

    page.emulate_media(media="print")
    pdf = page.pdf(width="80mm", height="160mm", print_background=False)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5000  # text, fonts and the QR code, not an empty page
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", pdf)
    assert boxes
    assert all(abs(float(width) - MM80_IN_POINTS) < 1 for width, _height in boxes)
    page.close()


def test_the_phone_page_follows_the_queue_and_the_call(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser, screenshot_dir: Path
) -> None:
    issue("A")
    ticket = issue("A")
    page = browser.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/t/{ticket.token}/")
    expect(page.locator(".phone-number")).to_have_text("A002")
    expect(page.locator(".phone-type")).to_contain_text("户口迁移")
    expect(page.locator('[data-field="ahead"]')).to_have_text("1")
    expect(page.locator("#phone-cancel")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "phone-zh.png", full_page=True)

    # A001 is called by the desk's device, through the server: the page's socket tells it.
    call_next = f"{server.url}/api/v1/sites/hall/desks/1/call-next/"
    device = {"Authorization": f"Bearer {services.create_desk_token(desk=desk)}"}
    assert httpx.post(call_next, headers=device).status_code == 200
    expect(page.locator('[data-field="ahead"]')).to_have_text("0", timeout=15000)
    # Then A002 itself.
    assert httpx.post(call_next, headers=device).status_code == 200
    expect(page.locator("#ticket")).to_have_attribute("data-status", "called", timeout=15000)
    call = page.locator(".phone-call")
    expect(call).to_be_visible()
    expect(call.locator(".phone-call-desk")).to_contain_text("1")
    expect(page.locator("#phone-cancel")).to_be_hidden()
    expect(page.locator(".phone-facts")).to_be_hidden()
    page.screenshot(path=screenshot_dir / "phone-called-zh.png", full_page=True)
    page.close()


def test_the_phone_page_in_english_names_the_desk(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    ticket = issue("C")
    services.call_next(desk=desk, actor=services.Actor.system())
    page = browser.new_page(locale="en-US", viewport=PHONE)
    page.goto(f"{server.url}/t/{ticket.token}/")
    expect(page.locator(".phone-call-desk")).to_have_text("Please go to Desk 1")
    expect(page.locator('[data-field="status_label"]')).to_have_text("called")
    page.close()


def test_cancelling_on_the_phone_asks_first_then_cancels(
    server: Daphne, issue: Callable[..., Ticket], browser: Browser, screenshot_dir: Path
) -> None:
    ticket = issue("A")
    page = browser.new_page(locale="en-US", viewport=PHONE)
    page.goto(f"{server.url}/t/{ticket.token}/")
    dialog = page.locator("#phone-cancel-dialog")

    page.get_by_role("button", name="Cancel my ticket").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Cancel ticket A001?")
    page.screenshot(path=screenshot_dir / "phone-cancel-en.png")
    page.get_by_role("button", name="No, keep my ticket").click()
    expect(dialog).to_be_hidden()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.WAITING

    page.get_by_role("button", name="Cancel my ticket").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator('[data-field="status_label"]')).to_have_text("cancelled")
    expect(page.get_by_text("This ticket is no longer in the queue.")).to_be_visible()
    expect(page.locator("#phone-cancel")).to_be_hidden()
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CANCELLED
    page.close()


def test_cancelling_a_ticket_called_meanwhile_explains_why_not(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    ticket = issue("A")
    page = browser.new_page(locale="en-US", viewport=PHONE)
    # Let the socket's snapshot (still "waiting") arrive before the call, so the page shows the old state.
    # The listener is in place before the page loads: the snapshot can come before any later wait starts.
    frames: list[object] = []
    page.on("websocket", lambda socket: socket.on("framereceived", lambda payload: frames.append(payload)))
    page.goto(f"{server.url}/t/{ticket.token}/")
    for _ in range(200):
        if frames:
            break
        page.wait_for_timeout(50)
    assert frames, "the phone socket sent no snapshot"
    with mock.patch("queueing.broadcast.publish"):  # the page misses the call (as on a flaky network)
        services.call_next(desk=desk, actor=services.Actor.system())
    page.get_by_role("button", name="Cancel my ticket").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.locator("#phone-error")).to_contain_text("A001")
    expect(page.locator("#ticket")).to_have_attribute("data-status", "called")
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.CALLED
    page.close()


def test_an_unknown_ticket_gets_a_friendly_404(server: Daphne, browser: Browser, db: object) -> None:
    page = browser.new_page(locale="en-US", viewport=PHONE)
    response = page.goto(f"{server.url}/t/not-a-real-token/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Ticket not found")
    page.close()


def test_a_finished_visit_is_rated_once_on_the_phone(
    server: Daphne, desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    from supervision.models import Rating

    ticket = issue("A")
    system = services.Actor.system()
    services.call_next(desk=desk, actor=system)
    services.start(desk=desk, actor=system)
    page = browser.new_page(locale="en-US", viewport=PHONE)
    page.goto(f"{server.url}/t/{ticket.token}/")
    form = page.locator("[data-rating-form]")
    expect(form).to_be_hidden()  # not before the visit is done
    token = services.create_desk_token(desk=desk)
    done = httpx.post(  # through the server, so that it reaches the phone's socket
        f"{server.url}/api/v1/sites/{desk.site.slug}/desks/{desk.number}/complete/",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert done.status_code == 200
    expect(form).to_be_visible()
    page.locator('[data-criterion="overall"] input[value="5"]').check(force=True)
    page.get_by_role("button", name="Submit rating").click()
    expect(page.locator("[data-rating-thanks]")).to_be_visible()
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.overall, rating.channel) == (5, "phone")
    page.reload()  # rated already: thanks, no second form
    expect(page.locator("[data-rating-thanks]")).to_be_visible()
    expect(page.locator(".rating-form")).to_be_hidden()
    page.close()
