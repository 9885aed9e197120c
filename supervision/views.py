"""Supervision pages (supervisors of the site only), the public complaint form and the rating tablet.

Who sees what: `/supervision/<site>/…` answers a supervisor of that site or a
superuser; anyone signed out goes to the sign-in page, anyone else (an
officer, a supervisor of another hall, an administrator) gets 403. The pages
read through `reports` and `selectors`; the few forms (case steps,
complaint replies) also need the model's change permission, which the
supervisor role holds (`queueing.roles`), then call `services` and redirect.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_http_methods

from queueing.errors import QueueError
from queueing.models import Desk, Site, StaffProfile
from queueing.ratelimit import client_address
from supervision import broadcast, charts, reports, selectors, services
from supervision.api import today_out
from supervision.forms import AuditFilterForm, CaseActionForm, ComplaintForm, RangeForm, ReplyForm
from supervision.models import BadReason, Complaint, FollowUpCase

P = ParamSpec("P")
SupervisorView = Callable[Concatenate[HttpRequest, Site, P], HttpResponse]
AUDIT_PAGE_SIZE = 50
COMPLAINTS_PER_WINDOW = 5
COMPLAINT_WINDOW_SECONDS = 600
TODAY_POLL_SECONDS = 10
# Cells a spreadsheet would run as a formula (CSV injection): prefixed with a quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def supervisor_only(view: SupervisorView[P]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, site: str, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        site_obj = get_object_or_404(Site, slug=site)
        if not selectors.can_supervise(request.user, site_obj):
            return render(request, "supervision/forbidden.html", {"site": site_obj}, status=403)
        return view(request, site_obj, *args, **kwargs)

    return wrapper


def _today(site: Site) -> dt.date:
    return site.service_day(timezone.now())


def _period(request: HttpRequest, site: Site) -> tuple[RangeForm, reports.Period]:
    form = RangeForm(request.GET or None, today=_today(site))
    if form.is_bound and form.is_valid():
        first, last = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        last = _today(site)
        first = last.replace(day=1)
    return form, reports.Period(site, first, last)


# --- The overview and the report --------------------------------------------------------


@require_GET
@ensure_csrf_cookie
@supervisor_only
def overview(request: HttpRequest, site: Site) -> HttpResponse:
    """Today at a glance (live), then the report of a date range (this month by default)."""
    form, period = _period(request, site)
    report = reports.build_report(period, today=_today(site))
    query = f"start={period.first:%Y-%m-%d}&end={period.last:%Y-%m-%d}"
    return render(
        request,
        "supervision/overview.html",
        {
            "site": site,
            "form": form,
            "period": period,
            "report": report,
            "query": query,
            "today": today_out(site, timezone.now()),
            "today_url": f"/api/v1/sites/{site.slug}/supervision/today/",
            "poll_ms": TODAY_POLL_SECONDS * 1000,
            "charts": {
                "hour_tickets": charts.bar_chart(report.charts["hour_tickets"], title=_("Tickets per hour of issue")),
                "hour_wait": charts.bar_chart(
                    report.charts["hour_wait"], title=_("Average wait per hour of issue"), unit=_("min")
                ),
                "type_wait": charts.bar_chart(
                    report.charts["type_wait"], title=_("Average wait per business type"), unit=_("min")
                ),
                "desk_satisfaction": charts.bar_chart(
                    report.charts["desk_satisfaction"], title=_("Satisfaction rate per desk"), unit="%"
                ),
            },
            "sections": [
                (_("Waiting and handling"), ["summary", "by_type", "by_desk", "by_officer", "by_hour"]),
                (_("Ratings"), ["ratings_by_desk", "ratings_by_officer", "cases"]),
                (_("Fairness log"), ["fairness_by_officer", "fairness_log"]),
                (_("Checklists and notices"), ["notices", "missing_items"]),
                (_("Complaints"), ["complaints"]),
                (_("Help at the kiosks"), ["help"]),
            ],
            "rows_on_page": reports.ROWS_ON_PAGE,
        },
    )


def _csv_cell(value: reports.Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@require_GET
@supervisor_only
def export_csv(request: HttpRequest, site: Site, table: str) -> HttpResponse:
    """One table of the report as CSV: UTF-8 with a BOM (Excel), formula-looking cells neutralised."""
    if table not in reports.TABLE_KEYS:
        raise Http404
    _form, period = _period(request, site)
    data = reports.build_report(period, today=_today(site)).table(table)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{site.slug}-{table}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_csv_cell(c) for c in data.columns])
    for row in data.rows:
        writer.writerow([_csv_cell(c) for c in row])
    return response


# --- The audit trail ---------------------------------------------------------------------


@require_GET
@supervisor_only
def audit(request: HttpRequest, site: Site) -> HttpResponse:
    """Every event of the site, newest first, filtered by ticket, desk, officer and dates. Read-only."""
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "ticket": data["ticket"] or "",
            "desk": data["desk"],
            "officer": data["officer"] or "",
            "first": data["start"],
            "last": data["end"],
        }
    events = selectors.audit_events(site=site, **filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    officers = (
        StaffProfile.objects.filter(site=site).order_by("user__username").values_list("user__username", flat=True)
    )
    return render(
        request,
        "supervision/audit.html",
        {"site": site, "form": form, "page": page, "query": params.urlencode(), "officers": officers},
    )


# --- Follow-up cases ------------------------------------------------------------------------


@require_GET
@supervisor_only
def case_list(request: HttpRequest, site: Site) -> HttpResponse:
    status = request.GET.get("status") or "open"
    if status not in ("open", "closed", "overdue", "all"):
        status = "open"
    rows = selectors.cases(site=site, status=None if status == "all" else status)
    return render(
        request,
        "supervision/cases.html",
        {"site": site, "cases": rows[:500], "status": status, "today": _today(site)},
    )


@require_http_methods(["GET", "POST"])
@supervisor_only
def case_detail(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    case = get_object_or_404(
        FollowUpCase.objects.select_related("rating__ticket", "rating__desk", "rating__officer"), site=site, pk=pk
    )
    form = CaseActionForm(request.POST or None)
    error = None
    if request.method == "POST" and not request.user.has_perm("supervision.change_followupcase"):
        return render(request, "supervision/forbidden.html", {"site": site}, status=403)
    if request.method == "POST" and form.is_valid():
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        step: dict[str, Callable[..., FollowUpCase]] = {
            "callback": services.record_callback,
            "fix": services.record_fix,
            "close": services.close_case,
        }
        try:
            step[action](case=case, user=request.user, note=note)
        except QueueError as exc:
            error = str(exc.message)
        else:
            return redirect("supervision:case", site=site.slug, pk=case.pk)
    return render(
        request,
        "supervision/case.html",
        {
            "site": site,
            "case": case,
            "rating": case.rating,
            "reason": dict(BadReason.choices).get(case.rating.reason, ""),
            "actions": case.actions.select_related("user"),
            "form": form,
            "error": error,
            "overdue": case.is_overdue(_today(site)),
        },
    )


# --- Complaints -------------------------------------------------------------------------------


@require_GET
@supervisor_only
def complaint_list(request: HttpRequest, site: Site) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in Complaint.Status.values:
        status = ""
    return render(
        request,
        "supervision/complaints.html",
        {"site": site, "complaints": selectors.complaints(site=site, status=status or None)[:500], "status": status},
    )


@require_http_methods(["GET", "POST"])
@supervisor_only
def complaint_detail(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint.objects.select_related("desk"), site=site, pk=pk)
    form = ReplyForm(request.POST or None)
    error = None
    if request.method == "POST" and not request.user.has_perm("supervision.change_complaint"):
        return render(request, "supervision/forbidden.html", {"site": site}, status=403)
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_to_complaint(
                complaint=complaint,
                user=request.user,  # type: ignore[arg-type]
                text=form.cleaned_data["text"],
                status=form.cleaned_data["status"],
            )
        except QueueError as exc:
            error = str(exc.message)
        else:
            return redirect("supervision:complaint", site=site.slug, pk=complaint.pk)
    return render(
        request,
        "supervision/complaint_detail.html",
        {
            "site": site,
            "complaint": complaint,
            "replies": complaint.replies.select_related("user"),
            "form": form,
            "error": error,
        },
    )


# --- Public: the complaint form and the rating tablet -------------------------------------------


def _complaint_flood(request: HttpRequest) -> bool:
    """More than COMPLAINTS_PER_WINDOW complaints from one address in a window: a script, not a citizen.

    Counted in Django's cache; if the cache is down, complaints go through.
    """
    key = f"counter:complaints:{client_address(request)}:{int(time.time() // COMPLAINT_WINDOW_SECONDS)}"
    try:
        cache.add(key, 0, timeout=COMPLAINT_WINDOW_SECONDS * 2)
        return cache.incr(key) > COMPLAINTS_PER_WINDOW
    except Exception:  # a cache outage never stops a complaint
        return False


@require_http_methods(["GET", "POST"])
def complaint_form(request: HttpRequest, site: str) -> HttpResponse:
    """A citizen's complaint (public, CSRF-protected); contact details are optional."""
    site_obj = get_object_or_404(Site, slug=site)
    form = ComplaintForm(request.POST or None, site=site_obj)
    error = None
    if request.method == "POST" and _complaint_flood(request):
        error = _("Too many complaints from this address just now; please try again in a few minutes.")
        context = {"site": site_obj, "form": form, "error": error}
        return render(request, "supervision/complaint.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        desk = Desk.objects.filter(site=site_obj, number=data["desk"]).first() if data["desk"] else None
        try:
            complaint = services.submit_complaint(
                site=site_obj,
                text=data["text"],
                desk=desk,
                visit_date=data["visit_date"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                address=client_address(request),
            )
        except QueueError as exc:
            error = str(exc.message)
        else:
            return render(request, "supervision/complaint_sent.html", {"site": site_obj, "complaint": complaint})
    status = 400 if request.method == "POST" else 200
    return render(
        request, "supervision/complaint.html", {"site": site_obj, "form": form, "error": error}, status=status
    )


@require_GET
def rating_tablet(request: HttpRequest, site: str, number: int) -> HttpResponse:
    """The tablet facing the citizen at a desk (评价器): idle until its socket brings a handle."""
    site_obj = get_object_or_404(Site, slug=site)
    desk = get_object_or_404(Desk, site=site_obj, number=number)
    # `?idle=N` shortens the minute for one tablet (and for the tests); junk falls back.
    raw = request.GET.get("idle", "")
    idle = int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= broadcast.TABLET_SECONDS else None
    return render(
        request,
        "supervision/rating_tablet.html",
        {
            "site": site_obj,
            "desk": desk,
            "socket_path": f"/ws/v1/sites/{site_obj.slug}/desks/{desk.number}/rating/",
            "idle_seconds": idle or broadcast.TABLET_SECONDS,
        },
    )
