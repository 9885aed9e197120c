"""The lobby display and the desk displays above the windows.

Both pages only render a frame: the display socket sends its snapshot as soon
as it opens, and the scripts draw everything from it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from queueing.models import Desk, Site

# `?lang=both` adds the English announcement after the Chinese one.
SPEECH_LANGUAGES = {"zh": "zh-CN", "both": "zh-CN en-US"}


def speech_languages(value: str | None) -> str:
    return SPEECH_LANGUAGES.get(value or "", SPEECH_LANGUAGES["zh"])


def _socket_path(site: Site) -> str:
    return f"/ws/v1/sites/{site.slug}/display/"


def _notice(site: Site) -> str:
    # The English line on an English page when there is one; the snapshot keeps it current.
    if get_language().startswith("en") and site.display_message_en:
        return site.display_message_en
    return site.display_message


@require_GET
def display(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    return render(
        request,
        "queueing/display.html",
        {
            "site": site_obj,
            "socket_path": _socket_path(site_obj),
            "speech_languages": speech_languages(request.GET.get("lang")),
            "notice": _notice(site_obj),
        },
    )


@require_GET
def desk_display(request: HttpRequest, site: str, number: int) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    desk = get_object_or_404(Desk, site=site_obj, number=number)
    return render(
        request,
        "queueing/desk_display.html",
        {"site": site_obj, "desk": desk, "socket_path": _socket_path(site_obj)},
    )
