"""Every public page meets WCAG 2.1 AA (axe-core), in Chinese and in English, as a citizen finds it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from notices import services as notice_services
from notices.models import ChecklistVersion
from queueing import services
from queueing.models import Desk, Site, Ticket
from tests.e2e.accessibility import assert_accessible, violations
from tests.servers import Daphne

PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}
TV = {"width": 1920, "height": 1080}


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_public_page_passes_wcag_21_aa(
    server: Daphne,
    site: Site,
    desk: Desk,
    checklist: ChecklistVersion,
    officer: User,
    issue: Callable[..., Ticket],
    browser: Browser,
    locale: str,
) -> None:
    by_officer = services.Actor(kind="officer", user=officer)
    waiting = issue("A")
    served = issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.call_next(desk=desk, actor=by_officer)  # `waiting` becomes a no-show, `served` is called
    item = checklist.items.first()
    assert item is not None
    notice = notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=[item.pk])
    served.refresh_from_db()
    pages = {
        "/": ("h1", None),
        f"/kiosk/{site.slug}/": (".type-name", KIOSK),
        # The displays are checked live: once they say when they last heard from the server.
        f"/display/{site.slug}/": (".lobby-updated:not(:empty)", TV),
        f"/display/{site.slug}/desk/{desk.number}/": (".desk-screen-updated:not(:empty)", TV),
        f"/t/{waiting.token}/": ("main", PHONE),
        f"/t/{served.token}/": ("main", PHONE),
        f"/notices/{site.slug}/": ("main", PHONE),
        f"/notices/{site.slug}/A/": ("main", None),
        f"/n/{notice.code}/": ("main", PHONE),
        f"/complaints/{site.slug}/": ("form", PHONE),
        f"/rate/{site.slug}/{desk.number}/": ("main", None),
        "/accounts/login/": ("form", None),
    }
    context = browser.new_context(locale=locale)
    for path, (ready, viewport) in pages.items():
        page = context.new_page()
        if viewport:
            page.set_viewport_size(viewport)
        page.goto(server.url + path)
        expect(page.locator(ready).first).to_be_attached()
        page.wait_for_load_state("load")
        assert_accessible(page)
        page.close()
    context.close()


def test_the_check_finds_a_contrast_failure(server: Daphne, site: Site, browser: Browser) -> None:
    # The check itself can fail: grey on black text on the display is found.
    page = browser.new_page(viewport=TV)
    page.goto(f"{server.url}/display/{site.slug}/")
    expect(page.locator(".lobby-clock")).to_be_visible()
    page.evaluate("document.querySelector('.lobby-date').style.color = '#333a44'")
    assert "color-contrast" in {v["id"] for v in violations(page)}
    page.close()
