"""Outreach's part of the JSON API v1 (SPEC "Outreach" fixed paths)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status

from outreach import selectors, services
from outreach.models import DocumentCase, VisitRequest, local_today
from outreach.schemas import (
    CaseOut,
    CodeIn,
    CodeTicketOut,
    RequestIn,
    RequestOut,
    SessionsOut,
    StaffRequestOut,
    case_out,
    request_out,
    session_out,
    staff_request_out,
)
from queueing import ratelimit
from queueing import services as queue
from queueing.apikit import ERRORS, add_links, get_site
from queueing.auth import OfficerSessionAuth
from queueing.errors import Forbidden, NotFound

router = Router(tags=["outreach"])
MAX_LIST = 500


def _who(request: HttpRequest) -> services.Who:
    user = request.user if request.user.is_authenticated else None
    return services.Who(user=user, address=ratelimit.client_address(request))


# A new request's status page follows it by its code.
add_links(
    "outreach_api_submit",
    201,
    {"Request": {"operationId": "outreach_api_status", "parameters": {"code": "$response.body#/code"}}},
)


@router.post("/sites/{site}/outreach/", response={201: RequestOut, **ERRORS})
def submit(request: HttpRequest, site: str, payload: RequestIn) -> Status[RequestOut]:
    """A home-visit request (public; rate-limited like the kiosk). The answer has no personal data."""
    site_obj = get_site(site)
    ratelimit.check_kiosk_rate(request)
    created = services.submit_request(site=site_obj, who=_who(request), **payload.dict())
    return Status(201, request_out(created))


@router.get("/outreach/{code}/", response={200: RequestOut, **ERRORS})
def status(request: HttpRequest, code: str) -> RequestOut:
    found = VisitRequest.objects.select_related("site", "business_type", "notice").filter(code=code.upper()).first()
    if found is None:
        raise NotFound()
    return request_out(found)


@router.get("/sites/{site}/outreach/", response={200: list[StaffRequestOut], **ERRORS}, auth=OfficerSessionAuth())
def staff_list(request: HttpRequest, site: str) -> list[StaffRequestOut]:
    """The site's open requests with the persons' details, for its officers and supervisors (logged)."""
    site_obj = get_site(site)
    if not selectors.can_see_details(request.user, site_obj):
        raise Forbidden()
    today = local_today(site_obj)
    found = list(
        VisitRequest.objects.filter(site=site_obj, status__in=VisitRequest.OPEN)
        .select_related("site", "business_type")
        .order_by("created_at")[:MAX_LIST]
    )
    services.log_details_viewed(requests=found, who=_who(request), page="api")
    return [staff_request_out(r, today) for r in found]


@router.post("/sites/{site}/outreach/tickets/", response={201: CodeTicketOut, **ERRORS})
def ticket_for_code(request: HttpRequest, site: str, payload: CodeIn) -> Status[CodeTicketOut]:
    """A priority ticket at the kiosk from a document case's code (pickup) or a visit's return code."""
    site_obj = get_site(site)
    ratelimit.check_kiosk_rate(request)  # codes cannot be tried in bulk
    got = services.issue_for_code(
        site=site_obj,
        code=payload.code,
        actor=queue.Actor(kind="kiosk", address=ratelimit.client_address(request)),
    )
    t = got.issued.ticket
    return Status(
        201,
        CodeTicketOut(
            purpose=got.purpose,
            number=t.number,
            token=t.token,
            status=t.status,
            ahead=got.issued.ahead,
            priority=t.priority,
            url=f"/t/{t.token}/",
        ),
    )


@router.get("/outreach/cases/{code}/", response={200: CaseOut, **ERRORS})
def case_status(request: HttpRequest, code: str) -> CaseOut:
    found = DocumentCase.objects.filter(code=code.upper()).first()
    if found is None:
        raise NotFound()
    return case_out(found)


@router.get("/sites/{site}/service-days/", response={200: SessionsOut, **ERRORS})
def service_days(request: HttpRequest, site: str) -> SessionsOut:
    """The site's coming mobile service sessions (public)."""
    site_obj = get_site(site)
    today = local_today(site_obj, timezone.now())
    return SessionsOut(sessions=[session_out(s) for s in selectors.upcoming_sessions(site_obj, today)])
