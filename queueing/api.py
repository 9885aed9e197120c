"""The queue's part of the JSON API v1 (SPEC "Fixed paths"). Endpoints validate, call a service, shape the answer."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from queueing import ratelimit, readcache, redeemers, screens, selectors, services
from queueing.apikit import ERRORS, IDEMPOTENCY_KEY_MAX, add_links, desk_and_actor, get_site, get_ticket
from queueing.auth import desk_auth
from queueing.errors import InvalidRequest, NotFound
from queueing.models import Desk, HelpRequest, Reason, Site, Ticket
from queueing.schemas import (
    UNREAD,
    BusinessTypeOut,
    DeskActionOut,
    HelpIn,
    HelpOut,
    IssueIn,
    NumberIn,
    PauseIn,
    ReasonOut,
    SnapshotOut,
    TicketOut,
    TransferIn,
    desk_action_out,
    help_out,
    snapshot_out,
    ticket_out,
)

log = logging.getLogger(__name__)
router = Router()
# --- Kiosk and phone ----------------------------------------------------------


@router.get("/sites/{site}/business-types/", response={200: list[BusinessTypeOut], **ERRORS}, tags=["kiosk"])
def business_types(request: HttpRequest, site: str) -> HttpResponse:
    """Active business types in the site's order, with waiting counts and estimated waits."""
    site_obj = get_site(site)
    # Kiosks poll this all day: one answer per site version (queueing/readcache.py).
    return readcache.answer(
        request,
        ("business-types", site_obj.pk),
        readcache.etag_for(site_obj),
        lambda: _business_types(site_obj),
    )


def _business_types(site_obj: Site) -> list[BusinessTypeOut]:
    now = timezone.now()
    return [
        BusinessTypeOut(
            prefix=o.business_type.prefix,
            name=o.business_type.name,
            name_en=o.business_type.name_en,
            waiting=o.waiting,
            open_desks=o.open_desks,
            estimated_wait_minutes=o.estimated_wait_minutes,
            available=o.refusal is None,
            unavailable_reason=o.refusal,
        )
        for o in selectors.kiosk_overview(site=site_obj, now=now)
    ]


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX},
    "description": "A retry with the same key returns the same ticket.",
}


# What a client can do with the ticket just issued: follow it, cancel it, rate it once served.
add_links(
    "queueing_api_issue",
    201,
    {
        name: {"operationId": operation, "parameters": {"token": "$response.body#/token"}}
        for name, operation in {
            "TicketStatus": "queueing_api_ticket_status",
            "CancelTicket": "queueing_api_ticket_cancel",
            "TicketRating": "supervision_api_ticket_rating",
            "RateTicket": "supervision_api_rate_ticket",
        }.items()
    },
)


@router.post(
    "/sites/{site}/tickets/",
    response={201: TicketOut, **ERRORS},
    tags=["kiosk"],
    openapi_extra={"parameters": [IDEMPOTENCY_HEADER]},
)
def issue(request: HttpRequest, site: str, payload: IssueIn) -> Status[TicketOut]:
    """Take a ticket (anonymous, rate-limited per client address, idempotent)."""
    key = request.headers.get("Idempotency-Key") or None
    valid_key = key is None or (len(key) <= IDEMPOTENCY_KEY_MAX and key.isprintable())
    prefix = (payload.business_type or "").upper()
    # The site, its business type and checklist, and the key's earlier ticket: one statement.
    context = selectors.issue_context(
        slug=site, prefix=prefix, key=key if valid_key else None, checklist_number=payload.checklist_version
    )
    if context is None:
        raise NotFound(_("There is no site “%(slug)s”.") % {"slug": site})
    site_obj = context.site
    if not valid_key:
        raise InvalidRequest(_("The Idempotency-Key header is too long or not printable."))
    if key is not None and context.key_ticket is not None:
        existing = selectors.ticket_for_key(site=site_obj, key=key)
        if existing is not None:
            return Status(201, ticket_out(existing))
    ratelimit.check_kiosk_rate(request)  # before a notice code is looked at: codes cannot be tried in bulk
    actor = services.Actor(kind="kiosk", address=ratelimit.client_address(request))
    if payload.appointment_code is not None:
        redeem = redeemers.get("appointment_code")
        if redeem is None:
            raise InvalidRequest(_("This site takes no appointments."))
        issued = redeem(site=site_obj, code=payload.appointment_code, actor=actor, idempotency_key=key)
        return Status(201, ticket_out(issued.ticket, ahead=issued.ahead, estimate=issued.estimated_wait_minutes))
    assert payload.business_type is not None  # IssueIn asks for one or the other
    issued = services.issue_ticket(
        site=site_obj,
        prefix=prefix,
        context=context,
        priority=payload.priority,
        priority_kind=payload.priority_kind,
        idempotency_key=key,
        notice_code=payload.notice_code or None,
        checklist_version=payload.checklist_version,
        actor=actor,
    )
    return Status(201, ticket_out(issued.ticket, ahead=issued.ahead, estimate=issued.estimated_wait_minutes))


@router.get("/tickets/{token}/", response={200: TicketOut, **ERRORS}, tags=["phone"])
def ticket_status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = get_ticket(token)
    # Phones poll their ticket: one answer per site version and ticket state (queueing/readcache.py).
    etag = readcache.etag_for(ticket.site, ticket.status, ticket.recalls)
    return readcache.answer(request, ("ticket", ticket.pk), etag, lambda: ticket_out(ticket))


@router.post("/tickets/{token}/cancel/", response={200: TicketOut, **ERRORS}, tags=["phone"])
def ticket_cancel(request: HttpRequest, token: str) -> TicketOut:
    ticket = services.cancel(
        ticket=get_ticket(token),
        actor=services.Actor(kind="citizen", address=ratelimit.client_address(request)),
    )
    return ticket_out(ticket)


# --- Site ---------------------------------------------------------------------


@router.get("/sites/{site}/snapshot/", response={200: SnapshotOut, **ERRORS}, tags=["display"])
def snapshot(request: HttpRequest, site: str) -> HttpResponse:
    """Desks with their ticket in hand and state, waiting per business type, recent calls."""
    site_obj = get_site(site)
    # Every lobby screen reloads it after a gap or a restart: one answer per site version.
    return readcache.answer(
        request,
        ("snapshot", site_obj.pk),
        readcache.etag_for(site_obj),
        lambda: snapshot_out(site_obj, timezone.now()),
    )


@router.get("/sites/{site}/reasons/", response={200: list[ReasonOut], **ERRORS}, tags=["desk"])
def reasons(request: HttpRequest, site: str) -> list[ReasonOut]:
    """The site's reasons for out-of-order actions (call a number, requeue, transfer, priority, pause)."""
    return [
        ReasonOut(code=r.code, label=r.label, label_en=r.label_en)
        for r in Reason.objects.filter(site=get_site(site), active=True)
    ]


# --- Desk -------------------------------------------------------------------------


def desk_answer(desk: Desk, in_hand: Ticket | None = UNREAD) -> DeskActionOut:
    # Re-read after the action, with everything the answer shows in three queries.
    desk = Desk.objects.select_related("site", "officer").prefetch_related("business_types").get(pk=desk.pk)
    return desk_action_out(desk, in_hand)


DESK: dict[str, Any] = {"response": {200: DeskActionOut, **ERRORS}, "auth": desk_auth, "tags": ["desk"]}


@router.get("/sites/{site}/desks/{number}/", **DESK)
def desk_state(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    """The desk and its ticket in hand (for desk displays)."""
    desk, _actor = desk_and_actor(request, site, number)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/call-next/", **DESK)
def desk_call_next(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    """Finish the ticket in hand (served → done, called → no-show) and call the next one."""
    desk, actor = desk_and_actor(request, site, number)
    # The state the write built for the desk's live message is the answer too: nothing is read again.
    return services.call_next_with_state(desk=desk, actor=actor).state


@router.post("/sites/{site}/desks/{number}/recall/", **DESK)
def desk_recall(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.recall(desk=desk, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/start/", **DESK)
def desk_start(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.start(desk=desk, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/complete/", **DESK)
def desk_complete(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.complete(desk=desk, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/no-show/", **DESK)
def desk_no_show(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.no_show(desk=desk, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/call/", **DESK)
def desk_call(request: HttpRequest, site: str, number: int, payload: NumberIn) -> DeskActionOut:
    """Call a given waiting number out of turn; `reason` is one of the site's reason codes."""
    desk, actor = desk_and_actor(request, site, number)
    services.call_number(desk=desk, number=payload.number, reason_code=payload.reason, note=payload.note, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/requeue/", **DESK)
def desk_requeue(request: HttpRequest, site: str, number: int, payload: NumberIn) -> DeskActionOut:
    """Put a no-show back in the queue at its original place."""
    desk, actor = desk_and_actor(request, site, number)
    services.requeue(desk=desk, number=payload.number, reason_code=payload.reason, note=payload.note, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/priority/", **DESK)
def desk_priority(request: HttpRequest, site: str, number: int, payload: NumberIn) -> DeskActionOut:
    """Give a waiting ticket priority."""
    desk, actor = desk_and_actor(request, site, number)
    services.set_priority(desk=desk, number=payload.number, reason_code=payload.reason, note=payload.note, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/transfer/", **DESK)
def desk_transfer(request: HttpRequest, site: str, number: int, payload: TransferIn) -> DeskActionOut:
    """Send the ticket being served to another business type's queue (same number)."""
    desk, actor = desk_and_actor(request, site, number)
    services.transfer(
        desk=desk, prefix=payload.business_type, reason_code=payload.reason, note=payload.note, actor=actor
    )
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/pause/", **DESK)
def desk_pause(request: HttpRequest, site: str, number: int, payload: PauseIn) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.pause_desk(desk=desk, reason_code=payload.reason, note=payload.note, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/resume/", **DESK)
def desk_resume(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.resume_desk(desk=desk, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/open/", **DESK)
def desk_open(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.open_desk(desk=desk, actor=actor)
    return desk_answer(desk)


@router.post("/sites/{site}/desks/{number}/close/", **DESK)
def desk_close(request: HttpRequest, site: str, number: int) -> DeskActionOut:
    desk, actor = desk_and_actor(request, site, number)
    services.close_desk(desk=desk, actor=actor)
    return desk_answer(desk)


# --- Help at the kiosk ------------------------------------------------------------

# The kiosk follows its request by the token it was given.
add_links(
    "queueing_api_help_raise",
    201,
    {"HelpStatus": {"operationId": "queueing_api_help_status", "parameters": {"token": "$response.body#/token"}}},
)


@router.post("/sites/{site}/help/", response={201: HelpOut, **ERRORS}, tags=["kiosk"])
def help_raise(request: HttpRequest, site: str, payload: HelpIn) -> Status[HelpOut]:
    """A citizen at a kiosk asks for staff (请工作人员协助); asking again while open returns the same request."""
    site_obj = get_site(site)
    kiosk = screens.clean_name(payload.kiosk)
    if kiosk is None:
        raise InvalidRequest(_("The kiosk needs a name."))
    ratelimit.check_kiosk_rate(request)
    raised = services.raise_help(
        site=site_obj, kiosk=kiosk, actor=services.Actor(kind="kiosk", address=ratelimit.client_address(request))
    )
    return Status(201, help_out(raised))


@router.get("/help/{token}/", response={200: HelpOut, **ERRORS}, tags=["kiosk"])
def help_status(request: HttpRequest, token: str) -> HelpOut:
    """The kiosk follows its request: open, or taken (and by which desk)."""
    found = HelpRequest.objects.select_related("desk").filter(token=token).first()
    if found is None:
        raise NotFound(_("This help request does not exist."))
    return help_out(found)


@router.post(
    "/sites/{site}/desks/{number}/help/{help_id}/take/",
    response={200: HelpOut, **ERRORS},
    auth=desk_auth,
    tags=["desk"],
)
def help_take(request: HttpRequest, site: str, number: int, help_id: int) -> HelpOut:
    """An officer of the site goes to the kiosk; the first to take a request has it (409 for the others)."""
    desk, actor = desk_and_actor(request, site, number)
    return help_out(services.take_help(desk=desk, help_id=help_id, actor=actor))
