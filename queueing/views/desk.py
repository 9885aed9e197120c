"""The officers' desk pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def desk_index(request: HttpRequest) -> HttpResponse:
    raise Http404


def desk_page(request: HttpRequest, number: int) -> HttpResponse:
    raise Http404
