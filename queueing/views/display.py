"""The lobby display and the desk displays above the windows."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def display(request: HttpRequest, site: str) -> HttpResponse:
    raise Http404


def desk_display(request: HttpRequest, site: str, number: int) -> HttpResponse:
    raise Http404
