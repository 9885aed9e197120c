"""Outreach in Chromium: a request on a phone, the route sheet printed to PDF, a visit recorded, a case page."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path

from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from notices.models import ChecklistVersion
from outreach import services
from outreach.models import OutreachEvent, OutreachOfficer, ServiceSession, VisitRequest
from queueing import services as queue
from queueing.models import BusinessType, Desk, Site
from tests.conftest import publish_checklist
from tests.e2e.accessibility import assert_accessible
from tests.servers import Daphne

PHONE_VIEWPORT = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
A4_POINTS = (595.28, 841.89)


def sign_in(page: Page, server: Daphne, username: str, path: str = "/outreach/") -> None:
    page.goto(f"{server.url}/accounts/login/?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Counter-123")
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"**{path}")


def keep(page: Page, screenshot_dir: Path, name: str) -> None:
    # Into $COUNTER_SCREENSHOTS like every browser test's; a test run never rewrites docs/.
    page.screenshot(path=screenshot_dir / name, full_page=True)


def schedule(site: Site, supervisor: User, officer: User, name: str, village: str, start: int) -> VisitRequest:
    request = services.submit_request(
        site=site, business_type="B", reason="elderly", name=name, phone="13912345678", village=village,
        address=f"{start}组{start}号", who=services.Who(),
    )  # fmt: skip
    return services.schedule_visit(
        request=request, day=timezone.localdate(), start=dt.time(start), end=dt.time(start + 1), officers=[officer],
        who=services.Who(user=supervisor),
    )  # fmt: skip


def test_a_citizen_requests_a_home_visit_on_a_phone(
    server: Daphne, browser: Browser, types: dict[str, BusinessType], screenshot_dir: Path
) -> None:
    publish_checklist(types["B"], ["户口簿", "近期免冠照片"])
    page = browser.new_page(locale="zh-CN", viewport=PHONE_VIEWPORT)
    page.goto(f"{server.url}/outreach/hall/")
    expect(page.locator("h1")).to_have_text("申请上门服务")
    page.select_option("#id_business_type", "B")
    page.get_by_label("80岁以上老人").check()
    page.fill("#id_name", "王秀英")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_village", "东岭村")
    page.fill("#id_address", "三组17号")
    page.fill("#id_preferred_days", "周二上午")
    keep(page, screenshot_dir, "outreach-request.png")
    assert_accessible(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("[data-field=status]")).to_have_text("待审核")
    request = VisitRequest.objects.get()
    assert page.url.endswith(f"/o/{request.code}/")
    expect(page.locator(".or-checklist")).to_contain_text("近期免冠照片")
    body = page.content()
    assert "王秀英" not in body and "13912345678" not in body and "三组17号" not in body
    assert_accessible(page)
    # Large enough to touch (适老化): the send button.
    page.go_back()
    box = page.locator(".or-btn-big").bounding_box()
    assert box is not None and box["height"] >= 57  # 15 mm at 96 dpi


def test_the_route_sheet_prints_on_one_a4_page(
    server: Daphne, browser: Browser, site: Site, supervisor: User, officer: User, types: dict[str, BusinessType]
) -> None:
    publish_checklist(types["B"], ["户口簿", "近期免冠照片"])
    for i, (name, village) in enumerate([("王秀英", "东岭村"), ("李建国", "西岭村"), ("赵桂兰", "东岭村")]):
        schedule(site, supervisor, officer, name, village, 9 + i)
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, server, "officer1")
    day = f"{timezone.localdate():%Y-%m-%d}"
    page.goto(f"{server.url}/outreach/route/{day}/")
    expect(page.locator(".rs-stop")).to_have_count(3)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert (round(width), round(height)) == tuple(round(x) for x in A4_POINTS)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", reader.pages[0].extract_text() or ""))
    assert "王秀英" in text and "李建国" in text and "近期免冠照片" in text
    # Grouped by village in route order: both 东岭村 stops come before 西岭村's.
    assert text.index("赵桂兰") < text.index("李建国")
    assert OutreachEvent.objects.filter(kind="details.viewed", data__page="route_sheet", user=officer).count() == 3


def test_an_officer_reorders_the_route_and_records_a_visit(
    server: Daphne, browser: Browser, site: Site, supervisor: User, officer: User, types: dict[str, BusinessType],
    screenshot_dir: Path,
) -> None:  # fmt: skip
    version: ChecklistVersion = publish_checklist(types["B"], ["户口簿", "近期免冠照片"])
    OutreachOfficer.objects.create(user=officer, site=site, police_number="031245")
    first = schedule(site, supervisor, officer, "王秀英", "东岭村", 9)
    second = schedule(site, supervisor, officer, "李建国", "东岭村", 10)
    services.submit_request(
        site=site, business_type="B", reason="bedridden", name="赵桂兰", phone="13800000000", village="西岭村",
        address="五组2号", who=services.Who(), now=timezone.now() - dt.timedelta(days=10),
    )  # fmt: skip
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, server, "officer1")
    stops = page.locator(".or-stop")
    expect(stops).to_have_count(2)
    expect(stops.first).to_contain_text("王秀英")
    stops.nth(1).get_by_role("button", name="路线中提前").click()
    expect(page.locator(".or-stop").first).to_contain_text("李建国")
    stop = page.locator(f"#visit-{first.pk}")
    stop.get_by_text("记录上门结果").click()
    stop.get_by_label("请到窗口办理（材料不全）").check()
    stop.get_by_label("近期免冠照片").check()
    keep(page, screenshot_dir, "outreach-officers.png")
    stop.get_by_role("button", name="保存结果").click()
    expect(page.locator(".or-stop")).to_have_count(1)
    first.refresh_from_db()
    assert first.status == "window" and first.return_code
    assert [i.name for i in first.missing_items.all()] == ["近期免冠照片"]
    assert version.items.count() == 2
    # The citizen's page says what to bring and gives the code for a priority number.
    citizen = browser.new_page(locale="zh-CN", viewport=PHONE_VIEWPORT)
    citizen.goto(f"{server.url}/o/{first.code}/")
    expect(citizen.locator("[data-field=return_code]")).to_have_text(first.return_code)
    expect(citizen.locator(".or-window")).to_contain_text("近期免冠照片")
    assert_accessible(citizen)
    # The missing-documents notice written at the visit (补正材料一次性告知书), printable like a desk's.
    citizen.locator("[data-field=notice_link]").click()
    expect(citizen.locator("h1.notice-title")).to_contain_text("补正材料一次性告知书")
    expect(citizen.locator(".notice-items")).to_contain_text("近期免冠照片")
    expect(citizen.locator("[data-field=source]")).to_have_text("上门服务")
    assert "王秀英" not in citizen.content()
    assert_accessible(citizen)
    assert second.pk != first.pk


def test_the_supervisor_sees_an_overdue_request(
    server: Daphne, browser: Browser, site: Site, supervisor: User, officer: User, types: dict[str, BusinessType],
) -> None:  # fmt: skip
    services.submit_request(
        site=site, business_type="B", reason="bedridden", name="赵桂兰", phone="13800000000", village="西岭村",
        address="五组2号", who=services.Who(), now=timezone.now() - dt.timedelta(days=10),
    )  # fmt: skip
    page = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, server, "supervisor")
    expect(page.locator(".or-card-late")).to_have_count(1)
    expect(page.locator(".or-overdue")).to_contain_text("1 件申请超期")


def test_the_ticket_page_is_the_case_page(
    server: Daphne, browser: Browser, site: Site, officer: User, desk: Desk, types: dict[str, BusinessType],
    screenshot_dir: Path,
) -> None:  # fmt: skip
    by_officer = queue.Actor(kind="officer", user=officer)
    ticket = queue.issue_ticket(site=site, prefix="B", actor=queue.Actor(kind="kiosk")).ticket
    queue.call_next(desk=desk, actor=by_officer)
    queue.start(desk=desk, actor=by_officer)
    queue.complete(desk=desk, actor=by_officer)
    who = services.Who(user=officer)
    case = services.open_case(ticket=ticket, document="id_card", expected_date=timezone.localdate(), who=who)
    services.set_case_status(cases=[case], status="in_production", who=who)
    services.set_case_status(cases=[case], status="ready", who=who)
    page = browser.new_page(locale="zh-CN", viewport=PHONE_VIEWPORT)
    page.goto(f"{server.url}/t/{ticket.token}/")
    expect(page.locator("#case [aria-current=step]")).to_have_text("可领取")
    expect(page.locator("[data-field=case-ready]")).to_contain_text(case.display_code)
    page.locator("#case").scroll_into_view_if_needed()
    keep(page, screenshot_dir, "outreach-case.png")
    # At the kiosk, the case code gives a priority number.
    kiosk = browser.new_page(locale="zh-CN", viewport=DESKTOP)
    kiosk.goto(f"{server.url}/kiosk/hall/")
    kiosk.locator(".or-kiosk-pickup summary").click()
    for ch in case.code:
        kiosk.locator(f".or-keypad [data-or-key='{ch}']").click()
    expect(kiosk.locator("#outreach-code")).to_have_value(case.code)
    kiosk.locator("#outreach-code-form button[type=submit]").click()
    expect(kiosk.locator("#outreach-code-result")).to_have_attribute("data-number", "B002")


def test_the_kiosk_and_display_show_the_coming_session(
    server: Daphne, browser: Browser, site: Site, desk: Desk, types: dict[str, BusinessType], screenshot_dir: Path
) -> None:
    session = ServiceSession.objects.create(
        site=site, place="东岭村警务室", place_kind="police_post", date=timezone.localdate() + dt.timedelta(days=2),
        start=dt.time(9), end=dt.time(12),
    )  # fmt: skip
    session.business_types.set([types["B"]])
    kiosk = browser.new_page(locale="zh-CN", viewport={"width": 1080, "height": 1920})
    kiosk.goto(f"{server.url}/kiosk/hall/")
    expect(kiosk.locator("[data-field=sessions]")).to_contain_text("东岭村警务室")
    kiosk.locator(".or-kiosk-pickup summary").click()
    kiosk.screenshot(path=screenshot_dir / "outreach-kiosk.png")
    display = browser.new_page(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    display.goto(f"{server.url}/display/hall/")
    expect(display.locator("[data-field=outreach-sessions]")).to_contain_text("09:00–12:00 东岭村警务室")
    display.screenshot(path=screenshot_dir / "outreach-display.png")
