"""The citizens' pages, rendered by the Django test client: kiosk, printed ticket, phone page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from queueing import services
from queueing.models import BusinessType, Desk, Site, Ticket
from queueing.views.citizen import IDLE_SECONDS, idle_seconds
from tests.conftest import publish_checklist


@pytest.fixture
def zh(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    return client


@pytest.fixture
def en(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US"
    return client


def test_kiosk_lists_active_types_in_the_sites_order_with_waiting_counts(
    zh: Client, types: dict[str, BusinessType], issue: Callable[..., Ticket]
) -> None:
    BusinessType.objects.filter(pk=types["A"].pk).update(position=5)  # A now comes last
    BusinessType.objects.create(site=types["A"].site, prefix="D", name="居住证", active=False, position=1)
    issue("B")
    issue("B")
    response = zh.get("/kiosk/hall/")
    assert response.status_code == 200
    html = response.content.decode()
    prefixes = re.findall(r'class="type[^"]*" data-prefix="([A-Z])"', html)
    assert prefixes == ["B", "C", "A"]  # D is inactive
    b_button = html[html.index('data-prefix="B"') : html.index('data-prefix="C"')]
    assert "居民身份证" in b_button
    assert '<b class="type-waiting">2</b>' in b_button
    assert 'data-idle-seconds="30"' in html


def test_kiosk_shows_why_a_type_cannot_be_had_and_disables_it(
    en: Client, types: dict[str, BusinessType], issue: Callable[..., Ticket]
) -> None:
    issue("C")
    BusinessType.objects.filter(pk=types["C"].pk).update(daily_cap=1)
    html = en.get("/kiosk/hall/").content.decode()
    c_button = html[html.index('data-prefix="C"') :]
    assert "disabled" in c_button[: c_button.index(">")]
    assert "all taken" in c_button


def test_kiosk_of_an_unknown_site_is_404(client: Client, site: Site) -> None:
    assert client.get("/kiosk/nowhere/").status_code == 404


def test_kiosk_only_accepts_get(client: Client, site: Site) -> None:
    assert client.post("/kiosk/hall/").status_code == 405


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, IDLE_SECONDS),
        ("2", 2),
        ("600", 600),
        ("0", IDLE_SECONDS),
        ("601", IDLE_SECONDS),
        ("-3", IDLE_SECONDS),
        ("abc", IDLE_SECONDS),
        ("", IDLE_SECONDS),
        ("١٢", IDLE_SECONDS),
    ],
)
def test_idle_timeout_from_the_query_is_validated(value: str | None, expected: int) -> None:
    assert idle_seconds(value) == expected


def test_kiosk_takes_a_shorter_idle_timeout_from_the_query(client: Client, site: Site) -> None:
    assert 'data-idle-seconds="2"' in client.get("/kiosk/hall/?idle=2").content.decode()
    assert 'data-idle-seconds="30"' in client.get("/kiosk/hall/?idle=%3Cscript%3E").content.decode()


def test_kiosk_page_has_no_inline_script_or_style(client: Client, types: dict[str, BusinessType]) -> None:
    html = client.get("/kiosk/hall/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\s(on[a-z]+|style)=", html)


def test_print_page_has_number_site_time_and_a_qr_code(
    client: Client, site: Site, issue: Callable[..., Ticket]
) -> None:
    issue("A")
    ticket = issue("A")
    response = client.get(f"/t/{ticket.token}/print/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A002" in html
    assert "城关派出所" in html
    assert "<svg" in html
    assert f"http://testserver/t/{ticket.token}/" in html  # the phone URL, in small print
    assert site.local(ticket.issued_at).strftime("%Y-%m-%d %H:%M") in html
    assert 'data-autoprint="0"' in html
    # The kiosk loads it in an iframe of its own origin.
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_print_page_prints_itself_only_when_asked(client: Client, issue: Callable[..., Ticket]) -> None:
    ticket = issue("A")
    assert 'data-autoprint="1"' in client.get(f"/t/{ticket.token}/print/?autoprint=1").content.decode()
    assert 'data-autoprint="0"' in client.get(f"/t/{ticket.token}/print/?autoprint=yes").content.decode()


def test_print_page_of_an_unknown_token_is_404(client: Client, site: Site) -> None:
    assert client.get("/t/no-such-token/print/").status_code == 404


def test_phone_page_shows_number_and_people_ahead(en: Client, issue: Callable[..., Ticket]) -> None:
    issue("A")
    issue("A")
    ticket = issue("A")
    response = en.get(f"/t/{ticket.token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="phone-number" data-field="number">A003</p>' in html
    assert '<dd data-field="ahead">2</dd>' in html
    assert "户口迁移" in html
    assert "Cancel my ticket" in html


def test_phone_page_of_a_called_ticket_says_where_to_go(en: Client, desk: Desk, issue: Callable[..., Ticket]) -> None:
    ticket = issue("A")
    services.call_next(desk=desk, actor=services.Actor.system())
    html = en.get(f"/t/{ticket.token}/").content.decode()
    assert "Please go to Desk 1" in html
    # The cancel button only shows while the ticket waits.
    assert re.search(r'class="phone-actions" data-when="waiting"\s+hidden', html)


def test_phone_page_of_an_unknown_token_is_a_friendly_404(en: Client, site: Site) -> None:
    response = en.get("/t/no-such-token/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Ticket not found" in html
    assert "information desk" in html
    assert "Traceback" not in html


def test_pages_of_one_ticket_never_show_another_tickets_token(client: Client, issue: Callable[..., Ticket]) -> None:
    mine = issue("A")
    other = issue("A")
    for url in (f"/t/{mine.token}/", f"/t/{mine.token}/print/"):
        html = client.get(url).content.decode()
        assert mine.token in html
        assert other.token not in html
        assert other.number not in html
    # Nor does the kiosk show any token at all.
    kiosk = client.get("/kiosk/hall/").content.decode()
    assert mine.token not in kiosk
    assert other.token not in kiosk


def test_phone_page_hands_its_script_translated_templates_with_placeholders(
    client: Client, issue: Callable[..., Ticket]
) -> None:
    ticket = issue("A")
    en = client.get(f"/t/{ticket.token}/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert 'data-go-to-template="Please go to %(desk)s"' in en
    assert 'data-desk-template="Desk %(number)s"' in en
    assert 'data-wait-template="about %(minutes)s min"' in en
    # The Chinese page gets the catalogue's text for the same msgid, placeholder intact.
    zh = client.get(f"/t/{ticket.token}/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    desk_template = re.search(r'data-desk-template="([^"]*)"', zh)
    assert desk_template is not None
    assert "%(number)s" in desk_template.group(1)
    assert desk_template.group(1) != "Desk %(number)s"


# --- The kiosk's checklist QR code and notice keypad ---------------------------------


def test_kiosk_offers_a_keypad_of_the_notice_codes_characters_only(en: Client, types: dict[str, BusinessType]) -> None:
    html = en.get("/kiosk/hall/").content.decode()
    keys = re.findall(r'data-key="([^"]+)"', html)
    assert keys == [*"23456789ABCDEFGHJKMNPQRSTWXYZ", "delete", "clear"]  # no 0/O, 1/I/L, U/V
    assert html.count('class="code-slot"') == 8
    assert 'data-checklist-url="/api/v1/sites/hall/business-types/PREFIX/checklist/"' in html
    assert 'data-checklist-qr-url="/kiosk/hall/checklist/PREFIX/qr.svg"' in html
    assert "I have a missing-documents notice" in html


def test_checklist_qr_code_encodes_the_address_of_the_version_shown(
    client: Client, types: dict[str, BusinessType]
) -> None:
    publish_checklist(types["A"], ["居民身份证"])
    publish_checklist(types["A"], ["居民身份证", "居民户口簿"])
    response = client.get("/kiosk/hall/checklist/a/qr.svg?v=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in svg
    assert "public" in response["Cache-Control"]
    # A different version is a different code.
    assert client.get("/kiosk/hall/checklist/A/qr.svg?v=2").content.decode() != svg


@pytest.mark.parametrize(
    "path",
    [
        "/kiosk/hall/checklist/A/qr.svg",  # no version
        "/kiosk/hall/checklist/A/qr.svg?v=3",  # not published
        "/kiosk/hall/checklist/A/qr.svg?v=x",
        "/kiosk/hall/checklist/B/qr.svg?v=1",  # no checklist for B
        "/kiosk/hall/checklist/Q/qr.svg?v=1",  # no such business
        "/kiosk/east/checklist/A/qr.svg?v=1",  # no such site
    ],
)
def test_checklist_qr_code_of_nothing_published_is_404(
    client: Client, types: dict[str, BusinessType], path: str
) -> None:
    publish_checklist(types["A"], ["居民身份证"])
    assert client.get(path).status_code == 404


def test_the_favicon_is_served_and_every_page_names_it(client: Client, site: Site) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "max-age=604800" in icon["Cache-Control"]
    page = client.get(f"/kiosk/{site.slug}/")
    assert b'rel="icon"' in page.content and b"counter/favicon.svg" in page.content
