"""Reads of checklists and notices, shared by the API, the pages and supervision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from notices.models import ChecklistVersion, Notice, normalize_code
from queueing.models import BusinessType, Site


def published(business_type: BusinessType, number: int | None = None) -> ChecklistVersion | None:
    """The version published now, or the published version `number`; with its documents."""
    versions = ChecklistVersion.objects.filter(
        business_type=business_type, status=ChecklistVersion.Status.PUBLISHED
    ).prefetch_related("items")
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def published_by_type(site: Site) -> dict[int, ChecklistVersion]:
    """Each business type's current version (for an index page), in two queries."""
    current: dict[int, ChecklistVersion] = {}
    versions = (
        ChecklistVersion.objects.filter(business_type__site=site, status=ChecklistVersion.Status.PUBLISHED)
        .order_by("business_type_id", "-number")
        .prefetch_related("items")
    )
    for version in versions:
        current.setdefault(version.business_type_id, version)
    return current


def notice_by_code(code: str) -> Notice | None:
    return (
        Notice.objects.select_related("site", "business_type", "ticket", "desk", "checklist_version")
        .prefetch_related("items")
        .filter(code=normalize_code(code))
        .first()
    )


# --- For supervision ------------------------------------------------------------


def notices_between(site: Site, start: dt.datetime, end: dt.datetime) -> QuerySet[Notice]:
    return Notice.objects.filter(site=site, issued_at__gte=start, issued_at__lt=end)


@dataclass(frozen=True)
class NoticeCount:
    prefix: str
    name: str
    issued: int
    redeemed: int


def notice_counts(site: Site, start: dt.datetime, end: dt.datetime) -> list[NoticeCount]:
    """Notices issued (and redeemed so far) per business type, counted in the database."""
    rows = (
        notices_between(site, start, end)
        .values("business_type__prefix", "business_type__name")
        .annotate(issued=Count("pk"), redeemed=Count("redeemed_at"))
        .order_by("business_type__prefix")
    )
    return [
        NoticeCount(
            prefix=row["business_type__prefix"],
            name=row["business_type__name"],
            issued=row["issued"],
            redeemed=row["redeemed"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class MissingItem:
    prefix: str
    name: str
    count: int


def most_missing(site: Site, start: dt.datetime, end: dt.datetime, limit: int = 10) -> list[MissingItem]:
    """The documents most often missing, by name (a document keeps its name across checklist versions)."""
    through = Notice.items.through
    rows = (
        through.objects.filter(notice__site=site, notice__issued_at__gte=start, notice__issued_at__lt=end)
        .values("checklistitem__version__business_type__prefix", "checklistitem__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "checklistitem__version__business_type__prefix", "checklistitem__name")[:limit]
    )
    return [
        MissingItem(
            prefix=row["checklistitem__version__business_type__prefix"], name=row["checklistitem__name"], count=row["n"]
        )
        for row in rows
    ]
