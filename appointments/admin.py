"""Admin for the station's clerk: the site's booking settings and closed slots; bookings are read-only
(they change through the booking page, the kiosk and the day change, each recorded as an event)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from appointments.models import Booking, BookingSettings, ClosedSlot


@admin.register(BookingSettings)
class BookingSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["site", "enabled", "slot_minutes", "share_percent", "lead_minutes", "window_days", "notifier"]
    fieldsets = [
        (None, {"fields": ["site", "enabled"]}),
        ("", {"fields": ["slot_minutes", "share_percent", "min_places", "lead_minutes", "window_days"]}),
        ("", {"fields": ["check_in_before_minutes", "check_in_after_minutes"]}),
        ("", {"fields": ["notifier", "webhook_url", "webhook_secret"]}),
    ]


@admin.register(ClosedSlot)
class ClosedSlotAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["site", "start", "business_type", "note"]
    list_filter = ["site"]
    date_hierarchy = "start"


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    # No mobile number here, not even encrypted: only its last four digits.
    list_display = ["display_code", "site", "business_type", "start", "status", "phone_last4", "ticket"]
    list_filter = ["site", "status", "business_type"]
    date_hierarchy = "start"
    fields = readonly_fields = (
        "site",
        "business_type",
        "start",
        "end",
        "status",
        "checklist_version",
        "phone_last4",
        "ticket",
        "created_at",
        "checked_in_at",
        "cancelled_at",
        "missed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
