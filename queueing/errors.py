"""Domain errors: each has a stable `code`, an HTTP status and a translated message.

Services raise them; `queueing.apikit` turns them into the SPEC's JSON error shape
in one place, so the same refusal reads the same from the kiosk, the desk and
a keypad.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class QueueError(Exception):
    code = "invalid_request"
    status = 400
    default_message: str | Promise = _("The request is not valid.")

    def __init__(self, message: str | Promise | None = None, **extra: Any) -> None:
        self.message = message if message is not None else self.default_message
        # Extra fields of the error body, e.g. `retry_at` for "come back at".
        self.extra = extra
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        for key, value in self.extra.items():
            body[key] = value.isoformat() if isinstance(value, dt.datetime) else value
        return body


class InvalidRequest(QueueError):
    pass


class ReasonRequired(QueueError):
    code = "reason_required"
    default_message = _("Choose a reason from the site's list for this action.")


class UnknownReason(ReasonRequired):
    # The SPEC's answer for a wrong field (400 reason_required), with its own message: the code
    # names no reason of the site.
    default_message = _("This is not one of the site's reasons; choose one from the list.")


class Unauthenticated(QueueError):
    code = "unauthenticated"
    status = 401
    default_message = _("Sign in, or send a valid desk device token.")


class Forbidden(QueueError):
    code = "forbidden"
    status = 403
    default_message = _("You may not act on this site or desk.")


class NotFound(QueueError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Conflict(QueueError):
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"


class DeskPaused(Conflict):
    code = "desk_paused"
    default_message = _("The desk is paused; resume it first.")


class DeskClosed(Conflict):
    code = "desk_closed"
    default_message = _("The desk is closed; open it first.")


class DeskBusy(Conflict):
    code = "desk_busy"
    default_message = _("The desk has a ticket in hand; finish it first.")


class BusinessTypeInactive(Conflict):
    code = "business_type_inactive"
    default_message = _("This business is not offered at the moment.")


class ClosedNow(Conflict):
    code = "closed_now"


class PastClosing(Conflict):
    code = "past_closing"


class DailyCapReached(Conflict):
    code = "daily_cap_reached"


class NoticeUsed(Conflict):
    code = "notice_used"


class NoticeExpired(Conflict):
    code = "notice_expired"


class NoticeExists(Conflict):
    code = "notice_exists"


class RateLimited(QueueError):
    code = "rate_limited"
    status = 429
    default_message = _("Too many tickets from this kiosk; please wait a moment.")

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


class Unavailable(QueueError):
    code = "unavailable"
    status = 503
    default_message = _("The service is briefly unavailable; please try again in a few seconds.")
