"""Checklist and notice endpoints of the JSON API v1 (SPEC "Fixed paths")."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from notices import selectors, services
from notices.schemas import ChecklistOut, NoticeIn, NoticeOut, checklist_out, notice_out
from queueing.apikit import ERRORS, add_links, desk_and_actor, get_site
from queueing.auth import desk_auth
from queueing.errors import NotFound

router = Router()


@router.get(
    "/sites/{site}/business-types/{prefix}/checklist/", response={200: ChecklistOut, **ERRORS}, tags=["checklists"]
)
def checklist(request: HttpRequest, site: str, prefix: str, version: int | None = None) -> ChecklistOut:
    """The published checklist (一次性告知) of a business type: what to bring, conditions, steps, fees.

    `version` asks for an earlier published version: the one a ticket was shown,
    which a desk writes its notice against.
    """
    bt = get_site(site).business_types.filter(prefix=prefix.upper()).first()
    found = selectors.published(bt, version) if bt is not None else None
    if found is None:
        raise NotFound(_("There is no published checklist for %(prefix)s here.") % {"prefix": prefix})
    return checklist_out(found)


# The notice just given can be read back by its code (the phone and the kiosk do).
add_links(
    "notices_api_issue_notice",
    201,
    {"Notice": {"operationId": "notices_api_notice", "parameters": {"code": "$response.body#/code"}}},
)


@router.post(
    "/sites/{site}/desks/{number}/notice/",
    response={201: NoticeOut, **ERRORS},
    auth=desk_auth,
    tags=["desk", "checklists"],
)
def issue_notice(request: HttpRequest, site: str, number: int, payload: NoticeIn) -> Status[NoticeOut]:
    """Give the citizen at the desk a missing-documents notice (补正材料一次性告知书) for the ticket in hand."""
    desk, actor = desk_and_actor(request, site, number)
    notice = services.issue_notice(desk=desk, actor=actor, item_ids=payload.items, note=payload.note)
    found = selectors.notice_by_code(notice.code)
    assert found is not None
    return Status(201, notice_out(found))


@router.get("/notices/{code}/", response={200: NoticeOut, **ERRORS}, tags=["checklists", "kiosk"])
def notice(request: HttpRequest, code: str) -> NoticeOut:
    """A notice by its code (dashes and case do not matter): the kiosk shows it before redeeming."""
    found = selectors.notice_by_code(code)
    if found is None:
        raise NotFound(_("This notice code is not known. Please check it, or ask at the information desk."))
    return notice_out(found)
