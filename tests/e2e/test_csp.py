"""Every page runs under the app's own Content-Security-Policy (django-csp) with no violation.

The policy has no 'unsafe-inline' (and no 'unsafe-eval'): a page that relied on an
inline script, style or handler would report a `securitypolicyviolation` here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page

from notices.models import ChecklistVersion
from queueing.models import Desk, StaffProfile, Ticket
from tests.servers import Daphne

WATCH = (
    "window.__violations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def violations_on(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # scripts that run after load (the live socket) have started
    found: list[str] = page.evaluate("window.__violations")
    return found


def sign_in(page: Page, server: Daphne, username: str, path: str) -> None:
    page.goto(f"{server.url}/accounts/login/?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"**{path}")


def test_every_page_runs_under_the_apps_csp_without_a_violation(
    server: Daphne,
    officer: User,
    supervisor: User,
    desk: Desk,
    checklist: ChecklistVersion,
    issue: Callable[..., Ticket],
    browser: Browser,
) -> None:
    StaffProfile.objects.filter(user=officer).update(desk=desk)
    ticket = issue("A")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.add_init_script(WATCH)
    public = [
        "/kiosk/hall/",
        "/display/hall/",
        "/display/hall/desk/1/",
        f"/t/{ticket.token}/",
        f"/t/{ticket.token}/print/",
        "/notices/hall/",
        "/notices/hall/A/",
        "/complaints/hall/",
        "/accounts/login/",
        "/admin/login/",
    ]
    for path in public:
        assert violations_on(page, f"{server.url}{path}") == [], path
    sign_in(page, server, "officer1", "/desk/1/")
    assert violations_on(page, f"{server.url}/desk/1/") == []
    page.context.clear_cookies()
    sign_in(page, server, "supervisor", "/supervision/hall/")
    for path in ["/supervision/hall/", "/supervision/hall/audit/", "/supervision/hall/complaints/"]:
        assert violations_on(page, f"{server.url}{path}") == [], path
    page.close()
