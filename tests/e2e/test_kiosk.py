"""The lobby kiosk in Chromium: take a ticket, priority, language, refusals, idle return."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, Route, expect

from queueing.models import BusinessType, Site, Ticket
from tests.e2e.clock import let_time_pass, open_with_time_stopped
from tests.servers import Daphne

PORTRAIT = {"width": 1080, "height": 1920}
LANDSCAPE = {"width": 1920, "height": 1080}


def open_kiosk(
    browser: Browser,
    server: Daphne,
    *,
    locale: str = "zh-CN",
    query: str = "",
    time_stopped: bool = False,
    **options: object,
) -> Page:
    page = browser.new_page(locale=locale, viewport=options.pop("viewport", PORTRAIT), **options)  # type: ignore[arg-type]
    if time_stopped:
        return open_with_time_stopped(page, f"{server.url}/kiosk/hall/{query}")
    page.goto(f"{server.url}/kiosk/hall/{query}")
    return page


def choose(page: Page, prefix: str) -> None:
    page.locator(f'button.type[data-prefix="{prefix}"]').click()
    expect(page.locator('[data-screen="confirm"]')).to_be_visible()


def test_a_citizen_takes_a_ticket_and_sees_its_number(
    server: Daphne, types: dict[str, BusinessType], browser: Browser, screenshot_dir: Path
) -> None:
    page = open_kiosk(browser, server)
    buttons = page.locator("button.type")
    expect(buttons).to_have_count(3)
    expect(buttons.nth(0)).to_contain_text("户口迁移")
    expect(buttons.nth(1)).to_contain_text("居民身份证")
    page.screenshot(path=screenshot_dir / "kiosk-portrait-zh.png")

    choose(page, "A")
    expect(page.locator("#confirm-title")).to_contain_text("户口迁移")
    page.screenshot(path=screenshot_dir / "kiosk-confirm-zh.png")
    # A double tap still takes one ticket: the second request carries the same key.
    page.locator('[data-action="confirm"]').dblclick()

    ticket_screen = page.locator('[data-screen="ticket"]')
    expect(ticket_screen).to_be_visible()
    expect(ticket_screen.locator('[data-field="number"]')).to_have_text("A001")
    expect(ticket_screen.locator('[data-field="ahead"]')).to_have_text("0")
    ticket = Ticket.objects.get()
    assert (ticket.number, ticket.priority, ticket.business_type.prefix) == ("A001", False, "A")
    assert ticket.idempotency_key
    # The slip prints from a hidden frame that loads the print page.
    frame = page.locator("iframe.print-frame")
    expect(frame).to_have_attribute("src", f"/t/{ticket.token}/print/?autoprint=1")
    expect(page.frame_locator("iframe.print-frame").locator(".slip-number")).to_have_text("A001")
    page.screenshot(path=screenshot_dir / "kiosk-ticket-zh.png")

    # The waiting count on the start screen follows.
    page.locator('[data-action="done"]').click()
    expect(page.locator('button.type[data-prefix="A"] .type-waiting')).to_have_text("1", timeout=10000)
    page.close()


def test_the_kiosk_fits_a_landscape_screen(
    server: Daphne, types: dict[str, BusinessType], browser: Browser, screenshot_dir: Path
) -> None:
    page = open_kiosk(browser, server, viewport=LANDSCAPE)
    expect(page.locator("button.type")).to_have_count(3)
    # Nothing scrolls sideways, and every type button is at least 15 mm tall.
    assert page.evaluate("document.documentElement.scrollWidth") <= LANDSCAPE["width"]
    for box in [b.bounding_box() for b in page.locator("button.type, .lang button").all()]:
        assert box is not None and box["height"] >= 64
    page.screenshot(path=screenshot_dir / "kiosk-landscape-zh.png")
    page.close()


def test_choosing_the_elderly_lane_gives_a_priority_ticket(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_kiosk(browser, server)
    choose(page, "B")
    elderly = page.locator('[data-priority-kind="elderly"]')
    elderly.click()
    expect(elderly).to_have_attribute("aria-pressed", "true")
    page.locator('[data-action="confirm"]').click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("B001")
    expect(page.locator('[data-screen="ticket"] [data-field="priority"]')).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.priority is True
    assert ticket.priority_kind == Ticket.PriorityKind.ELDERLY
    assert ticket.priority_source == Ticket.PrioritySource.SELF_DECLARED
    page.close()


def test_the_language_toggle_switches_the_kiosk_to_english(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_kiosk(browser, server, query="?idle=20")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#start-title")).to_have_text("Please choose your business")
    assert page.url.endswith("/kiosk/hall/?idle=20")  # same address: the language lives in a cookie
    choose(page, "C")
    expect(page.get_by_role("button", name="Senior citizen")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm and print my ticket")).to_be_visible()
    page.close()


def test_a_type_over_its_daily_cap_cannot_be_tapped(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    BusinessType.objects.filter(pk=types["A"].pk).update(daily_cap=0)
    page = open_kiosk(browser, server, locale="en-US")
    a = page.locator('button.type[data-prefix="A"]')
    expect(a).to_be_disabled()
    expect(a.locator(".type-reason")).to_contain_text("all taken")
    expect(page.locator('button.type[data-prefix="B"]')).to_be_enabled()
    page.close()


def test_the_cap_reached_between_loading_and_confirming_is_explained(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_kiosk(browser, server, locale="en-US")
    choose(page, "A")
    BusinessType.objects.filter(pk=types["A"].pk).update(daily_cap=0)
    page.locator('[data-action="confirm"]').click()
    error = page.locator('[data-screen="error"]')
    expect(error).to_be_visible()
    expect(error.locator('[data-field="error"]')).to_contain_text("Today's tickets for 户口迁移 are all taken")
    expect(error.locator('[data-action="retry"]')).to_be_hidden()
    assert not Ticket.objects.exists()
    error.locator('[data-action="back"]').click()
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    expect(page.locator('button.type[data-prefix="A"]')).to_be_disabled(timeout=10000)
    page.close()


def test_a_lost_connection_is_explained_and_a_retry_takes_one_ticket(
    server: Daphne, types: dict[str, BusinessType], browser: Browser, site: Site
) -> None:
    page = open_kiosk(browser, server, locale="en-US")
    choose(page, "B")

    def drop(route: Route) -> None:
        route.abort("internetdisconnected")

    page.route("**/api/v1/sites/hall/tickets/", drop)
    page.locator('[data-action="confirm"]').click()
    error = page.locator('[data-screen="error"]')
    expect(error.locator('[data-field="error"]')).to_contain_text("cannot reach the server")
    page.unroute("**/api/v1/sites/hall/tickets/", drop)
    error.locator('[data-action="retry"]').click()
    page.locator('[data-action="confirm"]').click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("B001")
    assert Ticket.objects.filter(site=site).count() == 1
    page.close()


def test_the_kiosk_returns_to_the_start_after_idle(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_kiosk(browser, server, query="?idle=2", time_stopped=True)
    expect(page.locator("#kiosk")).to_have_attribute("data-idle-seconds", "2")
    choose(page, "A")
    page.locator('[data-priority-kind="pregnant"]').click()
    let_time_pass(page, 2100)  # the idle time: asked first
    expect(page.locator("#kiosk-idle")).to_be_visible()
    expect(page.locator('[data-screen="confirm"]')).to_be_visible()
    let_time_pass(page, 4000)  # the question's countdown (at least 3 s) runs out
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    expect(page.locator('[data-screen="confirm"]')).to_be_hidden()
    # The next citizen starts clean.
    choose(page, "A")
    expect(page.locator('[data-priority-kind="pregnant"]')).to_have_attribute("aria-pressed", "false")
    assert not Ticket.objects.exists()
    page.close()


def test_an_idle_kiosk_left_in_english_returns_to_chinese(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_kiosk(browser, server, query="?idle=2", time_stopped=True)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # An English-speaking citizen may go back and forth without losing English...
    choose(page, "A")
    page.locator('[data-screen="confirm"] [data-action="back"]').click()
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # ...but once nobody touches it, the next citizen meets the hall's default language.
    let_time_pass(page, 6100)  # the idle time, then the question's countdown
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url.endswith("/kiosk/hall/?idle=2")
    page.close()
