"""Accountability pages: the public `/open/<site>/` page (警务公开), inspections, the monthly evaluation.

The public page shows windows by their name and officers only by their public
profile (a display name where the site allows it, the police number): no
account name and nothing about a citizen ever reaches it.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from queueing import officers
from queueing.models import Desk, Site
from supervision import evaluation
from supervision.models import MonthlyEvaluation


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
    on_duty = [
        (desk, officers.on_duty(desk))
        for desk in Desk.objects.filter(site=site_obj, state=Desk.State.OPEN)
        .select_related("site", "officer__staff")
        .order_by("number")
    ]
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
