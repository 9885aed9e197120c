"""Template pieces the queue's pages include without the queue knowing about bookings."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from appointments import selectors
from appointments.models import Booking, TicketAlert
from queueing.models import Desk, Ticket

register = template.Library()


@register.inclusion_tag("appointments/_desk_load.html")
def booked_load(desk: Desk) -> dict[str, Any]:
    """Today's bookings per hour for the desk's business types (the desk page's side panel)."""
    site = desk.site
    type_ids = list(desk.business_types.values_list("pk", flat=True))
    hours = selectors.booked_per_hour(site=site, type_ids=type_ids, day=site.service_day(timezone.now()))
    return {"hours": hours, "peak": max((n for _h, n in hours), default=0)}


@register.inclusion_tag("appointments/_ticket_alerts.html", takes_context=True)
def ticket_alerts(context: template.Context, token: str, for_document: bool = False) -> dict[str, Any]:
    """The phone page's form for a mobile number (texts at 3 ahead and when called), where the site sends texts.

    Never shows the number itself: once one is left, the page only says that texts will come.
    """
    hidden: dict[str, Any] = {"show": False}
    ticket = Ticket.objects.select_related("site").filter(token=token).first()
    if ticket is None or not selectors.settings_for(ticket.site).keeps_phone:
        return hidden
    if Booking.objects.filter(ticket=ticket, phone__isnull=False).exists():
        return hidden  # a booking's number is texted already
    if not for_document and ticket.status not in ("waiting", "called"):
        return hidden  # a done ticket's document case shows its own ("ready")
    subscribed = TicketAlert.objects.filter(ticket=ticket, phone__isnull=False).exists()
    request = context.get("request")
    return {
        "show": True,
        "token": ticket.token,
        "subscribed": subscribed,
        "just_left": request is not None and request.GET.get("alerts") == "1",
        "for_document": for_document,
        "csrf_token": context.get("csrf_token"),
    }
