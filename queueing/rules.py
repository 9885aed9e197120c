"""When the kiosk may issue a ticket for a business type (SPEC "Opening").

Shared by issuance, which raises the refusal, and the kiosk's overview, which
shows it before anyone taps.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from queueing import opening
from queueing.errors import BusinessTypeInactive, ClosedNow, DailyCapReached, PastClosing, QueueError
from queueing.models import BusinessType, Site


def when(site: Site, moment: dt.datetime | None) -> str:
    if moment is None:
        return _("another day")
    return formats.date_format(site.local(moment), "m-d H:i")


def issuance_refusal(
    *,
    site: Site,
    business_type: BusinessType,
    hours: opening.Opening,
    issued_today: int,
    estimate_minutes: int,
    now: dt.datetime,
    returning: bool = False,
) -> QueueError | None:
    """The error to answer with, or None when a ticket may be issued. Each refusal says when to come back.

    A citizen `returning` with a missing-documents notice was promised the
    business on this second visit (确保两次完成): the daily cap and the
    past-closing estimate do not turn them away, only a closed hall does.
    """
    if not business_type.active:
        return BusinessTypeInactive()
    if not hours.is_open:
        return ClosedNow(
            _("The hall is closed now. Please come back at %(when)s.") % {"when": when(site, hours.next_open)},
            retry_at=hours.next_open,
        )
    if returning:
        return None
    if business_type.daily_cap is not None and issued_today >= business_type.daily_cap:
        come_back = opening.next_opening(site, now, skip_today=True)
        return DailyCapReached(
            _("Today's tickets for %(name)s are all taken. Please come back at %(when)s.")
            % {"name": business_type.name, "when": when(site, come_back)},
            retry_at=come_back,
        )
    if estimate_minutes > hours.minutes_left_today:
        come_back = opening.next_opening(site, now, skip_today=True)
        return PastClosing(
            _("The queue for %(name)s already runs past closing time today. Please come back at %(when)s.")
            % {"name": business_type.name, "when": when(site, come_back)},
            retry_at=come_back,
        )
    return None
