"""Who may do what: every endpoint and page against every role, with the status each must get.

Roles: anonymous (the kiosk and the phone are anonymous too), the device token
of desk 1 of site A, an officer, a supervisor of site A, an officer of site B,
an administrator (superuser, no site), and the token of a revoked desk device.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from queueing import services
from queueing.models import BusinessType, Desk, DeskToken, Site
from queueing.roles import SUPERVISOR
from tests.conftest import make_desk, make_staff

ROLES = ["anonymous", "device_a", "officer_a", "supervisor_a", "officer_b", "admin", "revoked"]


@pytest.fixture
def hall(site: Site, desk: Desk, types: dict[str, BusinessType]) -> dict[str, Any]:
    other = Site.objects.create(slug="other", name="别的派出所", always_open=True)
    BusinessType.objects.create(site=other, prefix="A", name="户口迁移")
    make_desk(other, 7, "A")
    token = services.create_desk_token(desk=desk)
    revoked = services.create_desk_token(desk=desk)
    services.revoke_desk_tokens(tokens=DeskToken.objects.exclude(pk=DeskToken.objects.order_by("pk").first().pk))
    ticket = services.issue_ticket(site=site, prefix="A", actor=services.Actor.system()).ticket
    return {
        "token": token,
        "revoked": revoked,
        "ticket": ticket,
        "users": {
            "officer_a": make_staff("officer_a", site),
            "supervisor_a": make_staff("supervisor_a", site, SUPERVISOR),
            "officer_b": make_staff("officer_b", other),
            "admin": User.objects.create_superuser("root", password="pw-Counter-123"),
        },
    }


def client_for(role: str, hall: dict[str, Any]) -> tuple[Client, dict[str, str]]:
    client = Client()
    headers: dict[str, str] = {}
    if role in hall["users"]:
        client.force_login(hall["users"][role])
    elif role == "device_a":
        headers["Authorization"] = f"Bearer {hall['token']}"
    elif role == "revoked":
        headers["Authorization"] = f"Bearer {hall['revoked']}"
    return client, headers


#             anonymous  device_a  officer_a  supervisor_a  officer_b  admin  revoked
API = {
    ("GET", "/api/v1/sites/hall/snapshot/"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/sites/hall/business-types/"): (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/sites/hall/desks/1/"): (401, 200, 200, 200, 403, 200, 401),
    ("POST", "/api/v1/sites/hall/desks/1/call-next/"): (401, 200, 200, 200, 403, 200, 401),
    # Another site's desk: the device of site A, and the officers of site A, are refused.
    ("GET", "/api/v1/sites/other/desks/7/"): (401, 403, 403, 403, 200, 200, 401),
    ("POST", "/api/v1/sites/other/desks/7/call-next/"): (401, 403, 403, 403, 200, 200, 401),
    ("GET", "/api/v1/sites/hall/supervision/today/"): (401, 401, 403, 200, 403, 200, 401),
    ("GET", "/api/v1/sites/other/supervision/today/"): (401, 401, 403, 403, 403, 200, 401),
}
PAGES = {
    "/kiosk/hall/": (200, 200, 200, 200, 200, 200, 200),
    "/display/hall/": (200, 200, 200, 200, 200, 200, 200),
    "/notices/hall/": (200, 200, 200, 200, 200, 200, 200),
    "/desk/1/": (302, 302, 200, 200, 404, 200, 302),
    "/supervision/hall/": (302, 302, 403, 200, 403, 200, 302),
    "/supervision/hall/audit/": (302, 302, 403, 200, 403, 200, 302),
    "/supervision/other/": (302, 302, 403, 403, 403, 200, 302),
    "/admin/": (302, 302, 302, 302, 302, 200, 302),
}


@pytest.mark.parametrize(("method", "path"), list(API))
def test_the_api_answers_each_role_as_the_table_says(method: str, path: str, hall: dict[str, Any]) -> None:
    got = []
    for role in ROLES:
        client, headers = client_for(role, hall)
        response = client.generic(method, path, headers=headers)
        got.append(response.status_code)
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, (role, response.content)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, API[(method, path)], strict=True))


@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_answers_each_role_as_the_table_says(path: str, hall: dict[str, Any]) -> None:
    got = [client_for(role, hall)[0].get(path).status_code for role in ROLES]
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, PAGES[path], strict=True))


def test_no_answer_for_site_a_carries_site_b_data(hall: dict[str, Any]) -> None:
    services.issue_ticket(site=Site.objects.get(slug="other"), prefix="A", actor=services.Actor.system())
    client, headers = client_for("device_a", hall)
    for path in ["/api/v1/sites/hall/snapshot/", "/api/v1/sites/hall/desks/1/", "/api/v1/sites/hall/business-types/"]:
        body = client.get(path, headers=headers).content.decode()
        assert "别的派出所" not in body and '"7"' not in body, path


def test_a_session_without_the_csrf_token_cannot_act(hall: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(hall["users"]["officer_a"])
    response = client.post("/api/v1/sites/hall/desks/1/call-next/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
