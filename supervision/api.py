"""Supervision's endpoints of the JSON API v1: rating a visit, and today at a glance.

- `GET/POST /api/v1/tickets/<token>/rating/` — the phone page (the SPEC's "rate").
- `POST /api/v1/ratings/<handle>/` — the rating tablet, with the signed handle
  its socket gave it (it never learns the phone token).
- `GET /api/v1/sites/<site>/supervision/today/` — the supervision page's live
  figures, for a signed-in supervisor of the site.

Answers never carry the call-back number.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from queueing.apikit import ERRORS, get_site, get_ticket
from queueing.auth import OfficerSessionAuth
from queueing.broadcast import help_payload
from queueing.errors import Forbidden
from queueing.models import Site, Ticket
from queueing.ratelimit import client_address
from queueing.schemas import JSON_INTEGER
from supervision import broadcast, selectors, services
from supervision.models import COMMENT_MAX, Rating

router = Router()


Level = Annotated[int, Field(ge=1, le=5), JSON_INTEGER]
# A call-back number as the phone page sends it (separators removed): a mobile, a landline with
# its area code and extension, or a local number (supervision.services.normalize_phone).
PHONE_PATTERN = r"^$|^(?:(?:\+?86)?1[3-9][0-9]{9}|0[0-9]{2,3}[0-9]{7,8}(?:[0-9]{1,6})?|[2-9][0-9]{6,7})$"


class RatingIn(Schema):
    overall: Level = Field(..., description="1 (非常不满意) … 5 (非常满意)")
    efficiency: Level | None = None
    skill: Level | None = None
    attitude: Level | None = None
    reason: Literal["", "long_wait", "attitude", "unclear", "slow", "other"] = Field(
        "", description="Why a bad rating (overall ≤ 2) is bad; ignored otherwise."
    )
    comment: str = Field("", max_length=COMMENT_MAX)
    phone: str = Field(
        "", max_length=20, pattern=PHONE_PATTERN, description="optional, for a call-back; never shown publicly"
    )


class RatingOut(Schema):
    number: str
    rated: bool
    can_rate: bool
    overall: int | None = None
    follow_up: bool = Field(False, description="A bad rating opened a follow-up case.")


def rating_out(ticket: Ticket, rating: Rating | None) -> RatingOut:
    return RatingOut(
        number=ticket.number,
        rated=rating is not None,
        can_rate=rating is None and ticket.status == Ticket.Status.DONE,
        overall=rating.overall if rating else None,
        follow_up=rating is not None and rating.is_bad,
    )


def _rate(request: HttpRequest, ticket: Ticket, payload: RatingIn, channel: str) -> Status[RatingOut]:
    rating = services.rate_ticket(
        ticket=ticket, channel=channel, address=client_address(request), **payload.model_dump()
    )
    return Status(201, rating_out(ticket, rating))


@router.get("/tickets/{token}/rating/", response={200: RatingOut, **ERRORS}, tags=["phone"])
def ticket_rating(request: HttpRequest, token: str) -> RatingOut:
    """Whether the visit can be rated now, or how it was rated."""
    ticket = get_ticket(token)
    return rating_out(ticket, Rating.objects.filter(ticket=ticket).first())


@router.post("/tickets/{token}/rating/", response={201: RatingOut, **ERRORS}, tags=["phone"])
def rate_ticket(request: HttpRequest, token: str, payload: RatingIn) -> Status[RatingOut]:
    """Rate a completed visit once (409 `already_rated`, 409 `invalid_transition` before it is completed)."""
    return _rate(request, get_ticket(token), payload, Rating.Channel.PHONE)


@router.post("/ratings/{handle}/", response={201: RatingOut, **ERRORS}, tags=["rating tablet"])
def rate_by_handle(request: HttpRequest, handle: str, payload: RatingIn) -> Status[RatingOut]:
    """The desk's rating tablet rates the visit its socket announced (409 `rating_expired` when stale)."""
    return _rate(request, broadcast.ticket_for_handle(handle), payload, Rating.Channel.TABLET)


class WaitingRowOut(Schema):
    prefix: str
    name: str
    waiting: int
    open_desks: int


class DeskRowOut(Schema):
    number: int
    name: str
    state: str
    state_label: str
    officer: str | None
    ticket: str | None


class HelpRowOut(Schema):
    kiosk: str
    waited_seconds: int


class TodayOut(Schema):
    day: dt.date
    waiting: list[WaitingRowOut]
    waiting_total: int
    longest_wait_minutes: int | None
    longest_wait_number: str | None
    desks: list[DeskRowOut]
    desks_open: int
    desks_paused: int
    issued: int
    served: int
    no_shows: int
    open_cases: int
    overdue_cases: int
    new_complaints: int
    help: list[HelpRowOut] = Field(default_factory=list, description="Kiosks waiting for staff, oldest first.")


@router.get(
    "/sites/{site}/supervision/today/",
    response={200: TodayOut, **ERRORS},
    auth=OfficerSessionAuth(),
    tags=["supervision"],
)
def today(request: HttpRequest, site: str) -> TodayOut:
    """Today at a glance (supervisors of the site): waiting, longest wait, desks, served, no-shows."""
    site_obj = get_site(site)
    if not selectors.can_supervise(request.user, site_obj):
        raise Forbidden()
    return today_out(site_obj, timezone.now())


def today_out(site: Site, now: dt.datetime) -> TodayOut:
    glance = selectors.today_glance(site=site, now=now)
    cases = selectors.open_case_counts(site=site, today=glance.day)
    return TodayOut(
        day=glance.day,
        waiting=[WaitingRowOut(**vars(row)) for row in glance.waiting],
        waiting_total=glance.waiting_total,
        longest_wait_minutes=glance.longest_wait_minutes,
        longest_wait_number=glance.longest_wait_number,
        desks=[DeskRowOut(**vars(row)) for row in glance.desks],
        desks_open=glance.desks_open,
        desks_paused=glance.desks_paused,
        issued=glance.issued,
        served=glance.served,
        no_shows=glance.no_shows,
        open_cases=cases["open"],
        overdue_cases=cases["overdue"],
        new_complaints=selectors.complaints(site=site, status="new").count(),
        help=[HelpRowOut(kiosk=r["kiosk"], waited_seconds=r["waited_seconds"]) for r in help_payload(site)["requests"]],
    )
