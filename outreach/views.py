"""Outreach pages: the public request and status pages, the officers' page and route sheet, figures.

Personal data is rendered only by the staff views here, each of which logs the display
(`services.log_details_viewed`). Public templates get only the request's public fields.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notices.models import ChecklistVersion, normalize_code
from outreach import selectors, services
from outreach.forms import CaseForm, DeclineForm, DeliveryForm, OutcomeForm, RequestForm, ScheduleForm
from outreach.models import DocumentCase, OutreachEvent, VisitRequest, local_today, site_settings
from queueing.errors import QueueError
from queueing.models import Site, Ticket
from queueing.ratelimit import check_kiosk_rate, client_address

P = ParamSpec("P")
StaffView = Callable[Concatenate[HttpRequest, Site, P], HttpResponse]
ROUTE_DAYS = 7


def _who(request: HttpRequest) -> services.Who:
    user = request.user if isinstance(request.user, User) else None
    return services.Who(user=user, address=client_address(request))


# --- Public pages ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def request_page(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    accepts = site_settings(site_obj).accepts_requests
    form = RequestForm(request.POST or None, site=site_obj)
    error = None
    if request.method == "POST" and accepts and form.is_valid():
        try:
            check_kiosk_rate(request)  # the same per-address limit as the API and the kiosk
            created = services.submit_request(site=site_obj, who=_who(request), **form.cleaned_data)
        except QueueError as exc:
            error = str(exc.message)
        else:
            return redirect("outreach:status", code=created.code)
    today = local_today(site_obj)
    return render(
        request,
        "outreach/request.html",
        {
            "site": site_obj,
            "form": form,
            "accepts": accepts,
            "error": error,
            "sessions": selectors.upcoming_sessions(site_obj, today),
            "residents": selectors.resident_officers(site_obj),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
def status_page(request: HttpRequest, code: str) -> HttpResponse:
    found = (
        VisitRequest.objects.select_related("site", "business_type", "notice").filter(code=normalize_code(code)).first()
    )
    if found is None:
        raise Http404
    checklist = (
        ChecklistVersion.objects.filter(business_type=found.business_type, status="published")
        .order_by("-number")
        .first()
    )
    return render(
        request,
        "outreach/status.html",
        {
            # Only public fields reach this template: never the name, number or address.
            "site": found.site,
            "code": found.display_code,
            "kind": found.kind,
            "status": found.status,
            "status_label": found.get_status_display(),
            "business_type": found.business_type,
            "visit_date": found.visit_date,
            "window_start": found.window_start,
            "window_end": found.window_end,
            "officers": selectors.police_numbers(found),
            "decline_reason": found.decline_reason,
            "missing_items": list(found.missing_items.all()),
            "return_code": found.open_return_code,
            "notice": found.notice,
            "checklist": checklist,
        },
    )


@require_POST
def case_delivery(request: HttpRequest, code: str) -> HttpResponse:
    """The case page's form: turn the pickup into a delivery to the person's home."""
    case = get_object_or_404(DocumentCase.objects.select_related("ticket", "site"), code=normalize_code(code))
    form = DeliveryForm(request.POST)
    if form.is_valid():
        with contextlib.suppress(QueueError):  # the case page shows the case as it stands
            services.request_delivery(case=case, who=_who(request), **form.cleaned_data)
    return redirect(f"/t/{case.ticket.token}/#case")


# --- Staff pages -------------------------------------------------------------------------


def staff_only(view: StaffView[P]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        site = selectors.staff_site(request.user)
        if site is None and request.user.is_superuser:
            site = Site.objects.filter(slug=request.GET.get("site", "")).first() or Site.objects.first()
        if site is None or not selectors.can_see_details(request.user, site):
            return HttpResponseForbidden(_("Outreach is for the site's officers and supervisors."))
        return view(request, site, *args, **kwargs)

    return wrapper


def _checklist_items(visit: VisitRequest) -> list[tuple[int, str]]:
    version = (
        ChecklistVersion.objects.filter(business_type=visit.business_type, status="published")
        .order_by("-number")
        .first()
    )
    return [(i.pk, i.label) for i in version.items.all()] if version else []


@require_GET
@login_required
@staff_only
def officers_page(request: HttpRequest, site: Site) -> HttpResponse:
    today = local_today(site)
    days = selectors.route(site, today, ROUTE_DAYS)
    triage = list(selectors.to_triage(site)) if selectors.can_triage(request.user, site) else []
    shown = [v for day in days for v in day.visits] + triage
    services.log_details_viewed(requests=shown, who=_who(request), page="outreach")
    cases = DocumentCase.objects.filter(site=site).exclude(status__in=DocumentCase.CLOSED).select_related("ticket")
    return render(
        request,
        "outreach/officers.html",
        {
            "site": site,
            "today": today,
            "days": days,
            "triage": [(v, selectors.is_overdue(v, today), ScheduleForm(site=site, prefix=f"s{v.pk}")) for v in triage],
            "can_triage": selectors.can_triage(request.user, site),
            "decline_form": DeclineForm(),
            "outcome_forms": {
                v.pk: OutcomeForm(items=_checklist_items(v), prefix=f"o{v.pk}") for day in days for v in day.visits
            },  # fmt: skip
            "request_form": RequestForm(site=site),
            "case_form": CaseForm(),
            "cases": cases,
            "overdue": selectors.overdue(site, today).count(),
        },
    )


def _back(message: str | None = None) -> HttpResponse:
    response = redirect("outreach:officers")
    return response


def _visit(site: Site, pk: int) -> VisitRequest:
    return get_object_or_404(VisitRequest.objects.select_related("site", "business_type"), site=site, pk=pk)


@require_POST
@login_required
@staff_only
def staff_request(request: HttpRequest, site: Site) -> HttpResponse:
    """The officer's form, for a request that came by phone or from a neighbourhood committee."""
    form = RequestForm(request.POST, site=site)
    if form.is_valid():
        services.submit_request(site=site, who=_who(request), channel=VisitRequest.Channel.STAFF, **form.cleaned_data)
    return _back()


@require_POST
@login_required
@staff_only
def schedule(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    if not selectors.can_triage(request.user, site):
        return HttpResponseForbidden(_("Only the site's supervisor triages requests."))
    visit = _visit(site, pk)
    form = ScheduleForm(request.POST, site=site, prefix=f"s{pk}")
    if form.is_valid():
        data = form.cleaned_data
        team = [u for u in (data["officer1"], data.get("officer2")) if u is not None]
        services.schedule_visit(
            request=visit, day=data["day"], start=data["start"], end=data["end"], officers=team, who=_who(request)
        )
    return _back()


@require_POST
@login_required
@staff_only
def decline(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    if not selectors.can_triage(request.user, site):
        return HttpResponseForbidden(_("Only the site's supervisor triages requests."))
    form = DeclineForm(request.POST)
    if form.is_valid():
        services.decline_request(request=_visit(site, pk), reason=form.cleaned_data["reason"], who=_who(request))
    return _back()


@require_POST
@login_required
@staff_only
def move(request: HttpRequest, site: Site, pk: int, direction: str) -> HttpResponse:
    """Move a stop one place up or down its day's route."""
    visit = _visit(site, pk)
    if visit.visit_date is None:
        raise Http404
    day = next((d for d in selectors.route(site, visit.visit_date, 1)), None)
    order = [v.pk for v in day.visits] if day else []
    if pk in order:
        i = order.index(pk)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
        services.set_route(site=site, day=visit.visit_date, order=order, who=_who(request))
    return redirect(f"{redirect('outreach:officers').url}#visit-{pk}")


@require_POST
@login_required
@staff_only
def outcome(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    visit = _visit(site, pk)
    form = OutcomeForm(request.POST, items=_checklist_items(visit), prefix=f"o{pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_visit(
                request=visit, outcome=data["outcome"], note=data["note"], missing_items=data["items"],
                who=_who(request),
            )  # fmt: skip
        except QueueError as exc:
            return render(request, "outreach/error.html", {"message": exc.message}, status=exc.status)
    return _back()


@require_GET
@login_required
@staff_only
def route_sheet(request: HttpRequest, site: Site, day: str) -> HttpResponse:
    """The one-page route sheet for the car: the day's stops in route order, with the checklists."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    days = selectors.route(site, date, 1)
    visits = days[0].visits if days else []
    services.log_details_viewed(requests=visits, who=_who(request), page="route_sheet")
    numbers = selectors.public_police_numbers(u.pk for v in visits for u in v.officers.all())
    stops = [
        (
            v,
            [label for _pk, label in _checklist_items(v)],
            [numbers[u.pk] for u in sorted(v.officers.all(), key=lambda u: u.pk) if u.pk in numbers],
        )
        for v in visits
    ]
    return render(request, "outreach/route_sheet.html", {"site": site, "day": date, "stops": stops})


@require_POST
@login_required
@staff_only
def open_case(request: HttpRequest, site: Site) -> HttpResponse:
    form = CaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ticket = Ticket.objects.filter(
            site=site, service_day=local_today(site), number=data["number"].strip().upper()
        ).first()
        if ticket is None:
            return render(request, "outreach/error.html", {"message": _("No such ticket today.")}, status=404)
        try:
            services.open_case(
                ticket=ticket, document=data["document"], expected_date=data["expected_date"], who=_who(request)
            )
        except QueueError as exc:
            return render(request, "outreach/error.html", {"message": exc.message}, status=exc.status)
    return _back()


@require_POST
@login_required
@staff_only
def case_status(request: HttpRequest, site: Site) -> HttpResponse:
    """One case or a batch ticked in the list: all move to the chosen status, or none does."""
    status = request.POST.get("status", "")
    pks = [int(p) for p in request.POST.getlist("case") if p.isdigit()]
    cases = list(DocumentCase.objects.filter(site=site, pk__in=pks))
    if cases:
        try:
            services.set_case_status(cases=cases, status=status, who=_who(request))
        except QueueError as exc:
            return render(request, "outreach/error.html", {"message": exc.message}, status=exc.status)
    return _back()


# --- Supervision figures -----------------------------------------------------------------


@require_GET
@login_required
def figures(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    if not selectors.can_triage(request.user, site_obj):
        return HttpResponseForbidden(_("Supervisors of the site only."))
    today = local_today(site_obj)
    try:
        first = (
            dt.date.fromisoformat(request.GET.get("start", "")) if request.GET.get("start") else today.replace(day=1)
        )
        last = dt.date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else today
    except ValueError as exc:
        raise Http404 from exc
    data = selectors.figures(site_obj, first, last, today)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="outreach-{site_obj.slug}-{first}-{last}.csv"'
        response.write("\ufeff")  # Excel reads UTF-8 with a BOM, as the supervision tables do
        writer = csv.writer(response)
        writer.writerow(["figure", "value"])
        writer.writerows(data.rows())
        return response
    return render(
        request,
        "outreach/figures.html",
        {"site": site_obj, "first": first, "last": last, "figures": data, "active": "outreach"},
    )


def audit_events(site: Site) -> Any:
    return OutreachEvent.objects.filter(site=site).select_related("user", "request")[:200]


@require_GET
@login_required
def audit(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    if not selectors.can_triage(request.user, site_obj):
        return HttpResponseForbidden(_("Supervisors of the site only."))
    return render(request, "outreach/audit.html", {"site": site_obj, "events": audit_events(site_obj)})
