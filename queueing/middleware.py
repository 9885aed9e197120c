"""Keep every answer under /api/ in the SPEC's error shape, and answer 503 when the database is down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
RETRY_AFTER = 5


class ApiErrorMiddleware:
    """Framework answers (unknown path, wrong method, a crash) become JSON errors under /api/.

    The API's own handlers already shape their errors; this catches what never
    reaches them: the URL resolver's 404, Ninja's 405, Django's CSRF 403 and any
    exception that escapes. A lost database is a 503 with Retry-After everywhere,
    so kiosks and keypads retry instead of showing a crash.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._json_error(response.status_code, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            log.warning("Database unavailable: %s", exception)
            message = _("The service is briefly unavailable; please try again in a few seconds.")
            if request.path.startswith(API_PREFIX):
                response: HttpResponse = JsonResponse(
                    {"error": {"code": "unavailable", "message": message}}, status=503
                )
            else:
                response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(RETRY_AFTER)
            return response
        if request.path.startswith(API_PREFIX):
            log.exception("Unexpected error in %s %s", request.method, request.path)
            return self._json_error(500, None)
        return None

    @staticmethod
    def _json_error(status: int, original: HttpResponse | None) -> JsonResponse:
        from queueing.apikit import STATUS_CODES

        messages = {
            403: _("You may not do this (a missing or stale security token, or no permission)."),
            404: _("There is nothing at this address."),
            405: _("This address does not accept that method."),
            500: _("Something went wrong on our side. Please try again."),
        }
        body = {
            "error": {
                "code": STATUS_CODES.get(status, "error"),
                "message": messages.get(status, _("The request is not valid.")),
            }
        }
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        if original is not None and original.has_header("Allow"):
            response["Allow"] = original["Allow"]
        return response


class AnonymousApiMiddleware:
    """The API's requests without a session cookie: an anonymous user, without a session lookup.

    Stands in for SessionMiddleware and AuthenticationMiddleware in the API's short chain
    (settings.COUNTER_API_MIDDLEWARE): with no cookie there is no session to read, and
    the endpoints that take a session (desk actions, staff lists) answer 401 as they would.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.session = self._session_store(None)
        request.user = AnonymousUser()

        async def auser() -> AnonymousUser:
            return AnonymousUser()

        request.auser = auser
        return self.get_response(request)
