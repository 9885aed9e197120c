"""The rating endpoints (phone token and tablet handle) and the supervision API's permissions."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client

from queueing import services
from queueing.models import Desk, Site, Ticket
from supervision import broadcast
from supervision.models import FollowUpCase, Rating
from tests.conftest import make_staff
from tests.supervision.test_services import Issue, served

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(issue: Issue, desk: Desk, by_officer: services.Actor) -> Ticket:
    return served(issue, desk, by_officer)


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def test_the_phone_rates_a_done_ticket_once(client: Client, done: Ticket) -> None:
    url = f"/api/v1/tickets/{done.token}/rating/"
    assert client.get(url).json() == {
        "number": done.number,
        "rated": False,
        "can_rate": True,
        "overall": None,
        "follow_up": False,
    }
    answer = post(client, url, {"overall": 2, "attitude": 1, "reason": "attitude", "phone": "13800138000"})
    assert answer.status_code == 201, answer.content
    assert answer.json()["follow_up"] is True
    assert "13800138000" not in answer.content.decode()
    again = post(client, url, {"overall": 5})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_rated"
    assert Rating.objects.get().overall == 2
    assert FollowUpCase.objects.count() == 1
    status = client.get(url).json()
    assert (status["rated"], status["can_rate"]) == (True, False)
    assert "13800138000" not in client.get(url).content.decode()


def test_a_waiting_ticket_cannot_be_rated(client: Client, issue: Issue) -> None:
    ticket = issue("A")
    answer = post(client, f"/api/v1/tickets/{ticket.token}/rating/", {"overall": 5})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invalid_transition"
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        # The document says what a rating is (a level 1–5, a call-back number's digits): the schema refuses the rest.
        ({"overall": 7}, 422),
        ({}, 422),
        ({"overall": "very"}, 422),
        ({"overall": "5"}, 422),
        ({"overall": True}, 422),
        ({"overall": 3, "comment": "x" * 700}, 422),
        ({"overall": 1, "phone": "abc"}, 422),
        ({"overall": 1, "phone": "12345"}, 422),
        ({"overall": 1, "reason": "made-up"}, 422),
        ("not json", 400),
    ],
)
def test_bad_ratings_are_refused_in_the_error_shape(client: Client, done: Ticket, body: Any, status: int) -> None:
    answer = post(client, f"/api/v1/tickets/{done.token}/rating/", body)
    assert answer.status_code == status, answer.content
    error = answer.json()["error"]
    assert set(error) >= {"code", "message"} and error["message"]
    assert not Rating.objects.exists()


def test_an_unknown_token_is_404(client: Client, db: Any) -> None:
    answer = post(client, "/api/v1/tickets/nope/rating/", {"overall": 5})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found")


def test_the_tablet_rates_with_its_handle(client: Client, done: Ticket) -> None:
    handle = broadcast.rating_handle(done)
    assert done.token not in handle
    answer = post(client, f"/api/v1/ratings/{handle}/", {"overall": 5, "efficiency": 5})
    assert answer.status_code == 201
    assert Rating.objects.get().channel == "tablet"
    assert post(client, f"/api/v1/ratings/{handle}/", {"overall": 5}).json()["error"]["code"] == "already_rated"


def test_a_forged_or_stale_handle_is_refused(client: Client, done: Ticket) -> None:
    forged = broadcast.rating_handle(done)[:-3] + "abc"
    assert post(client, f"/api/v1/ratings/{forged}/", {"overall": 5}).status_code == 404
    with mock.patch("django.core.signing.time.time", return_value=time.time() - broadcast.HANDLE_MAX_AGE - 5):
        stale = broadcast.rating_handle(done)
    answer = post(client, f"/api/v1/ratings/{stale}/", {"overall": 5})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "rating_expired")
    assert not Rating.objects.exists()


# --- Today at a glance: who may read it -------------------------------------------------------


@pytest.fixture
def other_site(db: Any) -> Site:
    return Site.objects.create(slug="east", name="东关派出所", always_open=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("officer", 403), ("other_supervisor", 403), ("supervisor", 200), ("superuser", 200)],
)
def test_only_the_sites_supervisors_read_today(
    client: Client, site: Site, other_site: Site, officer: User, supervisor: User, who: str, status: int
) -> None:
    users = {
        "officer": officer,
        "supervisor": supervisor,
        "other_supervisor": make_staff("boss2", other_site, "supervisor"),
        "superuser": User.objects.create_superuser("root", password="x"),
    }
    if who in users:
        client.force_login(users[who])
    answer = client.get("/api/v1/sites/hall/supervision/today/")
    assert answer.status_code == status, answer.content
    if status != 200:
        assert answer.json()["error"]["code"] == {401: "unauthenticated", 403: "forbidden"}[status]


def test_today_counts_waiting_served_and_no_shows(
    client: Client, supervisor: User, issue: Issue, desk: Desk, by_officer: services.Actor
) -> None:
    served(issue, desk, by_officer)
    issue("A")
    services.call_next(desk=desk, actor=by_officer)
    services.no_show(desk=desk, actor=by_officer)
    issue("B")
    issue("B")
    client.force_login(supervisor)
    today = client.get("/api/v1/sites/hall/supervision/today/").json()
    assert (today["served"], today["no_shows"], today["waiting_total"], today["issued"]) == (1, 1, 2, 4)
    assert {row["prefix"]: row["waiting"] for row in today["waiting"]}["B"] == 2
    assert today["longest_wait_number"] == "B001"
    assert today["desks_open"] == 1
