"""The supervision page in Chromium: a supervisor signs in, reads the report, downloads a CSV, sees today live."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import httpx
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from tests.conftest import make_staff
from tests.servers import Daphne
from tests.supervision.conftest import DAY, Scenario, scenario  # noqa: F401  (the hand-computed day)

DESKTOP = {"width": 1440, "height": 900}


def test_a_supervisor_reads_the_report_and_exports_a_table(
    server: Daphne,
    scenario: Scenario,  # noqa: F811
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    make_staff("boss", scenario.site, "supervisor")
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP, accept_downloads=True)
    target = f"/supervision/hall/?start={DAY}&end={DAY}"
    page.goto(f"{server.url}/accounts/login/?next={quote(target)}")
    page.fill("input[name=username]", "boss")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"**{target}")
    expect(page.locator("h1")).to_contain_text("城关派出所")
    expect(page.locator('[data-kpi="avg_wait"]')).to_have_text("8.8")
    expect(page.locator('[data-kpi="satisfaction"]')).to_have_text("75.0%")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("#table-by_desk tbody tr")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "supervision-scenario.png", full_page=True)
    with page.expect_download() as download:
        page.locator("#table-by_desk a.sv-csv").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[1][0] == "1号窗口" and rows[1][1:5] == ["3", "2", "1", "33.3"]
    page.close()


def test_today_at_a_glance_follows_the_hall(server: Daphne, supervisor: User, desk: object, browser: Browser) -> None:
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(f"{server.url}/accounts/login/?next=/supervision/hall/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/supervision/hall/")
    waiting = page.locator('[data-today="waiting_total"]')
    expect(waiting).to_have_text("0")
    for _ in range(2):
        assert httpx.post(f"{server.url}/api/v1/sites/hall/tickets/", json={"business_type": "B"}).status_code == 201
    expect(waiting).to_have_text("2", timeout=15_000)  # the page polls every 10 s
    expect(page.locator('[data-today="longest_wait_number"]')).to_have_text("B001")
    expect(page.locator("#today-waiting tbody tr")).to_have_count(3)
    page.close()


def test_an_officer_is_refused(server: Daphne, officer: User, browser: Browser) -> None:
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    page.goto(f"{server.url}/accounts/login/?next=/supervision/hall/")
    page.fill("input[name=username]", "officer1")
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/supervision/hall/")
    expect(page.locator("h1")).not_to_contain_text("城关派出所")
    assert page.locator(".sv-today").count() == 0
    page.close()
