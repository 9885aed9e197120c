"""Ceilings on the SQL statements of the two hot writes, so that a change cannot quietly add reads.

Counted through the API as a kiosk and a desk device use it (the test's own transaction adds a
SAVEPOINT and its RELEASE to each write). The broadcast runs after the commit, off the request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from queueing import services
from queueing.models import Desk, Site, Ticket

Issue = Callable[..., Ticket]


def issue_request(client: Client, key: str, prefix: str = "A") -> Any:
    return client.post(
        "/api/v1/sites/hall/tickets/",
        data=json.dumps({"business_type": prefix}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def device(desk: Desk) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {services.create_desk_token(desk=desk)}"}


def test_issuing_a_ticket_takes_seven_statements(
    client: Client, desk: Desk, issue: Issue, django_assert_max_num_queries: Any
) -> None:
    issue("A")
    # The site, the key's pre-check, the type and its checklist in one read; then locked: the site's
    # lock and new version in one UPDATE, one read of the number, queue, desks and key, the ticket, its event.
    with django_assert_max_num_queries(7):
        response = issue_request(client, "kiosk-1")
    assert response.status_code == 201
    assert response.json()["number"] == "A002"


def test_a_retried_issue_takes_four_statements_and_changes_nothing(
    client: Client, site: Site, desk: Desk, django_assert_max_num_queries: Any
) -> None:
    first = issue_request(client, "kiosk-1").json()
    version = Site.objects.get(pk=site.pk).version
    with django_assert_max_num_queries(4):
        again = issue_request(client, "kiosk-1")
    assert again.json()["token"] == first["token"]
    assert Site.objects.get(pk=site.pk).version == version


def test_call_next_takes_at_most_fourteen_statements(
    client: Client, desk: Desk, issue: Issue, device: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    issue("A")
    issue("B")
    url = "/api/v1/sites/hall/desks/1/call-next/"
    with django_assert_max_num_queries(12):  # the hand is empty
        assert client.post(url, **device).json()["ticket"]["number"] == "A001"
    with django_assert_max_num_queries(14):  # the called ticket becomes a no-show first
        assert client.post(url, **device).json()["ticket"]["number"] == "B001"


def test_a_call_next_that_finds_nothing_leaves_the_version_as_it_was(
    client: Client, site: Site, desk: Desk, device: dict[str, str]
) -> None:
    version = Site.objects.get(pk=site.pk).version
    response = client.post("/api/v1/sites/hall/desks/1/call-next/", **device)
    assert response.status_code == 200
    assert response.json()["ticket"] is None
    assert Site.objects.get(pk=site.pk).version == version
