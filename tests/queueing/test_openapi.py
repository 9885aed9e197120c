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
