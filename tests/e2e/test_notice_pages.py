"""Checklist and notice pages in Chromium: on a phone, on A4 and 80 mm paper, under a strict CSP, and live."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, Route, expect
from pypdf import PdfReader

from notices import services as notice_services
from notices.demo_content import CHECKLISTS
from notices.models import ChecklistItem, ChecklistVersion, Notice
from queueing import services
from queueing.models import BusinessType, Desk, Ticket
from tests.servers import Daphne

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
A4_POINTS = (595.28, 841.89)
MM80_POINTS = 80 / 25.4 * 72  # 226.77
STRICT_CSP = "default-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; object-src 'none'"


def publish_demo(business_type: BusinessType, prefix: str = "A") -> ChecklistVersion:
    """Publish the seed_demo checklist of `prefix`: real lengths, groups and English texts."""
    content = CHECKLISTS[prefix]
    draft = notice_services.start_draft(business_type=business_type)
    ChecklistVersion.objects.filter(pk=draft.pk).update(**{k: v for k, v in content.items() if k != "items"})
    ChecklistItem.objects.bulk_create(
        ChecklistItem(version=draft, position=position, **item) for position, item in enumerate(content["items"])
    )
    return notice_services.publish(version=draft, user=None)


def give_notice(desk: Desk, version: ChecklistVersion, names_en: list[str], note: str = "") -> Notice:
    actor = services.Actor.system()
    assert services.call_next(desk=desk, actor=actor) is not None
    services.start(desk=desk, actor=actor)
    ids = list(version.items.filter(name_en__in=names_en).values_list("pk", flat=True))
    assert len(ids) == len(names_en)
    return notice_services.issue_notice(desk=desk, actor=actor, item_ids=ids, note=note)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    """Comparable text: letter-spaced words come out of a PDF with gaps, and "fi" as one ligature."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def stub_print(page: Page) -> None:
    page.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")


# --- Checklist ----------------------------------------------------------------------


def test_the_checklist_reads_on_a_phone_without_sideways_scrolling(
    server: Daphne, types: dict[str, BusinessType], browser: Browser, screenshot_dir: Path
) -> None:
    publish_demo(types["A"])
    page = browser.new_page(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/notices/hall/A/")
    expect(page.locator("h1")).to_contain_text("户口迁移")
    expect(page.locator(".doc-item")).to_have_count(len(CHECKLISTS["A"]["items"]))
    expect(page.locator(".doc-group-title")).to_have_count(4)  # everyone + three situations
    expect(page.get_by_text("准予迁入证明或户口迁移证", exact=True)).to_be_visible()
    expect(page.locator(".doc-qr")).to_be_hidden()  # the phone is already here
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "checklist-phone-zh.png", full_page=True)
    page.close()


def test_the_index_leads_to_each_checklist(
    server: Daphne, types: dict[str, BusinessType], browser: Browser, screenshot_dir: Path
) -> None:
    publish_demo(types["A"], "A")
    publish_demo(types["B"], "B")
    page = browser.new_page(locale="en-US", viewport=PHONE)
    page.goto(f"{server.url}/notices/hall/")
    expect(page.locator(".doc-index-link")).to_have_count(2)
    page.screenshot(path=screenshot_dir / "checklist-index-en.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator('.doc-index-link[data-prefix="B"]').click()
    expect(page).to_have_url(f"{server.url}/notices/hall/B/")
    expect(page.get_by_text("Resident identity card").first).to_be_visible()
    page.close()


def test_the_checklist_prints_on_a4_without_its_buttons(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    publish_demo(types["A"])
    page = browser.new_page(locale="en-US", viewport=DESKTOP)
    page.goto(f"{server.url}/notices/hall/A/")
    expect(page.get_by_role("button", name="Print this checklist")).to_be_visible()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    sizes = page_sizes(pdf)
    assert sizes and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes)
    text = squeezed(pdf_text(pdf))
    assert squeezed("Resident identity card") in text and squeezed("Household transfer application form") in text
    assert squeezed("Print this checklist") not in text
    # The page asks for A4 itself: a browser printing by the page's own size gets A4 too.
    own = page_sizes(page.pdf(prefer_css_page_size=True))
    assert all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in own)
    page.close()


# --- Notice -------------------------------------------------------------------------


def test_the_printed_notice_lists_its_items_and_code_on_a4(
    server: Daphne, types: dict[str, BusinessType], desk: Desk, issue: Callable[..., Ticket], browser: Browser,
    screenshot_dir: Path,
) -> None:  # fmt: skip
    version = publish_demo(types["A"])
    issue("A", checklist_version=version.number)
    missing = ["Household transfer application form", "Approval-to-move-in certificate or migration certificate"]
    notice = give_notice(desk, version, missing, note="Signed consent of the head of household")
    page = browser.new_page(locale="en-US", viewport={"width": 794, "height": 1123})
    page.goto(f"{server.url}/n/{notice.code}/")
    expect(page.locator(".notice-code")).to_have_text(notice.display_code)
    expect(page.locator(".notice-item")).to_have_count(2)
    page.emulate_media(media="print")
    page.screenshot(path=screenshot_dir / "notice-a4-en.png", full_page=True)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    sizes = page_sizes(pdf)
    assert sizes and all(abs(w - A4_POINTS[0]) < 1 and abs(h - A4_POINTS[1]) < 1 for w, h in sizes)
    assert len(sizes) == 1  # one sheet
    text = squeezed(pdf_text(pdf))
    for name in missing:
        assert squeezed(name) in text
    assert squeezed("Resident identity card") not in text  # not missing, so not on the notice
    assert notice.display_code in text
    assert squeezed("Signed consent of the head of household") in text
    assert "A001" in text
    # CJK comes out partly as Kangxi radicals (户 as ⼾, which NFKC makes 戶): only this title is reliable.
    assert "补正材料一次性告知书" in text
    assert squeezed("Print this notice") not in text
    page.close()


def test_the_notice_prints_on_an_80mm_slip(
    server: Daphne, types: dict[str, BusinessType], desk: Desk, issue: Callable[..., Ticket], browser: Browser,
    screenshot_dir: Path,
) -> None:  # fmt: skip
    version = publish_demo(types["A"])
    issue("A")
    notice = give_notice(desk, version, ["Resident identity card", "Household transfer application form"])
    page = browser.new_page(locale="en-US", viewport={"width": 340, "height": 900})
    page.goto(f"{server.url}/n/{notice.code}/?print=80mm")
    expect(page.locator(".notice-code")).to_have_text(notice.display_code)
    page.screenshot(path=screenshot_dir / "notice-80mm-en.png", full_page=True)
    expect(page.locator("#notice")).to_have_attribute("data-slip-mm", re.compile(r"^\d+$"))
    slip_mm = int(page.locator("#notice").get_attribute("data-slip-mm") or 0)
    assert 100 < slip_mm < 297  # as long as the slip's content, not a whole A4 length
    page.emulate_media(media="print")
    pdf = page.pdf(prefer_css_page_size=True)
    sizes = page_sizes(pdf)
    assert len(sizes) == 1  # one slip, cut once
    width, height = sizes[0]
    assert abs(width - MM80_POINTS) < 1 and abs(height - slip_mm / 25.4 * 72) < 1
    text = squeezed(pdf_text(pdf))
    assert squeezed("Resident identity card") in text and notice.display_code in text
    page.close()


def test_autoprint_prints_the_notice_once_and_the_button_prints_again(
    server: Daphne, types: dict[str, BusinessType], desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    version = publish_demo(types["A"])
    issue("A")
    notice = give_notice(desk, version, ["Resident identity card"])
    page = browser.new_page(locale="en-US", viewport=DESKTOP)
    stub_print(page)
    page.goto(f"{server.url}/n/{notice.code}/")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__printed") == 0  # only on request
    page.goto(f"{server.url}/n/{notice.code}/?print=80mm&autoprint=1")
    page.wait_for_function("window.__printed === 1")
    page.get_by_role("button", name="Print this notice").click()
    assert page.evaluate("window.__printed") == 2
    page.close()


def test_the_pages_work_under_a_strict_content_security_policy(
    server: Daphne, types: dict[str, BusinessType], desk: Desk, issue: Callable[..., Ticket], browser: Browser
) -> None:
    version = publish_demo(types["A"])
    ticket = issue("A")
    notice = give_notice(desk, version, ["Resident identity card"])
    page = browser.new_page(locale="en-US", viewport=PHONE)

    def with_csp(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    page.route(re.compile(r".*/(notices|n|t)/.*"), with_csp)
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));"
    )
    stub_print(page)
    for url in ["/notices/hall/", "/notices/hall/A/", f"/n/{notice.code}/", f"/t/{ticket.token}/"]:
        page.goto(f"{server.url}{url}")
        page.wait_for_load_state("load")
        assert page.evaluate("window.__violations") == [], url
    page.goto(f"{server.url}/notices/hall/A/")
    page.get_by_role("button", name="Print this checklist").click()  # its script ran
    assert page.evaluate("window.__printed") == 1
    page.close()


def test_an_unknown_notice_code_gets_a_friendly_404(server: Daphne, browser: Browser, db: object) -> None:
    page = browser.new_page(locale="en-US", viewport=PHONE)
    response = page.goto(f"{server.url}/n/ZZZZ-ZZZZ/")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Notice not found")
    page.close()


# --- The phone ticket page --------------------------------------------------------------


def test_the_phone_page_shows_the_notice_as_soon_as_the_desk_gives_it(
    server: Daphne, types: dict[str, BusinessType], desk: Desk, issue: Callable[..., Ticket], browser: Browser,
    screenshot_dir: Path,
) -> None:  # fmt: skip
    version = publish_demo(types["A"])
    ticket = issue("A", checklist_version=version.number)
    page = browser.new_page(locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/t/{ticket.token}/")
    box = page.locator("#phone-notice")
    expect(box).to_be_hidden()
    checklist = page.get_by_role("link", name="What to bring (checklist)")
    expect(checklist).to_have_attribute("href", "/notices/hall/A/?v=1")

    # The desk's device calls, starts and gives the notice, through the server; the socket tells the page.
    device = {"Authorization": f"Bearer {services.create_desk_token(desk=desk)}"}
    base = f"{server.url}/api/v1/sites/hall/desks/1"
    assert httpx.post(f"{base}/call-next/", headers=device).status_code == 200
    assert httpx.post(f"{base}/start/", headers=device).status_code == 200
    item = version.items.get(name_en="Household transfer application form")
    answer = httpx.post(f"{base}/notice/", headers=device, json={"items": [item.pk], "note": ""})
    assert answer.status_code == 201
    code = answer.json()["code"]

    expect(box).to_be_visible(timeout=15000)
    expect(box).to_contain_text(code)
    expect(box).to_contain_text("Missing-documents notice")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "phone-notice-en.png", full_page=True)
    box.click()
    expect(page.locator(".notice-code")).to_have_text(code)
    expect(page.locator(".notice-item")).to_contain_text("Household transfer application form")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=screenshot_dir / "notice-phone-en.png", full_page=True)

    # Still there after the visit ends and the page is opened again.
    assert httpx.post(f"{base}/complete/", headers=device).status_code == 200
    page.goto(f"{server.url}/t/{ticket.token}/")
    expect(page.locator("#phone-notice")).to_be_visible()
    expect(page.locator("#phone-notice")).to_contain_text(code)
    page.close()


def test_the_printed_ticket_names_the_checklist_address(
    server: Daphne, types: dict[str, BusinessType], issue: Callable[..., Ticket], browser: Browser
) -> None:
    publish_demo(types["B"], "B")
    ticket = issue("B")
    page = browser.new_page(locale="en-US", viewport={"width": 302, "height": 900})
    page.goto(f"{server.url}/t/{ticket.token}/print/")
    expect(page.locator(".slip-checklist-url")).to_have_text(f"{server.url}/notices/hall/B/?v=1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 302
    page.close()
