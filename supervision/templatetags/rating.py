"""`{% rating_form token %}`: the self-contained rating form (好差评), for the phone page and the tablet."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from queueing.models import Ticket
from supervision import profiles
from supervision.models import COMMENT_MAX, BadReason, Score

register = template.Library()

CRITERIA = [
    # The criteria halls rate (整体满意度, 服务效率, 服务水平, 服务态度); the first is required.
    ("overall", _("Overall satisfaction")),
    ("efficiency", _("Efficiency")),
    ("skill", _("Skill")),
    ("attitude", _("Attitude")),
]


@register.inclusion_tag("supervision/_rating_form.html")
def rating_form(token: str | None = None, tablet: bool = False) -> dict[str, Any]:
    """With a ticket token (the phone page) the form rates that ticket through
    `/api/v1/tickets/<token>/rating/` and shows itself once the ticket is done;
    without one (the tablet) it waits for the tablet script to open it with a handle."""
    ticket = (
        Ticket.objects.select_related("site", "officer").filter(token=token, officer__isnull=False).first()
        if token
        else None
    )
    return {
        "served_by": profiles.served_by(ticket) if ticket is not None else "",
        "token": token or "",
        "tablet": tablet,
        "scores": Score.choices,
        "criteria": CRITERIA,
        "reasons": [(value, label) for value, label in BadReason.choices if value],
        "comment_max": COMMENT_MAX,
    }
