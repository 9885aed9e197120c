"""The rating tablet at a desk (评价器) in Chromium against a live daphne: idle, wakes up, rates, idles again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from queueing import services
from queueing.models import Desk, Ticket
from supervision.models import FollowUpCase, Rating
from tests.e2e.clock import let_time_pass, open_with_time_stopped
from tests.servers import Daphne

TABLET = {"width": 1280, "height": 800}
WAKE_MS = 3000


@pytest.fixture
def device(desk: Desk) -> str:
    return services.create_desk_token(desk=desk)


def desk_action(server: Daphne, token: str, action: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{server.url}/api/v1/sites/hall/desks/1/{action}/", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def serve_one(server: Daphne, token: str) -> str:
    """A citizen is called, served and completed at desk 1 — by the desk's keypad, through daphne."""
    issued = httpx.post(f"{server.url}/api/v1/sites/hall/tickets/", json={"business_type": "A"})
    assert issued.status_code == 201, issued.text
    desk_action(server, token, "call-next")
    desk_action(server, token, "start")
    desk_action(server, token, "complete")
    number: str = issued.json()["number"]
    return number


def open_tablet(browser: Browser, server: Daphne, query: str = "") -> Page:
    page = browser.new_page(locale="zh-CN", viewport=TABLET, has_touch=True)
    page.goto(f"{server.url}/rate/hall/1/{query}")
    expect(page.locator("#tablet")).to_have_attribute("data-state", "idle")
    expect(page.locator(".tablet-idle")).to_be_visible()
    expect(page.locator("[data-rating-form]")).to_be_hidden()
    page.wait_for_timeout(500)  # the socket connected
    return page


def test_the_tablet_wakes_up_on_completion_and_takes_one_rating(
    server: Daphne, desk: Desk, device: str, browser: Browser, screenshot_dir: Path
) -> None:
    page = open_tablet(browser, server)
    number = serve_one(server, device)
    tablet = page.locator("#tablet")
    expect(tablet).to_have_attribute("data-state", "rating", timeout=WAKE_MS)
    expect(page.locator("[data-rating-number]")).to_have_text(number)
    assert Ticket.objects.get(number=number).token not in page.content()
    page.screenshot(path=screenshot_dir / "rating-tablet.png")

    page.locator("button.rating-submit").click()  # nothing chosen yet
    expect(page.locator("[data-rating-error]")).to_be_visible()
    page.locator("[data-criterion=overall] .rating-level-2").click()
    expect(page.locator("[data-rating-bad]")).to_be_visible()
    page.locator("select[name=reason]").select_option("long_wait")
    page.locator("[data-criterion=attitude] .rating-level-4").click()
    page.locator("textarea[name=comment]").fill("等候时间太长")
    page.locator("input[name=phone]").fill("138 0013 8000")
    page.locator("button.rating-submit").click()
    expect(tablet).to_have_attribute("data-state", "thanks")
    expect(page.locator("[data-rating-followup]")).to_be_visible()
    rating = Rating.objects.get()
    assert (rating.overall, rating.attitude, rating.reason, rating.phone, rating.channel) == (
        2,
        4,
        "long_wait",
        "13800138000",
        "tablet",
    )
    assert FollowUpCase.objects.filter(rating=rating).exists()
    expect(tablet).to_have_attribute("data-state", "idle", timeout=10_000)
    expect(page.locator("[data-rating-form]")).to_be_hidden()
    page.close()


def test_a_tablet_opened_just_after_the_completion_offers_the_rating(
    server: Daphne, desk: Desk, device: str, browser: Browser
) -> None:
    number = serve_one(server, device)
    page = browser.new_page(locale="zh-CN", viewport=TABLET)
    page.goto(f"{server.url}/rate/hall/1/")
    expect(page.locator("#tablet")).to_have_attribute("data-state", "rating")
    expect(page.locator("[data-rating-number]")).to_have_text(number)
    page.close()


def test_the_tablet_goes_back_to_idle_when_nobody_rates(
    server: Daphne, desk: Desk, device: str, browser: Browser
) -> None:
    serve_one(server, device)
    page = browser.new_page(locale="zh-CN", viewport=TABLET)
    open_with_time_stopped(page, f"{server.url}/rate/hall/1/?idle=2")  # the minute, shortened for the test
    tablet = page.locator("#tablet")
    expect(tablet).to_have_attribute("data-state", "rating")
    let_time_pass(page, 1500)
    expect(tablet).to_have_attribute("data-state", "rating")
    let_time_pass(page, 1000)
    expect(tablet).to_have_attribute("data-state", "idle")
    expect(page.locator(".tablet-idle")).to_be_visible()
    assert not Rating.objects.exists()
    page.close()


def test_the_phone_rating_partial_opens_when_the_ticket_is_done(
    server: Daphne, desk: Desk, device: str, browser: Browser
) -> None:
    """The `{% rating_form token %}` partial on its own, as the phone page will include it: it shows
    itself when the page's #ticket turns done (the phone page's script sets that), rates once."""
    from django.template import Context, Template

    issued = httpx.post(f"{server.url}/api/v1/sites/hall/tickets/", json={"business_type": "A"}).json()
    html = Template(
        '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8"></head><body>'
        '<div id="ticket" data-status="waiting"></div>{% load rating %}{% rating_form token %}</body></html>'
    ).render(Context({"token": issued["token"]}))
    page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.route(f"{server.url}/phone-partial/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(f"{server.url}/phone-partial/")
    form = page.locator("[data-rating-form]")
    page.wait_for_timeout(500)
    expect(form).to_be_hidden()  # waiting: nothing to rate yet
    desk_action(server, device, "call-next")
    desk_action(server, device, "start")
    desk_action(server, device, "complete")
    page.evaluate("document.getElementById('ticket').dataset.status = 'done'")
    expect(form).to_be_visible()
    page.locator("[data-criterion=overall] .rating-level-5").tap()
    page.locator("button.rating-submit").tap()
    expect(page.locator("[data-rating-thanks]")).to_be_visible()
    expect(page.locator("[data-rating-followup]")).to_be_hidden()
    assert Rating.objects.get().channel == "phone"
    page.reload()
    expect(page.locator("[data-rating-thanks]")).to_be_visible()  # rated: thanks, no second form
    expect(page.locator("form.rating-form")).to_be_hidden()
    page.close()
