"""The citizen's booking pages: `/book/<site>/` (type → day → slot → checklist → confirm) and `/a/<code>/`.

Plain server-rendered steps that work on any phone; every write goes through `appointments.services`.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from appointments import calendar, report, selectors, services
from appointments.models import Booking
from notices import selectors as notice_selectors
from queueing import ratelimit
from queueing.errors import QueueError
from queueing.models import BusinessType, Site, Ticket
from queueing.services import Actor
from queueing.views.citizen import qr_svg
from supervision.forms import RangeForm
from supervision.reports import Period
from supervision.views import _csv_cell as csv_cell
from supervision.views import supervisor_only


def _citizen(request: HttpRequest) -> Actor:
    return Actor(kind="citizen", address=ratelimit.client_address(request))


def _parse_day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404 from None


def _parse_start(raw: str | None) -> dt.datetime | None:
    try:
        # A "+08:00" typed into a URL unencoded arrives as " 08:00".
        start = dt.datetime.fromisoformat(raw.replace(" ", "+")) if raw else None
    except ValueError:
        raise Http404 from None
    if start is not None and start.tzinfo is None:
        raise Http404
    return start


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    now = timezone.now()
    source = request.POST if request.method == "POST" else request.GET
    bt = None
    if source.get("type"):
        bt = get_object_or_404(BusinessType, site=site_obj, prefix=source["type"].upper(), active=True)
    day, start = _parse_day(source.get("date")), _parse_start(source.get("start"))
    context: dict[str, object] = {"site": site_obj, "business_type": bt, "day": day, "start": start}
    if bt is None:
        context["types"] = site_obj.business_types.filter(active=True)
        context["step"] = "type"
    elif day is None:
        context["days"] = selectors.bookable_days(site=site_obj, now=now)
        context["step"] = "day"
    elif start is None:
        slots = selectors.day_slots(site=site_obj, business_type=bt, day=day, now=now)
        context["slots"] = [s for s in slots if s.start >= now]
        context["step"] = "slot"
    else:
        context["step"] = "confirm"
        context["end"] = start + dt.timedelta(minutes=selectors.settings_for(site_obj).slot_minutes)
        context["checklist"] = notice_selectors.published(bt, None)
        if request.method == "POST":
            try:
                ratelimit.check_kiosk_rate(request)
                version = request.POST.get("checklist_version", "")
                booking = services.book(
                    site=site_obj,
                    prefix=bt.prefix,
                    start=start,
                    phone=request.POST.get("phone", "").strip() or None,
                    checklist_version=int(version) if version.isdigit() else None,
                    actor=_citizen(request),
                )
            except QueueError as exc:
                context["error"] = str(exc.message)
                context["phone"] = request.POST.get("phone", "")
                return render(request, "appointments/book.html", context, status=exc.status)
            return redirect("appointments:booking", code=booking.code)
    return render(request, "appointments/book.html", context)


def _booking_or_404(code: str) -> Booking:
    booking = selectors.get_booking(code)
    if booking is None:
        raise Http404
    return booking


@require_GET
def booking_page(request: HttpRequest, code: str) -> HttpResponse:
    booking = _booking_or_404(code)
    settings = selectors.settings_for(booking.site)
    now = timezone.now()
    page_url = request.build_absolute_uri(f"/a/{booking.code}/")
    return render(
        request,
        "appointments/booking.html",
        {
            "booking": booking,
            "site": booking.site,
            "checklist": booking.checklist_version,
            "qr": qr_svg(page_url),
            "check_in_opens": booking.check_in_opens(settings),
            "check_in_closes": booking.check_in_closes(settings),
            "can_cancel": booking.status == Booking.Status.BOOKED and now < booking.start,
            "cancelled": request.GET.get("cancelled") == "1",
        },
    )


@require_POST
def booking_cancel(request: HttpRequest, code: str) -> HttpResponse:
    booking = _booking_or_404(code)
    try:
        services.cancel(booking=booking, actor=_citizen(request))
    except QueueError:
        return redirect("appointments:booking", code=booking.code)
    return redirect(f"/a/{booking.code}/?cancelled=1")


@require_GET
def booking_ics(request: HttpRequest, code: str) -> HttpResponse:
    booking = _booking_or_404(code)
    response = HttpResponse(
        calendar.ics(booking, request.build_absolute_uri(f"/a/{booking.code}/")),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{booking.code}.ics"'
    return response


@require_POST
def ticket_alerts(request: HttpRequest, token: str) -> HttpResponse:
    """Leave a mobile number on a ticket's page; back to the page, or this form again with the error."""
    ticket = Ticket.objects.select_related("site").filter(token=token).first()
    if ticket is None:
        raise Http404
    phone = request.POST.get("phone", "").strip()
    try:
        ratelimit.check_kiosk_rate(request)  # numbers cannot be left in bulk
        services.subscribe_alerts(
            token=ticket.token,
            phone=phone,
            actor=_citizen(request),
            for_document=request.POST.get("for") == "document",
        )
    except QueueError as exc:
        context = {"site": ticket.site, "ticket": ticket, "error": str(exc.message), "phone": phone}
        if request.POST.get("for") == "document":
            context["for_document"] = True
        return render(request, "appointments/ticket_alerts.html", context, status=exc.status)
    return redirect(f"/t/{ticket.token}/?alerts=1#alerts")


# --- Supervision: the appointments' figures --------------------------------------------


def _period(request: HttpRequest, site: Site) -> tuple[RangeForm, Period]:
    today = site.service_day(timezone.now())
    form = RangeForm(request.GET or None, today=today)
    if form.is_bound and form.is_valid():
        return form, Period(site, form.cleaned_data["start"], form.cleaned_data["end"])
    return form, Period(site, today.replace(day=1), today)


@require_GET
@supervisor_only
def supervision(request: HttpRequest, site: Site) -> HttpResponse:
    form, period = _period(request, site)
    return render(
        request,
        "appointments/supervision.html",
        {
            "site": site,
            "form": form,
            "period": period,
            "tables": list(report.build(period).values()),
            "query": f"start={period.first:%Y-%m-%d}&end={period.last:%Y-%m-%d}",
        },
    )


@require_GET
@supervisor_only
def supervision_csv(request: HttpRequest, site: Site, table: str) -> HttpResponse:
    """Like supervision's tables: UTF-8 with a BOM, formula-looking cells neutralised."""
    if table not in report.TABLE_KEYS:
        raise Http404
    _form, period = _period(request, site)
    data = report.build(period)[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{site.slug}-{table}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(c) for c in data.columns])
    for row in data.rows:
        writer.writerow([csv_cell(c) for c in row])
    return response
