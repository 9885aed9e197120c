"""HTML pages of the queue."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from queueing.models import Site


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The front page: every site and where its screens and data live."""
    return render(request, "queueing/home.html", {"sites": Site.objects.all()})
