"""Shapes of outreach's API answers. Public shapes have no field for a name, a number or an address."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from notices.models import localized
from outreach import selectors
from outreach.models import DocumentCase, ServiceSession, VisitRequest

ReasonCode = Literal["elderly", "alone", "disabled", "bedridden", "other"]


class RequestIn(Schema):
    kind: Literal["home_visit"] = "home_visit"
    business_type: str = Field(..., min_length=1, max_length=1)
    reason: ReasonCode
    reason_note: str = Field("", max_length=200)
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field(..., min_length=1, max_length=30)
    village: str = Field("", max_length=200)
    address: str = Field(..., min_length=1, max_length=200)
    preferred_days: str = Field("", max_length=100)
    note: str = Field("", max_length=500)


class ScheduleOut(Schema):
    date: dt.date
    start: str
    end: str
    officers: list[str] = Field(description="The visiting officers' police numbers.")


class ChecklistItemOut(Schema):
    id: int
    name: str


class RequestOut(Schema):
    """A request as its citizen sees it: never the name, number or address."""

    code: str
    kind: str
    status: str
    status_label: str
    business_type: str
    business_type_name: str
    schedule: ScheduleOut | None
    decline_reason: str
    checklist_url: str
    missing_items: list[ChecklistItemOut]
    return_code: str | None = Field(description="The missing-documents notice's code, for a priority ticket.")
    notice_url: str | None = Field(None, description="The printable missing-documents notice of the visit.")


class StaffRequestOut(RequestOut):
    """For the site's staff only (every answer is logged as a view of the person's details)."""

    id: int
    reason: str
    reason_note: str
    name: str
    phone: str
    village: str
    address: str
    note: str
    preferred_days: str
    overdue: bool
    created_at: dt.datetime


class CodeIn(Schema):
    code: str = Field(..., min_length=4, max_length=200)


class CodeTicketOut(Schema):
    purpose: str
    number: str
    token: str
    status: str
    ahead: int
    priority: bool
    url: str


class SessionOut(Schema):
    place: str
    place_kind: str
    date: dt.date
    start: str
    end: str
    business_types: list[str]
    note: str


class SessionsOut(Schema):
    sessions: list[SessionOut]


class CaseOut(Schema):
    code: str
    document: str
    status: str
    status_label: str
    expected_date: dt.date
    delivery: bool


def request_out(r: VisitRequest) -> RequestOut:
    return RequestOut(**_public(r))


def _public(r: VisitRequest) -> dict[str, Any]:
    schedule = None
    if r.visit_date and r.window_start and r.window_end:
        schedule = ScheduleOut(
            date=r.visit_date,
            start=r.window_start.strftime("%H:%M"),
            end=r.window_end.strftime("%H:%M"),
            officers=selectors.police_numbers(r),
        )
    return {
        "code": r.code,
        "kind": r.kind,
        "status": r.status,
        "status_label": str(r.get_status_display()),
        "business_type": r.business_type.prefix,
        "business_type_name": localized(r.business_type, "name"),
        "schedule": schedule,
        "decline_reason": r.decline_reason,
        "checklist_url": f"/notices/{r.site.slug}/{r.business_type.prefix}/",
        "missing_items": [ChecklistItemOut(id=i.pk, name=i.label) for i in r.missing_items.all()],
        "return_code": r.open_return_code,
        "notice_url": f"/n/{r.notice.code}/" if r.notice is not None else None,
    }


def staff_request_out(r: VisitRequest, today: dt.date) -> StaffRequestOut:
    return StaffRequestOut(
        **_public(r),
        id=r.pk,
        reason=r.reason,
        reason_note=r.reason_note,
        name=r.name,
        phone=r.phone,
        village=r.village,
        address=r.address,
        note=r.note,
        preferred_days=r.preferred_days,
        overdue=selectors.is_overdue(r, today),
        created_at=r.created_at,
    )


def session_out(s: ServiceSession) -> SessionOut:
    return SessionOut(
        place=s.place,
        place_kind=s.place_kind,
        date=s.date,
        start=s.start.strftime("%H:%M"),
        end=s.end.strftime("%H:%M"),
        business_types=[bt.prefix for bt in s.business_types.all()],
        note=s.note,
    )


def case_out(c: DocumentCase) -> CaseOut:
    return CaseOut(
        code=c.code,
        document=c.document,
        status=c.status,
        status_label=str(c.get_status_display()),
        expected_date=c.expected_date,
        delivery=c.delivery_id is not None,
    )
