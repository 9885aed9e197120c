"""Administrators set sites' outreach rules, officers' police numbers and the mobile sessions.

Requests and cases are not editable here: they change only through the outreach page's services,
and their personal data is shown only there, where each display is recorded.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from outreach import services
from outreach.models import OutreachEvent, OutreachOfficer, OutreachSettings, ServiceSession


@admin.register(OutreachSettings)
class OutreachSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["site", "accepts_requests", "triage_working_days", "retention_days"]


@admin.register(OutreachOfficer)
class OutreachOfficerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["police_number", "display_name", "site", "villages", "contact_hours"]
    list_filter = ["site"]


@admin.register(ServiceSession)
class ServiceSessionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["date", "start", "end", "place", "place_kind", "site", "queue_site", "published"]
    list_filter = ["site", "place_kind", "published"]
    filter_horizontal = ["business_types", "officers"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.session_saved(session=form.instance, who=services.Who(user=request.user))  # type: ignore[arg-type]


@admin.register(OutreachEvent)
class OutreachEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "site", "kind", "user", "request", "case"]
    list_filter = ["site", "kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
