"""Accountability pages: the public `/open/<site>/` page (警务公开), inspections, the monthly evaluation.

The public page shows windows by their name and officers only by their public
profile (a display name where the site allows it, the police number): no
account name and nothing about a citizen ever reaches it.
"""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from queueing import officers
from queueing.errors import InvalidRequest, QueueError
from queueing.models import Desk, Site, StaffProfile
from supervision import accountability, evaluation
from supervision.accountability_forms import (
    CorrectionForm,
    FindingForm,
    InspectionForm,
    RectificationForm,
    SettingsForm,
)
from supervision.models import Complaint, ComplaintFinding, Inspection, MonthlyEvaluation, Rating
from supervision.views import _csv_cell, supervisor_only


def _today(site: Site) -> dt.date:
    return site.service_day(timezone.now())


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    """`?month=YYYY-MM` for an earlier month; this month otherwise (and for anything unreadable or ahead)."""
    try:
        month = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        return today.replace(day=1)
    return month if month <= today else today.replace(day=1)


@require_GET
def open_page(request: HttpRequest, site: str) -> HttpResponse:
    """Promises, who is on duty, this month's figures per window and officer, the last closed month, how to complain."""
    site_obj = get_object_or_404(Site, slug=site)
    today = _today(site_obj)
    settings = evaluation.settings_for(site_obj)
    month = evaluation.month_view(site_obj, _month(request, today), today=today)
    on_duty = []
    for desk in (
        Desk.objects.filter(site=site_obj, state=Desk.State.OPEN)
        .select_related("site", "officer__staff")
        .prefetch_related("officer__staff__business_types")
        .order_by("number")
    ):
        card = officers.on_duty(desk)
        types = [bt.name for bt in desk.officer.staff.business_types.all()] if card and desk.officer else []
        on_duty.append((desk, card, types))
    last_closed = MonthlyEvaluation.objects.filter(site=site_obj).order_by("-month").first()
    closed_view = evaluation.month_view(site_obj, last_closed.month, today=today) if last_closed else None
    return render(
        request,
        "supervision/open.html",
        {
            "site": site_obj,
            "settings": settings,
            "month": month,
            "is_this_month": month.month == today.replace(day=1),
            # Labels with a per cent sign come from Python: a template's {% translate %} would double the sign.
            "labels": {
                "p90": gettext_lazy("90% waited at most (min)"),
                "satisfaction": gettext_lazy("Satisfaction (%)"),
            },
            "desks": month.desks,
            "officers": [r for r in month.officers if r.public_label],
            "on_duty": on_duty,
            "closed": closed_view,
            "closed_officers": sorted(
                (r for r in closed_view.officers if r.public_label), key=lambda r: (r.rank, r.public_label)
            )
            if closed_view
            else [],
        },
    )


# --- Supervisors: settings, inspections, complaint findings, the monthly evaluation -------------------


def _month_param(request: HttpRequest, today: dt.date) -> dt.date:
    """The month asked for (`?month=YYYY-MM`), by default the last one, which is the one to close."""
    if request.GET.get("month") or request.POST.get("month"):
        raw = request.POST.get("month") or request.GET.get("month", "")
        try:
            return dt.datetime.strptime(raw, "%Y-%m").date()  # noqa: DTZ007 - a month, no time
        except ValueError:
            pass
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@require_http_methods(["GET", "POST"])
@supervisor_only
def settings_page(request: HttpRequest, site: Site) -> HttpResponse:
    instance = evaluation.settings_for(site)
    form = SettingsForm(request.POST or None, instance=instance, initial={"names_public": site.officer_names_public})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        names_public = data.pop("names_public")
        try:
            accountability.save_settings(site=site, names_public=names_public, **data)
        except QueueError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("supervision:open-settings", site=site.slug)
    return render(request, "supervision/open_settings.html", {"site": site, "form": form})


@require_http_methods(["GET", "POST"])
@supervisor_only
def inspections(request: HttpRequest, site: Site) -> HttpResponse:
    """Every inspection of the site (overdue rectifications flagged), and the form to record one."""
    accountability.ensure_inspection_items(site=site)
    initial = {"inspected_at": timezone.localtime(timezone.now(), site.tz).strftime("%Y-%m-%dT%H:%M")}
    form = InspectionForm(request.POST or None, site=site, initial=initial)
    # The date and time typed in are the hall's local time, whatever the server's time zone.
    with timezone.override(site.tz):
        valid = request.method == "POST" and form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            inspection = accountability.record_inspection(
                site=site,
                user=request.user,  # type: ignore[arg-type]
                kind=data["kind"],
                inspected_at=data["inspected_at"],
                desk=Desk.objects.filter(site=site, number=data["desk"]).first() if data["desk"] else None,
                officer=User.objects.filter(pk=data["officer"]).first() if data["officer"] else None,
                items=list(data["items"]),
                findings=data["findings"],
                severity=data["severity"],
                behaviour=data["behaviour"] or "",
                action=data["action"],
                deadline=data["deadline"],
            )
        except QueueError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("supervision:inspection", site=site.slug, pk=inspection.pk)
    rows = Inspection.objects.filter(site=site).select_related("desk", "officer__staff")[:500]
    return render(
        request,
        "supervision/inspections.html",
        {"site": site, "form": form, "inspections": rows, "today": _today(site)},
    )


@require_http_methods(["GET", "POST"])
@supervisor_only
def inspection_detail(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        Inspection.objects.select_related("desk", "officer__staff", "recorded_by"), site=site, pk=pk
    )
    form = RectificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accountability.confirm_rectification(
                inspection=inspection,
                user=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
            )
        except QueueError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("supervision:inspection", site=site.slug, pk=inspection.pk)
    return render(
        request,
        "supervision/inspection.html",
        {
            "site": site,
            "inspection": inspection,
            "items": inspection.items.all(),
            "form": form,
            "overdue": inspection.is_overdue(_today(site)),
        },
    )


@require_POST
@supervisor_only
def complaint_finding(request: HttpRequest, site: Site, pk: int) -> HttpResponse:
    complaint = get_object_or_404(Complaint, site=site, pk=pk)
    form = FindingForm(request.POST, site=site)
    if not form.is_valid():
        messages.error(request, _("Please correct the finding: %(errors)s") % {"errors": form.errors.as_text()})
    else:
        data = form.cleaned_data
        try:
            accountability.record_finding(
                complaint=complaint,
                user=request.user,  # type: ignore[arg-type]
                outcome=data["outcome"],
                reason=data["reason"],
                behaviour=data["behaviour"] or "",
                officer=User.objects.filter(pk=data["officer"]).first() if data["officer"] else None,
            )
        except QueueError as exc:
            messages.error(request, str(exc.message))
    return redirect("supervision:complaint", site=site.slug, pk=complaint.pk)


COLUMNS = [
    ("served", gettext_lazy("Served")),
    ("avg_wait", gettext_lazy("Average wait (min)")),
    ("p90_wait", gettext_lazy("90th percentile wait (min)")),
    ("ratings", gettext_lazy("Ratings")),
    ("satisfaction", gettext_lazy("Satisfaction (%)")),
    ("bad", gettext_lazy("Bad ratings")),
    ("cases_closed", gettext_lazy("Bad-rating cases closed")),
    ("cases_overdue", gettext_lazy("Bad-rating cases overdue")),
    ("complaints", gettext_lazy("Complaints")),
    ("upheld", gettext_lazy("Upheld")),
    ("partly", gettext_lazy("Partly upheld")),
    ("findings_total", gettext_lazy("Inspection findings")),
    ("score", gettext_lazy("Score")),
    ("rank", gettext_lazy("Rank")),
]


def _table(view: evaluation.MonthView, kind: str) -> list[dict[str, Any]]:
    rows = sorted((r for r in view.rows if r.kind == kind), key=lambda r: (r.rank, r.label))
    return [
        {
            "key": r.key,
            "label": r.label,
            "cells": [(getattr(r, c), (r.key, c) in view.corrected) for c, _label in COLUMNS],
        }
        for r in rows
    ]


@require_http_methods(["GET", "POST"])
@supervisor_only
def evaluation_page(request: HttpRequest, site: Site) -> HttpResponse:
    """The month's evaluation with its ranking; close a finished month; correct a closed one."""
    today = _today(site)
    month = _month_param(request, today)
    view = evaluation.month_view(site, month, today=today)
    correctable = [(c, str(label)) for c, label in COLUMNS if c in accountability.CORRECTABLE]
    correction = CorrectionForm(request.POST if request.POST.get("action") == "correct" else None, columns=correctable)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "close":
                accountability.close_month(site=site, month=month, user=request.user)  # type: ignore[arg-type]
            elif view.closed is not None and correction.is_valid():
                data = correction.cleaned_data
                accountability.correct_month(
                    closed=view.closed,
                    user=request.user,  # type: ignore[arg-type]
                    row=data["row"],
                    column=data["column"],
                    value=data["value"],
                    reason=data["reason"],
                )
            else:
                raise InvalidRequest(_("Please correct the form."))
        except QueueError as exc:
            messages.error(request, str(exc.message))
        return redirect(f"{request.path}?month={month:%Y-%m}")
    return render(
        request,
        "supervision/evaluation.html",
        {
            "site": site,
            "view": view,
            "month_value": f"{month:%Y-%m}",
            "columns": [str(label) for _c, label in COLUMNS],
            "desks": _table(view, "desk"),
            "officers": _table(view, "officer"),
            "can_close": view.closed is None and evaluation.month_bounds(month)[1] < today,
            "correction": correction,
            "corrections": view.closed.corrections.select_related("user") if view.closed else [],
            "print": request.GET.get("print") == "1",
        },
    )


@require_GET
@supervisor_only
def evaluation_csv(request: HttpRequest, site: Site) -> HttpResponse:
    """The month's evaluation as CSV (UTF-8 with a BOM for Excel); corrected cells are marked with *."""
    month = _month_param(request, _today(site))
    view = evaluation.month_view(site, month, today=_today(site))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{site.slug}-evaluation-{month:%Y-%m}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Kind"), _("Desk or officer"), *(str(label) for _c, label in COLUMNS)])
    for kind, label in (("desk", _("Desk")), ("officer", _("Officer"))):
        for row in _table(view, kind):
            cells = [f"{v}*" if corrected else ("" if v is None else v) for v, corrected in row["cells"]]
            writer.writerow([label, _csv_cell(row["label"]), *cells])
    return response


# --- Officers: their own record, and acknowledging an inspection ----------------------------------


@require_GET
@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    """An officer's own ratings, inspections and complaint findings this month — and nobody else's."""
    user = request.user
    assert isinstance(user, User)  # login_required
    profile = StaffProfile.objects.select_related("site").filter(user=user).first()
    if profile is None:
        return render(request, "supervision/forbidden.html", {"site": None}, status=403)
    site = profile.site
    today = _today(site)
    first, _last = evaluation.month_bounds(today)
    return render(
        request,
        "supervision/my_record.html",
        {
            "site": site,
            "today": today,
            "ratings": Rating.objects.filter(officer=user, service_day__gte=first).select_related("desk", "ticket")[
                :200
            ],
            "inspections": Inspection.objects.filter(officer=user)
            .select_related("desk")
            .prefetch_related("items")[:100],
            "findings": ComplaintFinding.objects.filter(officer=user).select_related("complaint", "desk")[:100],
            "next": request.get_full_path(),
        },
    )


@require_POST
@login_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(Inspection, pk=pk, officer=request.user)
    try:
        accountability.acknowledge_inspection(
            inspection=inspection,
            user=request.user,  # type: ignore[arg-type]
            note=request.POST.get("note", ""),
        )
    except QueueError as exc:
        messages.error(request, str(exc.message))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("supervision:my-record")
    return redirect(target)
