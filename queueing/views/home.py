"""HTML pages of the queue."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from queueing.models import Site


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The front page: every site and where its screens and data live."""
    return render(request, "queueing/home.html", {"sites": Site.objects.all()})


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "counter" / "favicon.ico").read_bytes()


@require_GET
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and kiosk shells ask for whatever the page names (no 404 all day)."""
    return HttpResponse(_favicon(), content_type="image/x-icon")
