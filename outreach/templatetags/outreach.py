"""Outreach's lines on the queue's pages: the case on a ticket's phone page, sessions on the kiosk and display."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from notices.models import CODE_ALPHABET
from outreach import selectors
from outreach.forms import DeliveryForm
from outreach.models import DocumentCase, local_today
from queueing.models import Site

register = template.Library()
KIOSK_SESSIONS = 3


@register.inclusion_tag("outreach/_ticket_case.html")
def outreach_case(token: str) -> dict[str, Any]:
    """The phone page of a ticket whose business produces a document later becomes the case's page."""
    case = DocumentCase.objects.select_related("delivery").filter(ticket__token=token).first()
    if case is None:
        return {"case": None}
    steps = [
        (DocumentCase.Status.ACCEPTED, DocumentCase.Status.ACCEPTED.label),
        (DocumentCase.Status.IN_PRODUCTION, DocumentCase.Status.IN_PRODUCTION.label),
        (DocumentCase.Status.READY, DocumentCase.Status.READY.label),
        (
            case.status if case.status in DocumentCase.CLOSED else DocumentCase.Status.PICKED_UP,
            case.get_status_display() if case.status in DocumentCase.CLOSED else DocumentCase.Status.PICKED_UP.label,
        ),
    ]
    can_deliver = case.status not in DocumentCase.CLOSED and case.delivery_id is None and case.pickup_ticket_id is None
    return {
        "case": case,
        "steps": steps,
        "delivery_form": DeliveryForm(auto_id="dl-%s") if can_deliver else None,
        "delivery_code": case.delivery.code if case.delivery_id and case.delivery else None,
    }


@register.inclusion_tag("outreach/_kiosk.html")
def outreach_kiosk(site: Site) -> dict[str, Any]:
    today = local_today(site, timezone.now())
    return {
        "site": site,
        "sessions": list(selectors.upcoming_sessions(site, today)[:KIOSK_SESSIONS]),
        "alphabet": CODE_ALPHABET,
    }


@register.inclusion_tag("outreach/_display.html")
def outreach_display(site: Site) -> dict[str, Any]:
    """The coming sessions as one line under the display's notice line."""
    today = local_today(site, timezone.now())
    return {"sessions": list(selectors.upcoming_sessions(site, today)[:KIOSK_SESSIONS])}


@register.inclusion_tag("outreach/_supervision_link.html")
def outreach_supervision_link(site: Site, active: str = "") -> dict[str, Any]:
    """The supervision pages' link to outreach figures, with the count of overdue requests."""
    today = local_today(site, timezone.now())
    return {"site": site, "active": active, "overdue": selectors.overdue(site, today).count()}


@register.inclusion_tag("outreach/_checklist_sessions.html")
def outreach_sessions_list(site: Site) -> dict[str, Any]:
    """The coming mobile service sessions on the public checklist index, as the kiosk lists them."""
    today = local_today(site, timezone.now())
    return {"site": site, "sessions": list(selectors.upcoming_sessions(site, today))}
