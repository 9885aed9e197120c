"""Admin: supervision's records are read here; they change only on the supervision pages (services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supervision.models import (
    CaseAction,
    Complaint,
    ComplaintFinding,
    ComplaintReply,
    EvaluationCorrection,
    FollowUpCase,
    Inspection,
    InspectionItem,
    MonthlyEvaluation,
    Rating,
)


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "site", "ticket", "desk", "officer", "overall", "channel"]
    list_filter = ["site", "overall", "channel"]
    date_hierarchy = "created_at"


class CaseActionInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = CaseAction
    extra = 0


@admin.register(FollowUpCase)
class FollowUpCaseAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "site", "status", "opened_at", "due_on", "called_back_at", "fixed_at", "closed_at"]
    list_filter = ["site", "status"]
    inlines = [CaseActionInline]


class ComplaintReplyInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = ComplaintReply
    extra = 0


@admin.register(Complaint)
class ComplaintAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "site", "status", "created_at", "desk", "visit_date"]
    list_filter = ["site", "status"]
    search_fields = ["text"]
    inlines = [ComplaintReplyInline]


# --- Accountability: the site's inspection items are configuration; the records are read here. ---


@admin.register(InspectionItem)
class InspectionItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "name_en", "site", "active", "position"]
    list_filter = ["site", "active"]
    list_editable = ["active", "position"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "site", "kind", "inspected_at", "desk", "officer", "severity", "deadline", "status"]
    list_filter = ["site", "kind", "severity", "status"]


@admin.register(ComplaintFinding)
class ComplaintFindingAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["complaint", "outcome", "behaviour", "desk", "officer", "decided_at"]
    list_filter = ["outcome", "behaviour"]


class EvaluationCorrectionInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = EvaluationCorrection
    extra = 0


@admin.register(MonthlyEvaluation)
class MonthlyEvaluationAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["site", "month", "closed_at", "closed_by"]
    list_filter = ["site"]
    inlines = [EvaluationCorrectionInline]
