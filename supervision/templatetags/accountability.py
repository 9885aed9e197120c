"""Accountability partials of other pages: a complaint's finding, and the inspections awaiting an officer."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.utils import timezone

from queueing.models import Site
from supervision.accountability_forms import FindingForm
from supervision.models import Complaint, ComplaintFinding, Inspection

register = template.Library()


@register.inclusion_tag("supervision/_complaint_finding.html", takes_context=True)
def complaint_finding(context: template.Context, complaint: Complaint, site: Site) -> dict[str, Any]:
    finding = ComplaintFinding.objects.filter(complaint=complaint).select_related("officer__staff").first()
    return {
        "site": site,
        "complaint": complaint,
        "finding": finding,
        "form": None if finding else FindingForm(site=site),
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages"),
    }


@register.inclusion_tag("supervision/_desk_inspections_list.html", takes_context=True)
def desk_inspections(context: template.Context) -> dict[str, Any]:
    """The inspections of the signed-in officer still to acknowledge, for the desk page."""
    request = context.get("request")
    user = getattr(request, "user", None)
    pending = (
        Inspection.objects.filter(officer=user, status=Inspection.Status.RECORDED)
        .select_related("desk")
        .prefetch_related("items")
        .order_by("inspected_at", "pk")
        if isinstance(user, User)
        else Inspection.objects.none()
    )
    return {
        "pending": list(pending[:20]),
        "site": context.get("site"),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }


@register.simple_tag
def inspection_counts(site: Site) -> dict[str, int]:
    """Inspections with a finding not yet rectified, and those of them past their deadline."""
    today = site.service_day(timezone.now())
    return (
        Inspection.objects.filter(site=site, deadline__isnull=False)
        .exclude(status=Inspection.Status.RECTIFIED)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today)))
    )
