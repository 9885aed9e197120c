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
    "/display/hall/desk/1/": (200, 200, 200, 200, 200, 200, 200),
    "/t/{token}/": (200, 200, 200, 200, 200, 200, 200),
    "/t/{token}/print/": (200, 200, 200, 200, 200, 200, 200),
    "/notices/hall/B/": (404, 404, 404, 404, 404, 404, 404),  # no checklist published for B here
    "/complaints/hall/": (200, 200, 200, 200, 200, 200, 200),
    "/rate/hall/1/": (200, 200, 200, 200, 200, 200, 200),
    "/desk/": (302, 302, 200, 200, 200, 200, 302),  # staff without a home desk pick one of their site
    "/supervision/hall/cases/": (302, 302, 403, 200, 403, 200, 302),
    "/supervision/hall/complaints/": (302, 302, 403, 200, 403, 200, 302),
    "/supervision/hall/export/summary.csv": (302, 302, 403, 200, 403, 200, 302),
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
    url = path.replace("{token}", hall["ticket"].token)
    got = [client_for(role, hall)[0].get(url).status_code for role in ROLES]
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


# --- Every operation of the API ------------------------------------------------------
# Written out here on purpose; test_the_table_covers_every_operation compares it with the OpenAPI document.

DESK_ACTIONS = [
    "call-next", "recall", "start", "complete", "no-show", "call", "requeue", "priority", "transfer", "pause",
    "resume", "open", "close", "notice",
]  # fmt: skip
PUBLIC = [
    ("GET", "/api/v1/sites/{site}/business-types/"),
    ("POST", "/api/v1/sites/{site}/tickets/"),
    ("GET", "/api/v1/tickets/{token}/"),
    ("POST", "/api/v1/tickets/{token}/cancel/"),
    ("GET", "/api/v1/sites/{site}/snapshot/"),
    ("GET", "/api/v1/sites/{site}/reasons/"),
    ("GET", "/api/v1/sites/{site}/business-types/{prefix}/checklist/"),
    ("GET", "/api/v1/notices/{code}/"),
    ("GET", "/api/v1/tickets/{token}/rating/"),
    ("POST", "/api/v1/tickets/{token}/rating/"),
    ("POST", "/api/v1/ratings/{handle}/"),
    ("POST", "/api/v1/sites/{site}/help/"),
    ("GET", "/api/v1/help/{token}/"),
    # Appointments
    ("GET", "/api/v1/sites/{site}/slots/"),
    ("POST", "/api/v1/sites/{site}/appointments/"),
    ("GET", "/api/v1/appointments/{code}/"),
    ("POST", "/api/v1/appointments/{code}/cancel/"),
    # Outreach: the citizen's side
    ("POST", "/api/v1/sites/{site}/outreach/"),
    ("GET", "/api/v1/outreach/{code}/"),
    ("POST", "/api/v1/sites/{site}/outreach/tickets/"),
    ("GET", "/api/v1/outreach/cases/{code}/"),
    ("GET", "/api/v1/sites/{site}/service-days/"),
]
# The site's staff only (officers and supervisors, by their session): the people outreach visits.
STAFF = [("GET", "/api/v1/sites/{site}/outreach/")]
#            anonymous  device_a  officer_a  supervisor_a  officer_b  admin  revoked
STAFF_OF_A = (401, 401, "passes", "passes", 403, "passes", 401)
DESK = (
    [("GET", "/api/v1/sites/{site}/desks/{number}/")]
    + [("POST", f"/api/v1/sites/{{site}}/desks/{{number}}/{action}/") for action in DESK_ACTIONS]
    + [("POST", "/api/v1/sites/{site}/desks/{number}/help/{help_id}/take/")]
)
SUPERVISION = [("GET", "/api/v1/sites/{site}/supervision/today/")]
BODIES = {
    "call": '{"number": "A001", "reason": "returned"}',
    "requeue": '{"number": "A001", "reason": "returned"}',
    "priority": '{"number": "A001", "reason": "returned"}',
    "transfer": '{"business_type": "B", "reason": "returned"}',
    "pause": '{"reason": "returned"}',
    "notice": '{"note": "户主同意书"}',
}
PASSES = "passes"  # any answer but 401 and 403: the credentials were accepted (the state decides the rest)
#          anonymous  device_a  officer_a  supervisor_a  officer_b  admin  revoked
DESK_OF_A = (401, PASSES, PASSES, PASSES, 403, PASSES, 401)
DESK_OF_B = (401, 403, 403, 403, PASSES, PASSES, 401)


def fill(path: str, hall: dict[str, Any], *, site: str = "hall", number: int = 1) -> str:
    return (
        path.replace("{site}", site)
        .replace("{number}", str(number))
        .replace("{token}", hall["ticket"].token)
        .replace("{prefix}", "A")
        .replace("{code}", "ZZZZ-ZZZZ")
        .replace("{handle}", "not-a-handle")
        .replace("{help_id}", "999999")
    )


def outcome(status: int) -> int | str:
    return status if status in (401, 403) else PASSES


def test_the_table_covers_every_operation(client: Client, db: Any) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operations = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert operations == set(PUBLIC) | set(DESK) | set(SUPERVISION) | set(STAFF)


@pytest.mark.parametrize(("method", "path"), STAFF)
def test_staff_operations_take_the_sites_staff_only(method: str, path: str, hall: dict[str, Any]) -> None:
    got = []
    for role in ROLES:
        client, headers = client_for(role, hall)
        response = client.generic(method, fill(path, hall), headers=headers)
        got.append(outcome(response.status_code))
        assert response.status_code < 500, (role, path, response.content)
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, STAFF_OF_A, strict=True))


@pytest.mark.parametrize(("method", "path"), DESK)
def test_every_desk_operation_takes_only_that_desk_s_credentials(method: str, path: str, hall: dict[str, Any]) -> None:
    for target, expected in ((("hall", 1), DESK_OF_A), (("other", 7), DESK_OF_B)):
        got = []
        for role in ROLES:
            client, headers = client_for(role, hall)
            url = fill(path, hall, site=target[0], number=target[1])
            body = BODIES.get(path.rsplit("/", 2)[-2], "{}")  # valid, so that only the credentials decide
            response = client.generic(method, url, data=body, content_type="application/json", headers=headers)
            got.append(outcome(response.status_code))
            assert response.status_code < 500, (role, url, response.content)
        assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True)), target


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_operations_ask_no_credentials_and_ignore_bad_ones(method: str, path: str, hall: dict[str, Any]) -> None:
    for role in ROLES:
        client, headers = client_for(role, hall)
        body = '{"business_type": "A"}' if path.endswith("/tickets/") else "{}"
        response = client.generic(method, fill(path, hall), data=body, content_type="application/json", headers=headers)
        assert response.status_code not in (401, 403, 500), (role, path, response.content)
