"""The pages that exist with the queue core: the front page, sign-in and the admin, in Chromium."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from queueing import services
from queueing.models import Desk, Site
from tests.servers import Daphne


def test_front_page_lists_sites_in_chinese_and_english(
    server: Daphne, site: Site, browser: Browser, screenshot_dir: Path
) -> None:
    zh = browser.new_page(locale="zh-CN")
    zh.goto(server.url + "/")
    expect(zh.locator("h1")).to_have_text("户籍窗口排队叫号系统")
    expect(zh.locator("table.sites")).to_contain_text("城关派出所")
    zh.screenshot(path=screenshot_dir / "home-zh.png", full_page=True)
    # The language toggle switches the page to English and keeps the choice.
    zh.get_by_role("button", name="English").click()
    expect(zh.locator("h1")).to_have_text("Counter — queue of the household-registration hall")
    zh.goto(server.url + "/")
    expect(zh.get_by_role("link", name="API documentation")).to_be_visible()
    zh.close()


def test_officer_signs_in_and_a_wrong_password_is_refused(
    server: Daphne, site: Site, officer: User, browser: Browser, screenshot_dir: Path
) -> None:
    page = browser.new_page(locale="zh-CN")
    page.goto(server.url + "/accounts/login/")
    expect(page.locator("h1")).to_have_text("民警登录")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".alert, .error, .invalid-feedback").first).to_be_visible()
    page.screenshot(path=screenshot_dir / "login-error-zh.png", full_page=True)
    page.fill("input[name=password]", "pw-Counter-123")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/desk/")  # the desk page's address (LOGIN_REDIRECT_URL)
    cookies = {c["name"] for c in page.context.cookies()}
    assert "sessionid" in cookies
    page.close()


def test_admin_shows_tickets_and_their_events_read_only(
    server: Daphne, site: Site, desk: Desk, browser: Browser, screenshot_dir: Path
) -> None:
    User.objects.create_superuser("admin", password="pw-Admin-123")
    ticket = services.issue_ticket(site=site, prefix="A", actor=services.Actor(kind="kiosk")).ticket
    page = browser.new_page(locale="en-US")
    page.goto(server.url + "/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "pw-Admin-123")
    page.click("input[type=submit]")
    page.goto(server.url + "/admin/queueing/ticket/")
    expect(page.locator("#result_list")).to_contain_text("A001")
    page.goto(server.url + f"/admin/queueing/ticket/{ticket.pk}/change/")
    expect(page.locator("body")).to_contain_text("ticket issued")
    expect(page.locator("input[name=_save]")).to_have_count(0)  # read-only
    page.screenshot(path=screenshot_dir / "admin-ticket.png", full_page=True)
    page.close()
