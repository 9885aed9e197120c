"""Citizens' pages: the kiosk, the printed ticket and the phone ticket page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def kiosk(request: HttpRequest, site: str) -> HttpResponse:
    raise Http404


def ticket_print(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404


def ticket_page(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
