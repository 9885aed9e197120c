"""The OpenAPI document is valid and has every fixed path of the SPEC."""

from __future__ import annotations

from typing import Any

from django.test import Client
from openapi_spec_validator import validate

# From SPEC "Fixed paths", written out here on purpose (not read from the code).
FIXED = {
    ("get", "/api/v1/sites/{site}/business-types/{prefix}/checklist/"),
    ("post", "/api/v1/sites/{site}/desks/{number}/notice/"),
    ("get", "/api/v1/notices/{code}/"),
    ("get", "/api/v1/sites/{site}/business-types/"),
    ("post", "/api/v1/sites/{site}/tickets/"),
    ("get", "/api/v1/tickets/{token}/"),
    ("get", "/api/v1/sites/{site}/reasons/"),
    ("get", "/api/v1/sites/{site}/snapshot/"),
    *(
        ("post", f"/api/v1/sites/{{site}}/desks/{{number}}/{action}/")
        for action in (
            "call-next", "recall", "start", "complete", "no-show", "call", "requeue", "transfer", "pause",
            "resume", "open", "close",
        )
    ),
}  # fmt: skip


def document(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_openapi_document_is_valid(client: Client, db: Any) -> None:
    validate(document(client))


def test_openapi_document_has_every_fixed_path(client: Client, db: Any) -> None:
    paths = document(client)["paths"]
    present = {(method, path) for path, ops in paths.items() for method in ops}
    assert FIXED - present == set()


def test_desk_actions_declare_both_credentials_and_errors(client: Client, db: Any) -> None:
    doc = document(client)
    op = doc["paths"]["/api/v1/sites/{site}/desks/{number}/call-next/"]["post"]
    schemes = {name for requirement in op["security"] for name in requirement}
    assert len(schemes) == 2  # bearer device token, or the officer's session
    assert {"200", "401", "403", "404", "409"} <= set(op["responses"])
    issue = doc["paths"]["/api/v1/sites/{site}/tickets/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in issue["parameters"]}
    assert {"number", "token", "status", "ahead", "priority"} <= set(
        doc["components"]["schemas"]["TicketOut"]["required"]
    )


def test_an_issued_ticket_links_to_what_can_be_done_with_it(client: Client, db: Any) -> None:
    doc = document(client)
    links = doc["paths"]["/api/v1/sites/{site}/tickets/"]["post"]["responses"]["201"]["links"]
    operations = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    assert {link["operationId"] for link in links.values()} <= operations  # every link leads somewhere
    assert {link["operationId"] for link in links.values()} >= {
        "queueing_api_ticket_status",
        "queueing_api_ticket_cancel",
    }
    assert all(link["parameters"] == {"token": "$response.body#/token"} for link in links.values())
    notice = doc["paths"]["/api/v1/sites/{site}/desks/{number}/notice/"]["post"]["responses"]["201"]["links"]
    assert notice["Notice"]["parameters"] == {"code": "$response.body#/code"}


def test_the_document_says_what_the_api_takes(client: Client, db: Any) -> None:
    schemas = document(client)["components"]["schemas"]
    assert schemas["IssueIn"]["properties"]["priority"]["type"] == "boolean"
    assert "reason" in schemas["NumberIn"]["required"] and "reason" in schemas["PauseIn"]["required"]
    overall = schemas["RatingIn"]["properties"]["overall"]
    assert (overall["type"], overall["minimum"], overall["maximum"]) == ("integer", 1, 5)
    assert "overall" in schemas["RatingIn"]["required"]
    assert "pattern" in schemas["RatingIn"]["properties"]["phone"]


def test_the_api_takes_what_the_document_says_and_nothing_looser(client: Client, site: Any, types: Any) -> None:
    def issue(body: str) -> int:
        return client.post("/api/v1/sites/hall/tickets/", body, content_type="application/json").status_code

    assert issue('{"business_type": "A", "priority": 0}') == 422  # a boolean is true or false
    assert issue('{"business_type": "A", "priority": "yes"}') == 422
    assert issue('{"business_type": "A", "checklist_version": "1"}') == 422  # an integer is not a string
    assert issue('{"business_type": "A", "priority": false}') == 201
