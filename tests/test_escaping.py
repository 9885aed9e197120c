"""Free text from citizens and officers is shown escaped everywhere, and over-long text is refused.

Every free-text field (a rating's comment, a complaint, a checklist's notes, a
notice's note, an action's note) carries the same hostile text; every page that
shows it — public pages, supervision pages, the admin — must render it as text,
and the CSV export must not hand Excel a formula.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from notices import services as notice_services
from notices.models import ChecklistItem, ChecklistVersion, Notice
from queueing import services
from queueing.models import BusinessType, Desk, Event, Reason, Site
from supervision import services as supervision
from supervision.models import Complaint, FollowUpCase, Rating

SCRIPT = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
HOSTILE = f"{FORMULA} {SCRIPT}"
ESCAPED = "&lt;script&gt;alert("


@pytest.fixture
def hostile(
    types: dict[str, BusinessType], desk: Desk, by_officer: services.Actor, reason: Reason, site: Site
) -> dict[str, Any]:
    draft = notice_services.start_draft(business_type=types["A"])
    ChecklistItem.objects.create(version=draft, name="居民身份证", notes=HOSTILE, where=HOSTILE)
    ChecklistVersion.objects.filter(pk=draft.pk).update(notes=HOSTILE, conditions=HOSTILE)
    notice_services.publish(version=draft, user=None)
    ticket = services.issue_ticket(site=site, prefix="A", actor=services.Actor.system()).ticket
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    notice = notice_services.issue_notice(desk=desk, actor=by_officer, item_ids=[], note=HOSTILE)
    services.complete(desk=desk, actor=by_officer)
    services.pause_desk(desk=desk, reason_code="returned", note=HOSTILE, actor=by_officer)
    ticket.refresh_from_db()
    rating = supervision.rate_ticket(ticket=ticket, overall=1, channel="phone", comment=HOSTILE)
    complaint = supervision.submit_complaint(site=site, text=HOSTILE, contact_name=SCRIPT)
    return {"notice": notice, "rating": rating, "complaint": complaint, "ticket": ticket}


@pytest.fixture
def admin_client(site: Site) -> Client:
    user = User.objects.create_superuser("root", password="pw-Counter-123")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def pages(hostile: dict[str, Any]) -> list[str]:
    today = timezone.localdate()
    case = FollowUpCase.objects.get(rating=hostile["rating"])
    complaint: Complaint = hostile["complaint"]
    notice: Notice = hostile["notice"]
    rating: Rating = hostile["rating"]
    return [
        "/notices/hall/A/",
        f"/n/{notice.code}/",
        f"/supervision/hall/?start={today:%Y-%m-%d}&end={today:%Y-%m-%d}",
        f"/supervision/hall/cases/{case.pk}/",
        f"/supervision/hall/complaints/{complaint.pk}/",
        "/supervision/hall/complaints/",
        "/supervision/hall/audit/",
        f"/admin/supervision/complaint/{complaint.pk}/change/",
        f"/admin/supervision/rating/{rating.pk}/change/",
        f"/admin/notices/notice/{notice.pk}/change/",
        f"/admin/notices/checklistversion/{ChecklistVersion.objects.get().pk}/change/",
        f"/admin/queueing/event/{Event.objects.filter(kind=Event.Kind.DESK_PAUSED).get().pk}/change/",
    ]


def test_hostile_text_is_escaped_on_every_page(admin_client: Client, hostile: dict[str, Any]) -> None:
    for url in pages(hostile):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SCRIPT not in body, url
        assert ESCAPED in body, url


def test_the_api_returns_text_as_data(client: Client, hostile: dict[str, Any]) -> None:
    notice: Notice = hostile["notice"]
    body = client.get(f"/api/v1/notices/{notice.code}/")
    assert body["Content-Type"].startswith("application/json")
    assert json.loads(body.content)["note"] == HOSTILE  # JSON, not markup: the pages put it in as text


@pytest.mark.parametrize("table", ["complaints", "fairness_log"])
def test_the_csv_neutralises_formulas(admin_client: Client, hostile: dict[str, Any], table: str) -> None:
    today = timezone.localdate()
    response = admin_client.get(f"/supervision/hall/export/{table}.csv?start={today:%Y-%m-%d}&end={today:%Y-%m-%d}")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    hostile_cells = [cell for cell in cells if "HYPERLINK" in cell]
    assert hostile_cells, cells
    assert all(cell.startswith("'=") for cell in hostile_cells), hostile_cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_over_long_text_is_refused_and_nothing_is_saved(
    client: Client, hostile: dict[str, Any], desk: Desk, issue: Any, by_officer: services.Actor
) -> None:
    complaints = Complaint.objects.count()
    response = client.post("/complaints/hall/", {"text": "长" * 2001}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400  # the form again, with its error
    assert Complaint.objects.count() == complaints

    ticket = issue("A")
    services.resume_desk(desk=desk, actor=by_officer)
    services.call_next(desk=desk, actor=by_officer)
    services.start(desk=desk, actor=by_officer)
    services.complete(desk=desk, actor=by_officer)
    refused = client.post(
        f"/api/v1/tickets/{ticket.token}/rating/",
        json.dumps({"overall": 5, "comment": "长" * 501}),
        content_type="application/json",
    )
    assert refused.status_code in (400, 422)
    assert set(refused.json()) == {"error"}
    assert not Rating.objects.filter(ticket=ticket).exists()
