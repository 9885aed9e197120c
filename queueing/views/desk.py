"""The officers' desk pages: pick a desk, then work it.

The pages only read; every action on the desk goes through the JSON API
(`/api/v1/sites/<site>/desks/<n>/<action>/`) from `static/queueing/desk.js`,
so the page, a keypad and a desk device all meet the same rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from queueing import selectors
from queueing.auth import works_at
from queueing.models import Desk, Site, StaffProfile
from queueing.schemas import desk_action_out

POLL_SECONDS = 5


def _profile(request: HttpRequest) -> StaffProfile | None:
    if not isinstance(request.user, User):
        return None
    return StaffProfile.objects.select_related("site", "desk").filter(user=request.user).first()


def _refusal(request: HttpRequest, *, no_site: bool = False) -> HttpResponse:
    """A readable page instead of Django's bare 403: officers land here after signing in."""
    status = 200 if no_site else 403
    return render(request, "queueing/desk_index.html", {"refused": True, "no_site": no_site}, status=status)


@require_GET
@login_required
def desk_index(request: HttpRequest) -> HttpResponse:
    """Send an officer bound to a desk straight to it; otherwise list the site's desks."""
    profile = _profile(request)
    if profile is None:
        return _refusal(request, no_site=request.user.is_superuser)
    if not works_at(request.user, profile.site):
        return _refusal(request)
    # A desk of another site on the profile is a data-entry slip: list this site's desks instead.
    if profile.desk is not None and profile.desk.site_id == profile.site_id:
        return redirect("queueing:desk", number=profile.desk.number)
    desks = selectors.desks_with_tickets(site=profile.site)
    return render(request, "queueing/desk_index.html", {"site": profile.site, "desks": desks})


def _messages() -> dict[str, Any]:
    """Texts the script shows; translated here so the script holds no words of its own."""
    return {
        "waited": _("Waited %(minutes)s min"),
        "waiting_now": _("Waiting %(minutes)s min"),
        "called_at": _("Called at %(time)s"),
        "recalls": _("Recalled %(count)s times"),
        "no_ticket": _("No ticket in hand"),
        # What to do next when no ticket is in hand, by desk state.
        "hints": {
            Desk.State.OPEN.value: _("Press “Call next” to call the next citizen."),
            Desk.State.PAUSED.value: _("The desk is paused. Press “Resume” to take tickets again."),
            Desk.State.CLOSED.value: _("The desk is closed. Press “Open desk” to start taking tickets."),
        },
        "checklist_note": _("The document checklist of this business will show here."),
        "checklist_empty": _("Call a ticket to see the checklist of its business."),
        "pause": _("Pause"),
        "resume": _("Resume"),
        "open": _("Open desk"),
        "close": _("Close desk"),
        "no_reasons": _("This site has no reasons yet; ask an administrator to add them."),
        "states": {value: str(label) for value, label in Desk.State.choices},
        "dialogs": {
            "call": _("Call a given number"),
            "requeue": _("Put a no-show back in the queue"),
            "transfer": _("Transfer to another business"),
            "pause": _("Pause the desk"),
        },
    }


def _initial_state(desk: Desk, site: Site) -> dict[str, Any]:
    desk.site = site
    return desk_action_out(desk).model_dump(mode="json")


@require_GET
@login_required
@ensure_csrf_cookie
def desk_page(request: HttpRequest, number: int) -> HttpResponse:
    """One desk of the officer's own site: the ticket in hand, the actions, the queue it serves."""
    profile = _profile(request)
    if profile is None:
        return _refusal(request, no_site=request.user.is_superuser)
    site = profile.site
    if not works_at(request.user, site):
        return _refusal(request)
    # Looked up at the officer's own site only, so another site's desk is never reachable by number.
    desk = site.desks.select_related("site", "officer").filter(number=number).first()
    if desk is None:
        raise Http404(_("There is no desk %(number)s here.") % {"number": number})
    state = _initial_state(desk, site)
    handled = list(desk.business_types.order_by("deskbusinesstype__position").values_list("prefix", flat=True))
    day = site.service_day(timezone.now())
    overview = {o.business_type.prefix: o for o in selectors.business_type_overview(site=site, day=day)}
    context = {
        "site": site,
        "desk": desk,
        "state": state,
        "waiting": [overview[prefix] for prefix in handled if prefix in overview],
        "transfer_types": site.business_types.filter(active=True),
        "messages_js": _messages(),
        "config": {
            "desk_url": f"/api/v1/sites/{site.slug}/desks/{desk.number}/",
            "snapshot_url": f"/api/v1/sites/{site.slug}/snapshot/",
            "reasons_url": f"/api/v1/sites/{site.slug}/reasons/",
            "poll_ms": POLL_SECONDS * 1000,
        },
    }
    return render(request, "queueing/desk.html", context)
