"""The kiosk's checklist (一次性告知) and the missing-documents notice code, in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from notices import services as notice_services
from notices.models import ChecklistVersion, Notice
from queueing import services
from queueing.models import BusinessType, Desk, Site, Ticket
from tests.conftest import make_desk, publish_checklist
from tests.e2e.clock import let_time_pass, open_with_time_stopped
from tests.servers import Daphne

Issue = Callable[..., Ticket]
PORTRAIT = {"width": 1080, "height": 1920}


def open_kiosk(
    browser: Browser, server: Daphne, *, locale: str = "en-US", query: str = "", time_stopped: bool = False
) -> Page:
    page = browser.new_page(locale=locale, viewport=PORTRAIT)
    if time_stopped:
        return open_with_time_stopped(page, f"{server.url}/kiosk/hall/{query}")
    page.goto(f"{server.url}/kiosk/hall/{query}")
    return page


def choose(page: Page, prefix: str) -> None:
    page.locator(f'button.type[data-prefix="{prefix}"]').click()
    expect(page.locator('[data-screen="confirm"]')).to_be_visible()


def give_notice(desk: Desk, actor: services.Actor, issue: Issue, version: ChecklistVersion) -> Notice:
    """A citizen of A reached the desk without two documents: the desk gives a notice."""
    issue("A", checklist_version=version.number)
    assert services.call_next(desk=desk, actor=actor) is not None
    services.start(desk=desk, actor=actor)
    missing = list(version.items.order_by("position").values_list("pk", flat=True)[:2])
    return notice_services.issue_notice(desk=desk, actor=actor, item_ids=missing, note="")


def type_on_keypad(page: Page, code: str) -> None:
    for char in code:
        page.locator(f'[data-screen="code"] [data-key="{char}"]').click()


def test_the_confirm_screen_shows_the_checklist_and_the_ticket_records_the_version_shown(
    server: Daphne, types: dict[str, BusinessType], browser: Browser, screenshot_dir: Path
) -> None:
    shown = publish_checklist(types["A"], ["居民身份证", "居民户口簿", "准予迁入证明"])
    page = open_kiosk(browser, server)
    choose(page, "A")
    summary = page.locator('[data-screen="confirm"] [data-checklist="summary"]')
    expect(summary.locator(".doc")).to_have_count(3)
    expect(summary.locator(".doc-name").nth(1)).to_have_text("居民户口簿 (en)")
    expect(summary.locator(".doc-form").first).to_have_text("original")
    expect(summary.locator('[data-checklist-list="conditions"] li')).to_have_text(["年满十六周岁", "本人到场"])
    expect(summary).not_to_contain_text("The full list of documents")
    page.screenshot(path=screenshot_dir / "kiosk-checklist-en.png")

    # A new version published while the citizen reads: the ticket keeps the one on the screen.
    publish_checklist(types["A"], ["居民身份证"])
    page.get_by_role("button", name="I have these — take a number").click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("A001")
    ticket = Ticket.objects.select_related("checklist_version").get()
    assert ticket.checklist_version is not None
    assert ticket.checklist_version.number == shown.number == 1
    page.close()


def test_show_me_what_to_bring_shows_the_full_list_and_a_qr_code_to_take_along(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    version = publish_checklist(types["A"], ["居民身份证", "居民户口簿"], steps="取号\n交材料", fees="免费")
    version.items.filter(name="居民户口簿").update(notes="原件", where="原户籍地派出所", copies=2, form="copy")
    page = open_kiosk(browser, server)
    choose(page, "A")
    page.get_by_role("button", name="Show me what to bring").click()
    bring = page.locator('[data-screen="bring"]')
    expect(bring).to_be_visible()
    expect(page.locator('[data-screen="confirm"]')).to_be_hidden()

    qr = bring.locator('img[data-field="qr"]')
    expect(qr).to_have_attribute("src", "/kiosk/hall/checklist/A/qr.svg?v=1")
    # (not wait_for_function: the page's CSP refuses the string it compiles)
    for _ in range(200):
        if page.evaluate("document.querySelector('[data-screen=bring] img.qr').naturalWidth") > 100:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("document.querySelector('[data-screen=bring] img.qr').naturalWidth") > 100
    expect(bring.locator('[data-field="address"]')).to_have_text(f"{server.url}/notices/hall/A/?v=1")
    second = bring.locator(".doc").nth(1)
    expect(second.locator(".doc-copies")).to_have_text("2 copies")
    expect(second.locator(".doc-form")).to_have_text("copy")
    expect(second.locator(".doc-where")).to_contain_text("原户籍地派出所")
    expect(bring.locator('[data-checklist-list="steps"] li')).to_have_text(["取号", "交材料"])
    expect(bring.locator('[data-checklist-text="fees"]')).to_have_text("免费")

    bring.locator('[data-action="bring-back"]').click()
    expect(page.locator('[data-screen="confirm"]')).to_be_visible()
    page.get_by_role("button", name="Show me what to bring").click()
    bring.get_by_role("button", name="Take a number anyway").click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("A001")
    ticket = Ticket.objects.select_related("checklist_version").get()
    assert ticket.checklist_version is not None and ticket.checklist_version.number == 1
    page.close()


def test_a_business_without_a_published_checklist_still_takes_a_number(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    publish_checklist(types["A"], ["居民身份证"])  # another business has one: B has none
    page = open_kiosk(browser, server)
    choose(page, "B")
    confirm = page.locator('[data-screen="confirm"]')
    expect(confirm.locator('[data-checklist-status="none"]')).to_be_visible()
    expect(confirm.get_by_role("button", name="Show me what to bring")).to_be_hidden()
    confirm.get_by_role("button", name="Confirm and print my ticket").click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("B001")
    assert Ticket.objects.get().checklist_version is None
    page.close()


def test_a_notice_code_typed_on_the_keypad_gives_a_priority_ticket(
    server: Daphne,
    desk: Desk,
    by_officer: services.Actor,
    issue: Issue,
    checklist: ChecklistVersion,
    browser: Browser,
    screenshot_dir: Path,
) -> None:
    notice = give_notice(desk, by_officer, issue, checklist)
    issue("A")  # someone already waits: the returning citizen goes first
    page = open_kiosk(browser, server)
    page.get_by_role("button", name="I have a missing-documents notice (补正告知书)").click()
    code_screen = page.locator('[data-screen="code"]')
    expect(code_screen).to_be_visible()
    expect(code_screen.locator("[data-key]")).to_have_count(29 + 2)  # the code's alphabet, delete and clear
    lookup = code_screen.get_by_role("button", name="Continue")
    expect(lookup).to_be_disabled()

    type_on_keypad(page, notice.code[:7] + "2")
    code_screen.locator('[data-key="delete"]').click()  # a slip of the finger, corrected
    type_on_keypad(page, notice.code[7])
    expect(code_screen.locator(".code-slot")).to_have_text(list(notice.code))
    page.screenshot(path=screenshot_dir / "kiosk-notice-code-en.png")
    lookup.click()

    found = page.locator('[data-screen="notice"]')
    expect(found).to_be_visible()
    expect(found.locator('[data-field="code"]')).to_have_text(notice.display_code)
    expect(found.locator('[data-field="name"]')).to_have_text("户口迁移")
    expect(found).to_contain_text("You get a priority number")
    expect(found.locator(".doc")).to_have_count(2)  # what the desk said was missing
    found.get_by_role("button", name="Take my priority number").click()

    ticket_screen = page.locator('[data-screen="ticket"]')
    expect(ticket_screen.locator('[data-field="number"]')).to_have_text("A003")
    expect(ticket_screen.locator('[data-field="priority"]')).to_be_visible()
    expect(ticket_screen.locator('[data-field="ahead"]')).to_have_text("0")
    returning = Ticket.objects.get(number="A003")
    assert returning.priority is True
    assert returning.priority_source == Ticket.PrioritySource.NOTICE
    assert returning.idempotency_key
    notice.refresh_from_db()
    assert notice.redeemed_ticket_id == returning.pk and notice.redeemed_at is not None
    expect(page.locator("iframe.print-frame")).to_have_attribute("src", f"/t/{returning.token}/print/?autoprint=1")
    page.close()


def test_a_scanner_typing_the_notice_address_gives_a_priority_ticket(
    server: Daphne,
    desk: Desk,
    by_officer: services.Actor,
    issue: Issue,
    checklist: ChecklistVersion,
    browser: Browser,
) -> None:
    notice = give_notice(desk, by_officer, issue, checklist)
    page = open_kiosk(browser, server)
    page.locator('[data-action="notice"]').click()
    expect(page.locator('[data-screen="code"]')).to_be_visible()
    # A scanner is a keyboard: it types the QR code's address, then Enter.
    page.keyboard.type(f"{server.url}/n/{notice.code}/", delay=5)
    page.keyboard.press("Enter")
    found = page.locator('[data-screen="notice"]')
    expect(found).to_be_visible()
    expect(found.locator('[data-field="code"]')).to_have_text(notice.display_code)
    found.locator('[data-action="notice-confirm"]').click()
    expect(page.locator('[data-screen="ticket"] [data-field="number"]')).to_have_text("A002")
    returning = Ticket.objects.get(number="A002")
    assert returning.priority_source == Ticket.PrioritySource.NOTICE
    notice.refresh_from_db()
    assert notice.redeemed_ticket_id == returning.pk
    page.close()


def test_a_notice_scanned_on_the_start_screen_opens_it(
    server: Daphne,
    desk: Desk,
    by_officer: services.Actor,
    issue: Issue,
    checklist: ChecklistVersion,
    browser: Browser,
) -> None:
    notice = give_notice(desk, by_officer, issue, checklist)
    page = open_kiosk(browser, server)
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    page.keyboard.type(notice.display_code.lower(), delay=5)  # the code alone, as printed, any case
    page.keyboard.press("Enter")
    expect(page.locator('[data-screen="notice"] [data-field="code"]')).to_have_text(notice.display_code)
    assert Ticket.objects.count() == 1  # nothing issued before the citizen confirms
    page.close()


def test_a_used_notice_code_shows_the_refusal_and_issues_nothing(
    server: Daphne,
    site: Site,
    desk: Desk,
    by_officer: services.Actor,
    issue: Issue,
    checklist: ChecklistVersion,
    browser: Browser,
) -> None:
    notice = give_notice(desk, by_officer, issue, checklist)
    issue("A", notice_code=notice.code)  # redeemed this morning
    tickets = Ticket.objects.count()
    page = open_kiosk(browser, server)
    page.locator('[data-action="notice"]').click()
    type_on_keypad(page, notice.code)
    page.get_by_role("button", name="Continue").click()
    error = page.locator('[data-screen="code"] [data-field="code_error"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("This notice was already used on")
    expect(page.locator('[data-screen="notice"]')).to_be_hidden()
    expect(page.locator('[data-screen="ticket"]')).to_be_hidden()
    assert Ticket.objects.count() == tickets
    page.close()


def test_an_unknown_code_and_another_sites_notice_are_explained(
    server: Daphne,
    site: Site,
    types: dict[str, BusinessType],
    by_officer: services.Actor,
    browser: Browser,
) -> None:
    other = Site.objects.create(slug="east", name="东城派出所", always_open=True)
    east_a = BusinessType.objects.create(site=other, prefix="A", name="户口迁移")
    east_desk = make_desk(other, 1, "A")
    version = publish_checklist(east_a, ["居民身份证"])
    services.issue_ticket(site=other, prefix="A", actor=services.Actor(kind="kiosk"))
    services.call_next(desk=east_desk, actor=by_officer)
    elsewhere = notice_services.issue_notice(
        desk=east_desk, actor=by_officer, item_ids=[version.items.get().pk], note=""
    )

    page = open_kiosk(browser, server)
    page.locator('[data-action="notice"]').click()
    type_on_keypad(page, "22222222")
    page.keyboard.press("Enter")
    error = page.locator('[data-screen="code"] [data-field="code_error"]')
    expect(error).to_have_text("This notice code is not known. Please check it, or ask at the information desk.")

    page.locator('[data-key="clear"]').click()
    expect(error).to_be_hidden()
    type_on_keypad(page, elsewhere.code)
    page.keyboard.press("Enter")
    expect(error).to_contain_text("another police station")
    assert not Ticket.objects.filter(site=site).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.redeemed_at is None
    page.close()


def test_the_code_screen_returns_to_the_start_after_idle(
    server: Daphne, types: dict[str, BusinessType], browser: Browser
) -> None:
    page = open_kiosk(browser, server, query="?idle=2", time_stopped=True)
    page.locator('[data-action="notice"]').click()
    type_on_keypad(page, "ABC")
    let_time_pass(page, 6100)  # the idle time, then the question's countdown
    expect(page.locator('[data-screen="start"]')).to_be_visible()
    # The next citizen starts with an empty code.
    page.locator('[data-action="notice"]').click()
    expect(page.locator('[data-screen="code"] .code-slot.is-filled')).to_have_count(0)
    page.close()
