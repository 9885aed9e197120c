"""The rating tablet's socket: its group, its messages, and the handle it is given.

When a desk completes a ticket, `queueing.broadcast._publish` (after the
commit, like every live message) adds `rating_messages(events)` to its outbox:
the desk's tablet gets a `rating.request` with a signed, short-lived handle
for that one ticket — never the ticket's phone token, which would let the
tablet (or anyone watching its socket) follow or cancel the citizen's ticket.

Messages on `/ws/v1/sites/<site>/desks/<n>/rating/`:

    {"type": "snapshot", "state": "idle"}
    {"type": "snapshot", "state": "pending", "handle": "…", "number": "A012", …}
    {"type": "rating.request", "handle": "…", "number": "A012", "business_type_name": "户口迁移", …}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core import signing
from django.utils import timezone

from queueing.errors import NotFound
from queueing.models import Desk, Event, Ticket
from supervision import profiles
from supervision.errors import RatingExpired

# The tablet offers the form this long after the completion (the 60 s) …
TABLET_SECONDS = 60
# … and the handle stays good a while longer, for a citizen still typing a comment.
HANDLE_MAX_AGE = 10 * 60
_SALT = "supervision.rating-handle"


def rating_group(desk_id: int) -> str:
    return f"rating.{desk_id}"


def rating_handle(ticket: Ticket) -> str:
    return signing.dumps({"t": ticket.pk}, salt=_SALT)


def ticket_for_handle(handle: str) -> Ticket:
    """The ticket a tablet's handle stands for; NotFound for a forged one, RatingExpired for a stale one."""
    try:
        data = signing.loads(handle[:200], salt=_SALT, max_age=HANDLE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise RatingExpired() from exc
    except signing.BadSignature as exc:
        raise NotFound() from exc
    ticket = Ticket.objects.select_related("site", "business_type").filter(pk=data.get("t")).first()
    if ticket is None:
        raise NotFound()
    return ticket


def request_payload(ticket: Ticket, *, now: dt.datetime | None = None) -> dict[str, Any]:
    finished = ticket.finished_at or timezone.now()
    left = TABLET_SECONDS - ((now or timezone.now()) - finished).total_seconds()
    return {
        "type": "rating.request",
        "handle": rating_handle(ticket),
        "number": ticket.number,
        "business_type_name": ticket.business_type.name,
        "business_type_name_en": ticket.business_type.name_en,
        "seconds": max(1, min(TABLET_SECONDS, round(left))),
        "served_by": profiles.served_by(ticket),
    }


def rating_messages(events: Iterable[Event]) -> list[tuple[str, dict[str, Any]]]:
    """Added to every broadcast (`queueing.broadcast.add_messages`): a rating request per completing desk."""
    return [
        (rating_group(event.desk_id), request_payload(event.ticket))
        for event in events
        if event.kind == Event.Kind.TICKET_COMPLETED and event.ticket is not None and event.desk_id is not None
    ]


def tablet_snapshot(desk: Desk, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Idle, or the desk's ticket completed in the last TABLET_SECONDS and not yet rated."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_related("business_type")
        .filter(
            desk=desk,
            status=Ticket.Status.DONE,
            finished_at__gte=now - dt.timedelta(seconds=TABLET_SECONDS),
            rating__isnull=True,
        )
        .order_by("-finished_at", "-pk")
        .first()
    )
    if ticket is None:
        return {"type": "snapshot", "state": "idle"}
    return {**request_payload(ticket, now=now), "type": "snapshot", "state": "pending"}
