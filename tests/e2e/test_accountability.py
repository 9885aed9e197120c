"""Accountability in Chromium: the public page on a phone and a TV, the officer on duty on the displays,
an inspection recorded by a supervisor and acknowledged by the officer on the desk page, the evaluation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from queueing import services
from queueing.models import Desk, Site, StaffProfile
from supervision import accountability
from supervision import services as supervision
from supervision.models import AccountabilitySettings, Inspection
from tests.conftest import make_staff
from tests.e2e.accessibility import assert_accessible
from tests.servers import Daphne
from tests.supervision.conftest import DAY, Scenario, at, scenario  # noqa: F401  (the hand-computed day)

PHONE = {"width": 390, "height": 844}
TV = {"width": 1920, "height": 1080}
DESKTOP = {"width": 1440, "height": 900}


def _on_duty(site: Site, desk: Desk, officer: User) -> None:
    StaffProfile.objects.filter(user=officer).update(display_name="王芳", police_number="011201")
    services.close_desk(desk=desk, actor=services.Actor.system())
    services.open_desk(desk=desk, actor=services.Actor(kind="officer", user=officer))


def _sign_in(page: Page, server: Daphne, username: str, target: str) -> None:
    page.goto(f"{server.url}/accounts/login/?next={quote(target)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"**{target}")


def _month_with_findings(s: Scenario) -> None:
    complaint = supervision.submit_complaint(site=s.site, text="态度冷淡", desk=s.desk1, visit_date=DAY, now=at(12, 0))
    accountability.record_finding(
        complaint=complaint, user=s.officer2, outcome="upheld", reason="录像核实", behaviour="cold", officer=s.officer1
    )
    accountability.record_inspection(
        site=s.site,
        user=s.officer2,
        kind=Inspection.Kind.COVERT,
        inspected_at=at(15, 0, dt.date(2026, 11, 5)),
        desk=s.desk2,
        officer=s.officer2,
        items=[],
        findings="未佩戴警号",
        severity=Inspection.Severity.SERIOUS,
    )
    StaffProfile.objects.filter(user=s.officer1).update(display_name="王芳", police_number="011201")
    StaffProfile.objects.filter(user=s.officer2).update(display_name="李明", police_number="011202")


def test_the_public_page_on_a_phone_and_a_tv(
    server: Daphne,
    scenario: Scenario,  # noqa: F811
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    _month_with_findings(scenario)
    AccountabilitySettings.objects.create(site=scenario.site, rank_publicly=True, complaint_phone="0931-8123110")
    _on_duty(scenario.site, scenario.desk1, scenario.officer1)
    accountability.close_month(site=scenario.site, month=DAY, user=scenario.officer2)
    for name, viewport in (("phone", PHONE), ("tv", TV)):
        page = browser.new_page(locale="zh-CN", viewport=viewport)
        page.goto(f"{server.url}/open/hall/?month=2026-11")
        expect(page.locator("h1")).to_contain_text("警务公开")
        expect(page.locator(".open-duty-desk[data-desk='1']")).to_contain_text("警号 011201")
        desks = page.locator("table[data-table=desks] tbody tr")
        expect(desks).to_have_count(2)
        expect(desks.nth(0)).to_contain_text("1号窗口")
        expect(desks.nth(0).locator("td").nth(1)).to_have_text("12.7")  # average wait
        expect(page.locator("table[data-table=officers]")).to_contain_text("警号 011202")
        expect(page.locator(".open-complain")).to_contain_text("0931-8123110")
        ranking = page.locator("table[data-table=ranking] tbody tr")
        expect(ranking.nth(0)).to_contain_text("警号 011202")
        expect(ranking.nth(0)).to_contain_text("95.0")
        body = page.content()
        assert "officer1" not in body and "officer2" not in body and "chief" not in body
        # Nothing sticks out sideways on the phone: wide tables scroll inside their own box.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert_accessible(page)
        page.screenshot(path=screenshot_dir / f"open-{name}.png", full_page=True)
        page.close()


def test_the_displays_show_the_officer_on_duty(
    server: Daphne, site: Site, desk: Desk, officer: User, browser: Browser, screenshot_dir: Path
) -> None:
    _on_duty(site, desk, officer)
    page = browser.new_page(locale="zh-CN", viewport=TV)
    page.goto(f"{server.url}/display/hall/")
    card = page.locator(".lobby-desk[data-desk='1'] [data-on-duty]")
    expect(card).to_have_text("警号 011201")
    Site.objects.filter(pk=site.pk).update(officer_names_public=True)
    page.reload()  # the supervisor's choice shows from the next snapshot on
    expect(card).to_contain_text("王芳")
    page.screenshot(path=screenshot_dir / "display-on-duty.png")
    page.close()
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page.goto(f"{server.url}/display/hall/desk/1/")
    expect(page.locator("[data-field=officer]")).to_contain_text("王芳")
    expect(page.locator("[data-field=officer]")).to_contain_text("警号 011201")
    page.screenshot(path=screenshot_dir / "desk-display-on-duty.png")
    page.close()


def test_an_inspection_is_recorded_and_the_officer_acknowledges_it(
    server: Daphne, site: Site, desk: Desk, officer: User, browser: Browser, screenshot_dir: Path
) -> None:
    make_staff("chief", site, "supervisor")
    StaffProfile.objects.filter(user=officer).update(desk=desk, police_number="011201")
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    _sign_in(page, server, "chief", "/supervision/hall/inspections/")
    form = page.locator("#inspection-form")
    form.get_by_label("暗访").check()
    form.locator("select[name=desk]").select_option("1")
    form.locator("select[name=officer]").select_option(label="officer1 011201")
    form.get_by_label("文明用语").check()
    form.locator("select[name=severity]").select_option("minor")
    form.locator("textarea[name=findings]").fill("未使用文明用语")
    form.locator("select[name=behaviour]").select_option("cold")
    form.locator("button[type=submit]").click()
    expect(page.locator("#inspection-status")).to_contain_text("待签收")
    inspection = Inspection.objects.get()
    assert inspection.deadline is not None and inspection.items.get().name == "文明用语"
    page.screenshot(path=screenshot_dir / "inspection-recorded.png", full_page=True)
    page.close()

    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    _sign_in(page, server, "officer1", "/desk/1/")
    panel = page.locator("#desk-inspections")
    expect(panel.locator(f"[data-inspection='{inspection.pk}']")).to_contain_text("未使用文明用语")
    page.screenshot(path=screenshot_dir / "desk-inspection.png", full_page=True)
    panel.locator("input[name=note]").fill("已知悉，立即整改")
    panel.get_by_role("button", name="签收").click()
    page.wait_for_url("**/desk/1/")
    expect(panel.locator("[data-inspection]")).to_have_count(0)
    expect(panel).to_contain_text("没有待签收的记录")
    inspection.refresh_from_db()
    assert inspection.status == "acknowledged" and inspection.acknowledgement == "已知悉，立即整改"
    page.close()


def test_the_monthly_evaluation_is_closed_and_printed(
    server: Daphne,
    scenario: Scenario,  # noqa: F811
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    _month_with_findings(scenario)
    make_staff("chief", scenario.site, "supervisor")
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    _sign_in(page, server, "chief", "/supervision/hall/evaluation/?month=2026-11")
    expect(page.locator("#evaluation-status")).to_contain_text("未结账")
    page.locator("#close-month button").click()
    expect(page.locator("#evaluation-status")).to_contain_text("已于")
    desks = page.locator("table[data-table=desks] tbody tr")
    expect(desks.nth(0)).to_contain_text("2号窗口")  # ranked first: 95.0
    expect(desks.nth(0).locator("td").nth(12)).to_have_text("95.0")
    expect(desks.nth(1).locator("td").nth(12)).to_have_text("58.0")
    page.screenshot(path=screenshot_dir / "evaluation.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".sv-nav")).to_be_hidden()
    pdf: Any = page.pdf(format="A4", landscape=True)
    assert pdf[:4] == b"%PDF"
    page.close()
