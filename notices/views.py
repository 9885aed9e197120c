"""Public checklist pages, the staff preview of a draft, and a citizen's notice page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from notices import selectors
from notices.models import ChecklistVersion, localized
from notices.schemas import checklist_url
from queueing.models import BusinessType, Site
from queueing.views.citizen import qr_svg

PRINT_LAYOUTS = {"a4", "80mm"}


@require_GET
def index(request: HttpRequest, site: str) -> HttpResponse:
    site_obj = get_object_or_404(Site, slug=site)
    current = selectors.published_by_type(site_obj)
    types = [bt for bt in site_obj.business_types.filter(active=True) if bt.pk in current]
    return render(
        request,
        "notices/index.html",
        {"site": site_obj, "entries": [(bt, current[bt.pk]) for bt in types]},
    )


def _version_number(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    return int(raw)


@xframe_options_sameorigin  # the kiosk shows it in a frame of its own origin
@require_GET
def checklist(request: HttpRequest, site: str, prefix: str) -> HttpResponse:
    bt = get_object_or_404(BusinessType.objects.select_related("site"), site__slug=site, prefix=prefix.upper())
    version = selectors.published(bt, _version_number(request.GET.get("v")))
    if version is None:
        raise Http404
    return _render_checklist(request, version, preview=False)


# Signed out: to the sign-in page; signed in without the right: 403, not a sign-in loop.
@login_required
@permission_required("notices.change_checklistversion", raise_exception=True)
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft exactly as citizens will see it once published."""
    version = get_object_or_404(ChecklistVersion.objects.select_related("business_type__site"), pk=pk)
    return _render_checklist(request, version, preview=not version.is_published)


def _render_checklist(request: HttpRequest, version: ChecklistVersion, *, preview: bool) -> HttpResponse:
    bt = version.business_type
    current_path = reverse("notices:checklist", args=[bt.site.slug, bt.prefix])
    page_url = request.build_absolute_uri(current_path)
    current = selectors.published(bt)
    return render(
        request,
        "notices/checklist.html",
        {
            "site": bt.site,
            "business_type": bt,
            "version": version,
            "preview": preview,
            "is_current": current is not None and current.pk == version.pk,
            "current": current,
            "current_url": current_path,
            "page_url": page_url,
            "qr": qr_svg(page_url),
            # Free texts in the page's language; the multi-line ones one entry a line.
            "conditions": version.lines("conditions"),
            "steps": version.lines("steps"),
            "notes": version.lines("notes"),
            "fees": localized(version, "fees"),
            "time_limit": localized(version, "time_limit"),
            "legal_basis": localized(version, "legal_basis"),
        },
    )


@xframe_options_sameorigin
@require_GET
def notice(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.notice_by_code(code)
    if found is None:
        return render(request, "notices/notice_404.html", status=404)
    url = request.build_absolute_uri(reverse("notices:notice", args=[found.code]))
    layout = request.GET.get("print", "a4")
    return render(
        request,
        "notices/notice.html",
        {
            "site": found.site,
            "notice": found,
            "state": found.state(),
            "url": url,
            "qr": qr_svg(url),
            "layout": layout if layout in PRINT_LAYOUTS else "a4",
            "autoprint": request.GET.get("autoprint") == "1",
            # The whole checklist the notice was written against, for everything else to know.
            "checklist_url": checklist_url(found.checklist_version) if found.checklist_version else None,
        },
    )
