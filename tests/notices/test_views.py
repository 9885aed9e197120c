"""The public checklist pages, the staff preview and a citizen's notice page, through the Django test client."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from notices import services as notice_services
from notices.models import ChecklistItem, ChecklistVersion, Notice
from queueing import services
from queueing.models import BusinessType, Desk, Ticket
from tests.conftest import publish_checklist

Issue = Callable[..., Ticket]
PROMISE = "手续齐全的当场办理；手续不全的一次性告知，确保两次完成"


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def zh(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    return client


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def give_notice(
    desk: Desk, actor: services.Actor, version: ChecklistVersion, names: list[str], note: str = ""
) -> Notice:
    """Desk `desk` serves the next ticket and notes `names` (of `version`) as missing."""
    assert services.call_next(desk=desk, actor=actor) is not None
    services.start(desk=desk, actor=actor)
    ids = list(version.items.filter(name__in=names).values_list("pk", flat=True))
    return notice_services.issue_notice(desk=desk, actor=actor, item_ids=ids, note=note)


def assert_no_inline_code(html: str) -> None:
    """Pages run under a Content-Security-Policy without unsafe-inline."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


# --- Index ---------------------------------------------------------------------


def test_index_lists_only_the_types_with_a_published_checklist(
    zh: Client, types: dict[str, BusinessType], checklist: ChecklistVersion
) -> None:
    notice_services.start_draft(business_type=types["B"])  # a draft alone is not public
    html = page(zh, "/notices/hall/")
    assert 'href="/notices/hall/A/"' in html
    assert "户口迁移" in html
    assert "/notices/hall/B/" not in html and "/notices/hall/C/" not in html


def test_index_says_so_when_nothing_is_published(en: Client, types: dict[str, BusinessType]) -> None:
    html = page(en, "/notices/hall/")
    assert "No checklists are published here yet" in html


def test_index_of_an_unknown_site_is_404(client: Client, types: dict[str, BusinessType]) -> None:
    page(client, "/notices/nowhere/", 404)


# --- Checklist ---------------------------------------------------------------------


def test_checklist_page_shows_the_documents_conditions_and_version(zh: Client, checklist: ChecklistVersion) -> None:
    html = page(zh, "/notices/hall/A/")
    for name in ["居民身份证", "居民户口簿", "准予迁入证明"]:
        assert name in html
    assert "年满十六周岁" in html and "本人到场" in html  # the conditions, one a line
    assert 'data-version="1"' in html and 'data-current="1"' in html
    assert 'data-banner="older"' not in html and 'data-banner="draft"' not in html
    assert "<svg" in html  # the QR code of the page
    assert "http://testserver/notices/hall/A/" in html
    assert PROMISE in html
    assert_no_inline_code(html)


def test_checklist_page_speaks_english_with_the_english_texts(en: Client, types: dict[str, BusinessType]) -> None:
    publish_checklist(
        types["A"],
        ["居民身份证"],
        conditions_en="Aged 16 or over",
        fees="免费",
        fees_en="Free",
        time_limit="当场办结",
        time_limit_en="Same day",
    )
    html = page(en, "/notices/hall/A/")
    assert "居民身份证 (en)" in html
    assert "Aged 16 or over" in html and "年满十六周岁" not in html
    assert "Free" in html and "Same day" in html
    assert "Version 1" in html
    assert "Print this checklist" in html


def test_checklist_groups_documents_by_situation_with_form_copies_notes_and_where(
    en: Client, types: dict[str, BusinessType]
) -> None:
    draft = notice_services.start_draft(business_type=types["C"])
    ChecklistItem.objects.create(version=draft, position=0, name="出生医学证明", name_en="Birth certificate")
    ChecklistItem.objects.create(
        version=draft,
        position=1,
        group="非婚生育",
        group_en="Parents not married",
        name="亲子鉴定",
        name_en="DNA test report",
        form=ChecklistItem.Form.COPY,
        copies=2,
        notes_en="From an accredited lab",
        where_en="Any accredited lab",
    )
    notice_services.publish(version=draft, user=None)
    html = page(en, "/notices/hall/C/")
    everyone, situation = html.index("Everyone"), html.index("Parents not married")
    assert everyone < html.index("Birth certificate") < situation < html.index("DNA test report")
    dna = html[html.index("DNA test report") :]
    assert "copy" in dna and "2 copies" in dna
    assert "From an accredited lab" in dna and "Any accredited lab" in dna


def test_an_older_version_says_so_and_links_to_the_current_one(
    en: Client, types: dict[str, BusinessType], checklist: ChecklistVersion
) -> None:
    publish_checklist(types["A"], ["居民身份证", "结婚证"])
    old = page(en, "/notices/hall/A/?v=1")
    assert 'data-banner="older"' in old and "older version" in old
    assert 'href="/notices/hall/A/"' in old
    assert "准予迁入证明" in old and "结婚证" not in old  # version 1's documents
    current = page(en, "/notices/hall/A/?v=2")
    assert 'data-banner="older"' not in current and "结婚证" in current
    assert 'data-banner="older"' not in page(en, "/notices/hall/A/")


@pytest.mark.parametrize("query", ["?v=abc", "?v=9", "?v=0", "?v=-1", "?v=%D9%A1", "?v="])
def test_a_malformed_or_unknown_version_is_404(client: Client, checklist: ChecklistVersion, query: str) -> None:
    page(client, f"/notices/hall/A/{query}", 404)


@pytest.mark.parametrize("url", ["/notices/nowhere/A/", "/notices/hall/Z/", "/notices/hall/B/", "/notices/hall/AB/"])
def test_an_unknown_site_type_or_unpublished_checklist_is_404(
    client: Client, checklist: ChecklistVersion, url: str
) -> None:
    page(client, url, 404)


def test_the_prefix_may_be_lower_case(client: Client, checklist: ChecklistVersion) -> None:
    assert "居民户口簿" in page(client, "/notices/hall/a/")


# --- Staff preview of a draft ---------------------------------------------------------


@pytest.fixture
def draft(checklist: ChecklistVersion) -> ChecklistVersion:
    version = notice_services.start_draft(business_type=checklist.business_type)
    ChecklistItem.objects.create(version=version, position=9, name="新增材料")
    return version


def test_preview_sends_anonymous_visitors_to_sign_in(client: Client, draft: ChecklistVersion) -> None:
    response = client.get(f"/notices/preview/{draft.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_preview_is_refused_to_an_officer_without_the_permission(
    client: Client, draft: ChecklistVersion, officer: User
) -> None:
    client.force_login(officer)
    html = page(client, f"/notices/preview/{draft.pk}/", 403)
    assert "新增材料" not in html


def test_preview_shows_a_draft_under_a_draft_banner(en: Client, draft: ChecklistVersion) -> None:
    en.force_login(User.objects.create_superuser("root", password="pw-Counter-123"))
    html = page(en, f"/notices/preview/{draft.pk}/")
    assert 'data-banner="draft"' in html and "DRAFT PREVIEW — not published" in html
    assert 'data-preview="1"' in html
    assert "新增材料" in html
    assert "Version" not in html.split('data-field="version"')[1][:40]  # a draft has no number yet


def test_preview_of_a_published_version_has_no_draft_banner(en: Client, checklist: ChecklistVersion) -> None:
    en.force_login(User.objects.create_superuser("root", password="pw-Counter-123"))
    html = page(en, f"/notices/preview/{checklist.pk}/")
    assert 'data-banner="draft"' not in html and 'data-version="1"' in html


def test_preview_of_an_unknown_version_is_404(client: Client, checklist: ChecklistVersion) -> None:
    client.force_login(User.objects.create_superuser("root", password="pw-Counter-123"))
    page(client, "/notices/preview/999999/", 404)


# --- A citizen's notice -------------------------------------------------------------


@pytest.fixture
def notice(issue: Issue, desk: Desk, by_officer: services.Actor, checklist: ChecklistVersion) -> Notice:
    issue("A")
    return give_notice(desk, by_officer, checklist, ["居民户口簿", "准予迁入证明"], note="户主签字的同意书")


def test_notice_page_shows_the_missing_items_code_and_promise(zh: Client, notice: Notice) -> None:
    html = page(zh, f"/n/{notice.code}/")
    assert "补正材料一次性告知书" in html
    assert "城关派出所" in html and "户口迁移" in html
    assert "居民户口簿" in html and "准予迁入证明" in html
    assert "居民身份证" not in html  # not missing: not listed
    assert "户主签字的同意书" in html  # the officer's note
    assert notice.display_code in html and f'data-code="{notice.code}"' in html
    assert "A001" in html
    assert f"http://testserver/n/{notice.code}/" in html and "<svg" in html
    assert PROMISE in html
    assert 'data-state="valid"' in html and "data-banner=" not in html
    assert_no_inline_code(html)


def test_notice_page_in_english_names_items_desk_and_validity(en: Client, notice: Notice) -> None:
    html = page(en, f"/n/{notice.code}/")
    assert "Missing-documents notice" in html
    assert "居民户口簿 (en)" in html and "准予迁入证明 (en)" in html
    assert "Desk 1" in html
    expires = notice.expires_at.astimezone(ZoneInfo(notice.site.time_zone))
    valid = html[html.index("Valid until") :]
    assert valid[: valid.index("</time>")].endswith(f"{expires:%Y-%m-%d %H:%M}")
    assert "Bring these and you will be served with priority on your next visit" in html
    assert 'href="/notices/hall/A/?v=1"' in html  # the whole checklist it was written against


def test_notice_page_shows_no_personal_data_of_anyone(zh: Client, notice: Notice, officer: User) -> None:
    html = page(zh, f"/n/{notice.code}/")
    assert officer.username not in html


def test_the_code_is_found_however_it_is_typed(client: Client, notice: Notice) -> None:
    messy = f"{notice.code[:4].lower()}-{notice.code[4:].lower()}"
    assert notice.display_code in page(client, f"/n/{messy}/")


def test_an_unknown_code_gets_a_friendly_404(en: Client, notice: Notice) -> None:
    html = page(en, "/n/ZZZZZZZZ/", 404)
    assert "Notice not found" in html and "ZZZZ" not in html.split("<main>")[1]


def test_a_used_notice_says_it_was_used(en: Client, notice: Notice) -> None:
    services.issue_ticket(site=notice.site, prefix="A", actor=services.Actor(kind="kiosk"), notice_code=notice.code)
    html = page(en, f"/n/{notice.code}/")
    assert 'data-state="used"' in html and 'data-banner="used"' in html
    assert "This notice has been used" in html


def test_an_expired_notice_says_it_expired(en: Client, notice: Notice) -> None:
    Notice.objects.filter(pk=notice.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    html = page(en, f"/n/{notice.code}/")
    assert 'data-state="expired"' in html and 'data-banner="expired"' in html
    assert "This notice expired" in html


def test_the_notice_prints_on_a4_by_default_and_on_an_80mm_slip_on_request(client: Client, notice: Notice) -> None:
    a4 = page(client, f"/n/{notice.code}/")
    assert 'data-layout="a4"' in a4 and "notice-page-a4" in a4 and 'data-autoprint="0"' in a4
    slip = page(client, f"/n/{notice.code}/?print=80mm&autoprint=1")
    assert 'data-layout="80mm"' in slip and "notice-page-80mm" in slip and 'data-autoprint="1"' in slip
    assert "居民户口簿" in slip and notice.display_code in slip
    assert 'data-layout="a4"' in page(client, f"/n/{notice.code}/?print=letter")


# --- Links from the ticket -------------------------------------------------------------


def test_the_phone_page_links_to_the_checklist_and_shows_no_notice_yet(
    en: Client, checklist: ChecklistVersion, issue: Issue
) -> None:
    ticket = issue("A")
    html = page(en, f"/t/{ticket.token}/")
    assert 'id="phone-checklist" href="/notices/hall/A/?v=1"' in html
    assert "What to bring (checklist)" in html
    box = html[html.index('id="phone-notice"') :]
    assert box[: box.index(">")].rstrip().endswith("hidden")


def test_the_phone_page_shows_the_notice_given_at_the_desk(en: Client, notice: Notice) -> None:
    html = page(en, f"/t/{notice.ticket.token}/")
    box = html[html.index('id="phone-notice"') :]
    assert f'href="/n/{notice.code}/"' in box[: box.index(">")]
    assert "hidden" not in box[: box.index(">")]
    assert notice.display_code in box and "Missing-documents notice" in box


def test_the_printed_ticket_gives_the_checklist_address(en: Client, checklist: ChecklistVersion, issue: Issue) -> None:
    ticket = issue("A")
    html = page(en, f"/t/{ticket.token}/print/")
    assert "http://testserver/notices/hall/A/?v=1" in html
