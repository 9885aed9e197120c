"""What every app's API router shares: the one error shape and the lookups of sites, desks and tickets.

The root API object (`counter.api`) mounts the routers; the routers import from here and the
queue's modules, never from each other.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from queueing import services
from queueing.auth import desk_actor
from queueing.errors import NotFound, QueueError, ReasonRequired, Unauthenticated, Unavailable
from queueing.models import Desk, DeskToken, Site, Ticket
from queueing.schemas import ErrorOut

log = logging.getLogger(__name__)

# Every error status an endpoint can answer, in the one error shape. Ninja's
# `codes_4xx` lacks 422, the status of its own schema validation.
ERROR_CODES = frozenset({400, 401, 403, 404, 405, 409, 413, 415, 422, 429})
ERRORS: dict[Any, Any] = {ERROR_CODES: ErrorOut, 503: ErrorOut}
RETRY_AFTER_DB = 5
IDEMPOTENCY_KEY_MAX = 200

# --- Errors, all in one shape (SPEC "Interfaces") ---------------------------

STATUS_CODES = {
    400: "invalid_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "invalid_request",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_body(status: int, message: str, code: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code or STATUS_CODES.get(status, "error"), "message": message, **extra}}


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest, status: int, body: dict[str, Any], retry_after: int | None = None
    ) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(QueueError)
    def queue_error(request: HttpRequest, exc: QueueError) -> HttpResponse:
        retry_after = getattr(exc, "retry_after", RETRY_AFTER_DB if exc.status == 503 else None)
        return respond(request, exc.status, {"error": exc.as_dict()}, retry_after)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        if "/desks/" in request.path and exc.errors and all(_is_missing_reason(e) for e in exc.errors):
            # The SPEC's answer to an out-of-order action without a reason (a desk pressed "call"
            # without choosing one): 400 reason_required, with what to do, not a schema report.
            return respond(request, 400, {"error": ReasonRequired().as_dict()})
        details = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None, "message": str(e.get("msg", ""))}
            for e in exc.errors
        ]
        body = error_body(422, _("Some fields are missing or not valid."), details=details)
        return respond(request, 422, body)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, {"error": Unauthenticated().as_dict()})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403:  # Ninja's CSRF refusal
            message = _("The page's security token is missing or stale; reload the page and try again.")
        elif exc.status_code == 400:
            message = _("The request body is not valid JSON.")
        else:
            message = str(exc)
        return respond(request, exc.status_code, error_body(exc.status_code, message))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(404, _("Not found.")))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, OperationalError | InterfaceError):
            log.warning("Database unavailable: %s", exc)
            return respond(request, 503, {"error": Unavailable().as_dict()}, RETRY_AFTER_DB)
        log.exception("Unexpected error in %s %s", request.method, request.path)
        return respond(request, 500, error_body(500, _("Something went wrong on our side. Please try again.")))


# OpenAPI links (operationId → status → links), added to the document by the root API
# (counter.api): they let a client, or a stateful test, go from an answer to what it enables.
OPENAPI_LINKS: dict[str, dict[int, dict[str, Any]]] = {}


def add_links(operation_id: str, status: int, links: dict[str, Any]) -> None:
    OPENAPI_LINKS.setdefault(operation_id, {}).setdefault(status, {}).update(links)


def with_links(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every declared link in its operation's answer."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, links in OPENAPI_LINKS.get(operation.get("operationId", ""), {}).items():
                responses = operation.get("responses", {})
                response = responses.get(status, responses.get(str(status)))  # ninja keys them by int
                if response is not None:
                    response.setdefault("links", {}).update(links)
    return schema


def _is_missing_reason(error: dict[str, Any]) -> bool:
    """A body's `reason` that is absent, null (not a string) or empty."""
    return tuple(error.get("loc", ()))[-1:] == ("reason",) and error.get("type") in {
        "missing",
        "string_type",
        "string_too_short",
    }


# --- Lookups ----------------------------------------------------------------


def get_site(slug: str) -> Site:
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        raise NotFound(_("There is no site “%(slug)s”.") % {"slug": slug})
    return site


def get_desk(site: Site, number: int) -> Desk:
    desk = site.desks.filter(number=number).select_related("site").first()
    if desk is None:
        raise NotFound(_("There is no desk %(number)s here.") % {"number": number})
    return desk


def get_ticket(token: str) -> Ticket:
    ticket = (
        Ticket.objects.select_related("site", "business_type", "desk", "checklist_version").filter(token=token).first()
    )
    if ticket is None:
        raise NotFound(_("This ticket does not exist."))
    return ticket


def desk_and_actor(request: HttpRequest, site: str, number: int) -> tuple[Desk, services.Actor]:
    device = getattr(request, "auth", None)
    if isinstance(device, DeskToken) and (device.desk.site.slug, device.desk.number) == (site, number):
        desk = device.desk  # already loaded with the token
    else:
        desk = get_desk(get_site(site), number)
    return desk, desk_actor(request, desk)
