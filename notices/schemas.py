"""Shapes of the checklist and notice API."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from ninja import Field, Schema

from notices.models import ChecklistItem, ChecklistVersion, Notice
from queueing.schemas import JsonInt


class ChecklistItemOut(Schema):
    id: int
    group: str = Field(..., description="The citizen's situation it applies to; empty for everyone.")
    group_en: str
    name: str
    name_en: str
    form: str = Field(..., examples=["original"], description="original, copy or original_and_copy")
    form_label: str
    copies: int
    notes: str
    notes_en: str
    where: str = Field(..., description="Where to get the document when it is missing.")
    where_en: str


class ChecklistOut(Schema):
    business_type: str
    business_type_name: str
    business_type_name_en: str
    version: int
    published_at: dt.datetime
    items: list[ChecklistItemOut]
    conditions: list[str]
    conditions_en: list[str]
    steps: list[str]
    steps_en: list[str]
    fees: str
    fees_en: str
    time_limit: str
    time_limit_en: str
    legal_basis: str
    legal_basis_en: str
    notes: str
    notes_en: str
    url: str = Field(..., description="The public, printable page of this version.")


class NoticeIn(Schema):
    items: list[JsonInt] = Field(default_factory=list, max_length=200, description="Ids of the missing documents.")
    note: str = Field("", max_length=500, description="Anything missing that the checklist does not name.")


class NoticeOut(Schema):
    code: str = Field(..., examples=["7KQM-4XWD"], description="Typed at the kiosk on the return visit.")
    status: str = Field(..., description="valid, used or expired")
    site: str
    business_type: str
    business_type_name: str
    business_type_name_en: str
    ticket: str = Field(..., description="The number of the visit the notice was given at; empty for a home visit's.")
    desk: str = Field(..., description="The desk that gave it; empty for a home visit's.")
    source: str = Field("desk", description="Where it was given: `desk` or `home_visit`.")
    checklist_version: int | None
    items: list[ChecklistItemOut]
    note: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    redeemed_at: dt.datetime | None
    url: str = Field(..., description="The citizen's page of the notice (printable).")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def item_out(item: ChecklistItem) -> ChecklistItemOut:
    return ChecklistItemOut(
        id=item.pk,
        group=item.group,
        group_en=item.group_en,
        name=item.name,
        name_en=item.name_en,
        form=item.form,
        form_label=str(item.get_form_display()),
        copies=item.copies,
        notes=item.notes,
        notes_en=item.notes_en,
        where=item.where,
        where_en=item.where_en,
    )


def checklist_url(version: ChecklistVersion) -> str:
    bt = version.business_type
    url = reverse("notices:checklist", kwargs={"site": bt.site.slug, "prefix": bt.prefix})
    return f"{url}?v={version.number}"


def checklist_out(version: ChecklistVersion) -> ChecklistOut:
    bt = version.business_type
    assert version.number is not None and version.published_at is not None
    return ChecklistOut(
        business_type=bt.prefix,
        business_type_name=bt.name,
        business_type_name_en=bt.name_en,
        version=version.number,
        published_at=version.published_at,
        items=[item_out(item) for item in version.items.all()],
        conditions=_lines(version.conditions),
        conditions_en=_lines(version.conditions_en),
        steps=_lines(version.steps),
        steps_en=_lines(version.steps_en),
        fees=version.fees,
        fees_en=version.fees_en,
        time_limit=version.time_limit,
        time_limit_en=version.time_limit_en,
        legal_basis=version.legal_basis,
        legal_basis_en=version.legal_basis_en,
        notes=version.notes,
        notes_en=version.notes_en,
        url=checklist_url(version),
    )


def notice_out(notice: Notice) -> NoticeOut:
    bt = notice.business_type
    return NoticeOut(
        code=notice.display_code,
        status=notice.state(),
        site=notice.site.slug,
        business_type=bt.prefix,
        business_type_name=bt.name,
        business_type_name_en=bt.name_en,
        ticket=notice.ticket.number if notice.ticket is not None else "",
        desk=str(notice.desk.number) if notice.desk is not None else "",
        source=notice.source,
        checklist_version=notice.checklist_version.number if notice.checklist_version else None,
        items=[item_out(item) for item in notice.items.all()],
        note=notice.note,
        issued_at=notice.issued_at,
        expires_at=notice.expires_at,
        redeemed_at=notice.redeemed_at,
        url=reverse("notices:notice", kwargs={"code": notice.code}),
    )
