"""Admin: supervision's records are read here; they change only on the supervision pages (services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supervision.models import CaseAction, Complaint, ComplaintReply, FollowUpCase, Rating


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
