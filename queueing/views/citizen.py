"""Citizens' pages: the kiosk, the printed ticket and the phone ticket page.

They only read and render; taking and cancelling a ticket go through the JSON
API from the pages' scripts, so the kiosk, the phone and third-party clients
share one path to the services.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from notices import selectors as checklists
from notices.models import CODE_ALPHABET, CODE_LENGTH
from notices.schemas import checklist_url
from queueing import selectors
from queueing.models import BusinessType, Site, Ticket
from queueing.schemas import ticket_out

IDLE_SECONDS = 30
IDLE_SECONDS_RANGE = range(1, 601)
# A printed ticket stays on screen until the citizen touches "Done", or this long.
TICKET_SECONDS = 60
KIOSK_POLL_SECONDS = 5
PHONE_POLL_SECONDS = 10


def idle_seconds(value: str | None) -> int:
    """`?idle=N` shortens the kiosk's idle timeout (for tests and for tuning one kiosk); junk falls back."""
    # ASCII digits only: str.isdigit() would also take "١٢" and int() would read it.
    if value is not None and value.isascii() and value.isdigit() and int(value) in IDLE_SECONDS_RANGE:
        return int(value)
    return IDLE_SECONDS


def qr_svg(url: str) -> SafeString:
    # segno writes only path data for the modules: the URL is encoded in the
    # pattern, never copied into the markup, so the SVG is safe to inline.
    return mark_safe(segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True))


def _ticket(token: str) -> Ticket | None:
    return (
        Ticket.objects.select_related("site", "business_type", "desk", "checklist_version").filter(token=token).first()
    )


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "queueing/ticket_404.html", status=404)


@require_GET
def kiosk(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    return render(
        request,
        "queueing/kiosk.html",
        {
            "site": site_obj,
            # First state server-side, so the page works before the first poll.
            "overview": selectors.kiosk_overview(site=site_obj, now=timezone.now()),
            "idle_seconds": idle_seconds(request.GET.get("idle")),
            "default_language": settings.LANGUAGE_CODE,
            "ticket_seconds": TICKET_SECONDS,
            "poll_seconds": KIOSK_POLL_SECONDS,
            # The keypad of the notice code offers only the characters a code can have.
            "code_alphabet": CODE_ALPHABET,
            "code_length": CODE_LENGTH,
            "code_slots": range(CODE_LENGTH),
        },
    )


@require_GET
def kiosk_checklist_qr(request: HttpRequest, site: str, prefix: str) -> HttpResponse:
    """The QR code of a checklist version's public page, for the kiosk's "what to bring" screen."""
    bt = get_object_or_404(BusinessType, site__slug=site, prefix=prefix.upper())
    raw = request.GET.get("v", "")
    number = int(raw) if raw.isascii() and raw.isdigit() else None
    version = checklists.published(bt, number) if number is not None else None
    if version is None:
        raise Http404
    qr = segno.make(request.build_absolute_uri(checklist_url(version)), error="m")
    response = HttpResponse(content_type="image/svg+xml")
    # A standalone file (an <img>, so no inline markup under the CSP): it needs its namespace and a light
    # background. segno writes bytes to a stream; its stubs say text.
    qr.save(response, kind="svg", scale=8, border=2, light="#fff", xmldecl=False, svgns=True, title="QR")  # type: ignore[arg-type]
    response["Cache-Control"] = "public, max-age=86400"  # a published version never changes
    return response


# The kiosk prints by loading this page in a hidden iframe of its own origin.
@xframe_options_sameorigin
@require_GET
def ticket_print(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket(token)
    if ticket is None:
        return _not_found(request)
    phone_url = request.build_absolute_uri(reverse("queueing:ticket", args=[ticket.token]))
    return render(
        request,
        "queueing/ticket_print.html",
        {
            "site": ticket.site,
            "ticket": ticket_out(ticket),
            "phone_url": phone_url,
            "qr": qr_svg(phone_url),
            "autoprint": request.GET.get("autoprint") == "1",
        },
    )


@require_GET
def ticket_page(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket(token)
    if ticket is None:
        return _not_found(request)
    return render(
        request,
        "queueing/ticket_page.html",
        {
            "site": ticket.site,
            "ticket": ticket_out(ticket),
            "poll_seconds": PHONE_POLL_SECONDS,
        },
    )
