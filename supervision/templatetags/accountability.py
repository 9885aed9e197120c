"""Accountability partials of other pages: a complaint's finding, and the inspections awaiting an officer."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import User

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
