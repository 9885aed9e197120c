"""Template pieces the queue's pages include without the queue knowing about bookings."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from appointments import selectors
from queueing.models import Desk

register = template.Library()


@register.inclusion_tag("appointments/_desk_load.html")
def booked_load(desk: Desk) -> dict[str, Any]:
    """Today's bookings per hour for the desk's business types (the desk page's side panel)."""
    site = desk.site
    type_ids = list(desk.business_types.values_list("pk", flat=True))
    hours = selectors.booked_per_hour(site=site, type_ids=type_ids, day=site.service_day(timezone.now()))
    return {"hours": hours, "peak": max((n for _h, n in hours), default=0)}
