"""Request and response shapes of the JSON API (and of the live messages built on them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, model_validator

from notices.models import ChecklistVersion, Notice
from queueing import officers, selectors
from queueing.models import Desk, Event, HelpRequest, Site, Ticket


def _a_json_integer(value: Any) -> Any:
    """What JSON Schema calls an integer (7 or 7.0), and not the strings or booleans pydantic would take."""
    if isinstance(value, bool | str):
        raise ValueError("must be an integer")  # noqa: TRY004  (pydantic wants ValueError)
    return value


# An integer field as the OpenAPI document promises it: 7 and 7.0 are integers, "7" and true are not.
# Bounds go before the validator (Annotated[int, Field(ge=1), JSON_INTEGER]), or the document loses them.
JSON_INTEGER = BeforeValidator(_a_json_integer)
JsonInt = Annotated[int, JSON_INTEGER]

Prefix = Field(..., min_length=1, max_length=1, pattern=r"^[A-Za-z]$", examples=["A"])
TicketNumber = Field(..., min_length=2, max_length=12, pattern=r"^[A-Za-z][0-9]{3,}$", examples=["A012"])
ReasonCode = Field(
    ...,
    min_length=1,
    max_length=40,
    examples=["elderly_disabled"],
    description="One of the site's reason codes (GET /sites/{site}/reasons/); another answers 400 reason_required.",
)
Note = Field("", max_length=500)


class ErrorDetail(Schema):
    code: str = Field(..., examples=["invalid_transition"])
    message: str
    retry_at: dt.datetime | None = None


class ErrorOut(Schema):
    error: ErrorDetail


# --- Requests ---------------------------------------------------------------


class IssueIn(Schema):
    business_type: str | None = Field(None, min_length=1, max_length=1, pattern=r"^[A-Za-z]$", examples=["A"])
    # Strict: a kiosk sending 0 or "yes" has a bug worth hearing about, not a guessed priority.
    priority: StrictBool = False
    priority_kind: Literal["", "elderly", "disabled", "pregnant", "other"] = ""
    notice_code: str | None = Field(
        None, max_length=200, description="A missing-documents notice's code: the return visit's priority ticket."
    )
    checklist_version: Annotated[int, Field(ge=1), JSON_INTEGER] | None = Field(
        None, description="The checklist version the kiosk showed; default: the one published now."
    )
    appointment_code: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="A booking's code: checks the booking in. The booking's own business type is used; "
        "business_type, priority, notice_code and checklist_version are then ignored.",
    )

    # The document says it too: a ticket is for a business type or for a booking.
    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["business_type"], "properties": {"business_type": {"type": "string"}}},
                {"required": ["appointment_code"], "properties": {"appointment_code": {"type": "string"}}},
            ]
        }
    }

    @model_validator(mode="after")
    def _business_or_booking(self) -> IssueIn:
        if self.business_type is None and self.appointment_code is None:
            raise ValueError("Send business_type, or appointment_code to check a booking in.")
        return self


class NumberIn(Schema):
    number: str = TicketNumber
    reason: str = ReasonCode
    note: str = Note


class TransferIn(Schema):
    business_type: str = Prefix
    reason: str = ReasonCode
    note: str = Note


class PauseIn(Schema):
    reason: str = ReasonCode
    note: str = Note


# --- Responses --------------------------------------------------------------


class NoticeBrief(Schema):
    code: str
    url: str
    expires_at: dt.datetime


class TicketOut(Schema):
    number: str
    token: str
    status: str
    status_label: str
    priority: bool
    priority_source: str
    appointment: bool = Field(False, description="A booked citizen's ticket (checked in at the kiosk).")
    appointment_start: dt.datetime | None = Field(None, description="The start of the booked slot.")
    business_type: str
    business_type_name: str
    business_type_name_en: str
    ahead: int
    estimated_wait_minutes: int | None
    desk: str | None
    desk_name: str | None
    recalls: int
    service_day: dt.date
    issued_at: dt.datetime
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    url: str
    checklist_url: str | None = Field(None, description="The checklist shown at issue (or the current one).")
    notice: NoticeBrief | None = Field(None, description="The missing-documents notice given at this visit.")


class OnDutyOut(Schema):
    name: str | None = Field(None, description="Display name, only where the site makes names public.")
    police_number: str | None = Field(None, description="警号")
    photo: str | None = Field(None, description="URL of the photo, if any.")


class DeskOut(Schema):
    number: str
    name: str
    state: str
    business_types: list[str]
    officer: str | None = Field(
        None, description="The signed-in officer's account; only in answers to desk credentials."
    )
    ticket: str | None = Field(None, description="Number of the ticket in hand.")
    ticket_status: str | None = None
    ticket_business_type: str | None = None
    on_duty: OnDutyOut | None = Field(
        None, description="The public profile of the officer signed in at the desk (never the account name)."
    )


class DeskActionOut(Schema):
    ticket: TicketOut | None
    desk: DeskOut
    served_today: int = Field(..., description="Tickets this desk has completed today.")
    # Not `version`: on a socket that name is the display's gap-free sequence (live.js), which a desk's
    # messages are not (they skip the versions of other desks' writes).
    site_version: int = Field(
        ...,
        description="The site's version this state is as of (read before the state itself): a state of a lower "
        "site_version is older and can be dropped. Answers, live messages and snapshots arrive in any order.",
    )


class BusinessTypeOut(Schema):
    prefix: str
    name: str
    name_en: str
    waiting: int
    open_desks: int
    estimated_wait_minutes: int
    available: bool
    unavailable_reason: str | None = None


class ReasonOut(Schema):
    code: str
    label: str
    label_en: str


class WaitingOut(Schema):
    business_type: str
    name: str
    name_en: str
    waiting: int
    open_desks: int
    estimated_wait_minutes: int


class CallOut(Schema):
    number: str
    desk: str
    desk_name: str
    business_type: str
    recall: bool
    at: dt.datetime


class SnapshotOut(Schema):
    site: str
    name: str
    name_en: str
    version: int
    service_day: dt.date
    desks: list[DeskOut]
    waiting: list[WaitingOut]
    recent_calls: list[CallOut]


# --- Builders ---------------------------------------------------------------


# The statuses' (lazy, translated when shown) labels: get_status_display() rebuilds its choices on each call,
# a cost that counts in a broadcast.
STATUS_LABELS = dict(Ticket.Status.choices)


def ticket_out(ticket: Ticket, *, ahead: int | None = None, estimate: int | None = None) -> TicketOut:
    if ahead is None:
        ahead = selectors.ahead_of(ticket)
    if estimate is None:
        estimate = selectors.ticket_estimate(ticket, ahead)
    desk = ticket.desk if ticket.desk_id and ticket.is_active else None
    return TicketOut(
        number=ticket.number,
        token=ticket.token,
        status=ticket.status,
        status_label=str(STATUS_LABELS[ticket.status]),
        priority=ticket.priority,
        priority_source=ticket.priority_source,
        appointment=ticket.appointment_start is not None,
        appointment_start=ticket.appointment_start,
        business_type=ticket.business_type.prefix,
        business_type_name=ticket.business_type.name,
        business_type_name_en=ticket.business_type.name_en,
        ahead=ahead,
        estimated_wait_minutes=estimate,
        desk=str(desk.number) if desk else None,
        desk_name=str(desk) if desk else None,
        recalls=ticket.recalls,
        service_day=ticket.service_day,
        issued_at=ticket.issued_at,
        called_at=ticket.called_at,
        started_at=ticket.started_at,
        finished_at=ticket.finished_at,
        url=f"/t/{ticket.token}/",  # the phone page (a fixed path)
        checklist_url=_checklist_url(ticket),
        notice=_notice_brief(ticket),
    )


def _checklist_url(ticket: Ticket) -> str | None:
    # Fixed path (SPEC); a ticket still under the type it was shown links to that very version.
    url = f"/notices/{ticket.site.slug}/{ticket.business_type.prefix}/"
    if ticket.business_type_id == ticket.issued_business_type_id:
        shown = ticket.checklist_version
        return f"{url}?v={shown.number}" if shown is not None else None
    # Transferred (rare): the new business's current checklist, when it has one.
    published = ChecklistVersion.objects.filter(business_type_id=ticket.business_type_id, status="published")
    return url if published.exists() else None


# Set on a ticket that cannot have a notice yet (called for the first time just now): no read for it.
NO_NOTICE_YET = "_no_notice_yet"
# A ticket has at most one notice (a one-to-one): plain SQL, as the ORM's compilation cost more than the read.
_NOTICE_OF_TICKET = f"SELECT id, code, expires_at FROM {Notice._meta.db_table} WHERE ticket_id = %s"  # noqa: S608


def _notice_brief(ticket: Ticket) -> NoticeBrief | None:
    if ticket.called_at is None:  # only a ticket that reached a desk can have one: no query for the queue
        return None
    if vars(ticket).get(NO_NOTICE_YET):
        return None
    notice = next(iter(Notice.objects.raw(_NOTICE_OF_TICKET, [ticket.pk])), None)
    if notice is None:
        return None
    return NoticeBrief(code=notice.display_code, url=f"/n/{notice.code}/", expires_at=notice.expires_at)


def desk_out(
    desk: Desk, ticket: Ticket | None, *, with_officer: bool = True, prefixes: list[str] | None = None
) -> DeskOut:
    """`prefixes`: the desk's business types in its order, when the caller has read them already."""
    return DeskOut(
        number=str(desk.number),
        name=str(desk),
        state=desk.state,
        business_types=[bt.prefix for bt in desk.business_types.all()] if prefixes is None else prefixes,
        officer=desk.officer.get_username() if desk.officer and with_officer else None,
        ticket=ticket.number if ticket else None,
        ticket_status=ticket.status if ticket else None,
        ticket_business_type=ticket.business_type.prefix if ticket else None,
        on_duty=_on_duty(desk),
    )


def _on_duty(desk: Desk) -> OnDutyOut | None:
    card = officers.on_duty(desk)
    return OnDutyOut(**card) if card else None


UNREAD: Any = object()  # desk_action_out(): the ticket in hand is to be read


def desk_action_out(
    desk: Desk,
    in_hand: Ticket | None = UNREAD,
    *,
    prefixes: list[str] | None = None,
    version: int | None = None,
) -> DeskActionOut:
    """A desk's whole state: the API's answer to a desk action, the desk page's and desk socket's state.

    `in_hand`: the desk's ticket in hand when the caller knows it (the ticket a
    call-next just called, or None), saving the read; `prefixes` likewise its business types.
    `version`: the site's version as read before this state (default: `desk.site`'s, which a write
    leaves at its own version). Never newer than the state, so a client may drop what is older.
    """
    ticket = selectors.active_ticket(desk) if in_hand is UNREAD else in_hand
    if ticket is not None:
        ticket.desk = desk
    return DeskActionOut(
        ticket=ticket_out(ticket) if ticket else None,
        desk=desk_out(desk, ticket, prefixes=prefixes),
        served_today=selectors.served_today(desk=desk, day=desk.site.service_day(timezone.now())),
        site_version=desk.site.version if version is None else version,
    )


def call_out(event: Event) -> CallOut:
    assert event.ticket is not None and event.desk is not None
    return CallOut(
        number=event.ticket.number,
        desk=str(event.desk.number),
        desk_name=str(event.desk),
        business_type=event.ticket.business_type.prefix,
        recall=event.kind == Event.Kind.TICKET_RECALLED,
        at=event.created_at,
    )


def waiting_out(site: Site, day: dt.date) -> list[WaitingOut]:
    return [
        WaitingOut(
            business_type=o.business_type.prefix,
            name=o.business_type.name,
            name_en=o.business_type.name_en,
            waiting=o.waiting,
            open_desks=o.open_desks,
            estimated_wait_minutes=o.estimated_wait_minutes,
        )
        for o in selectors.business_type_overview(site=site, day=day)
    ]


def snapshot_out(site: Site, now: dt.datetime) -> SnapshotOut:
    # Read the version first: a message newer than it may then repeat a change
    # the snapshot already shows (harmless), never miss one.
    version = Site.objects.values_list("version", flat=True).get(pk=site.pk)
    day = site.service_day(now)
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=site.tz)
    return SnapshotOut(
        site=site.slug,
        name=site.name,
        name_en=site.name_en,
        version=version,
        service_day=day,
        # The snapshot is public (lobby screens): no account names in it.
        desks=[desk_out(desk, ticket, with_officer=False) for desk, ticket in selectors.desks_with_tickets(site=site)],
        waiting=waiting_out(site, day),
        recent_calls=[call_out(e) for e in selectors.recent_calls(site=site, day_start=day_start)],
    )


# --- Help at the kiosk ------------------------------------------------------------


class HelpIn(Schema):
    kiosk: str = Field(..., min_length=1, max_length=40, description="The kiosk's screen name.", examples=["2号取号机"])


class HelpOut(Schema):
    id: int
    token: str = Field(..., description="The kiosk follows its request with GET /api/v1/help/<token>/.")
    kiosk: str
    status: Literal["open", "taken"]
    status_label: str
    raised_at: dt.datetime
    taken_at: dt.datetime | None
    desk: str | None = Field(None, description="The desk of the officer on the way (once taken).")
    waited_seconds: int = Field(..., description="Seconds from the request until it was taken, or until now.")


def help_out(request: HelpRequest) -> HelpOut:
    end = request.taken_at or timezone.now()
    return HelpOut(
        id=request.pk,
        token=request.token,
        kiosk=request.kiosk,
        status=request.status,  # type: ignore[arg-type]
        status_label=request.get_status_display(),
        raised_at=request.raised_at,
        taken_at=request.taken_at,
        desk=str(request.desk) if request.desk is not None else None,
        waited_seconds=max(0, int((end - request.raised_at).total_seconds())),
    )
