"""Admin: configuration is edited here; queue state only changes through the services."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from queueing import broadcast, officers, services
from queueing.errors import QueueError
from queueing.models import (
    BusinessType,
    Desk,
    DeskBusinessType,
    DeskToken,
    Event,
    OpeningPeriod,
    Reason,
    Site,
    SpecialDay,
    StaffProfile,
    Ticket,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OpeningPeriodInline(admin.TabularInline):
    model = OpeningPeriod
    extra = 0


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    extra = 0


class ReasonInline(admin.TabularInline):
    model = Reason
    extra = 0


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "time_zone", "always_open", "recall_limit", "current_day", "version"]
    search_fields = ["slug", "name", "name_en"]
    readonly_fields = ["version", "current_day"]
    inlines = [OpeningPeriodInline, SpecialDayInline, ReasonInline]

    def save_model(self, request: HttpRequest, obj: Site, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"display_message", "display_message_en"} & set(form.changed_data):
            # The lobby displays show the new notice line without a reload.
            transaction.on_commit(partial(broadcast.notice_changed, obj.pk), robust=True)


@admin.register(BusinessType)
class BusinessTypeAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "name_en", "site", "active", "daily_cap", "avg_handling_minutes", "position"]
    list_filter = ["site", "active"]
    list_editable = ["active", "position"]
    search_fields = ["prefix", "name", "name_en"]


class DeskBusinessTypeInline(admin.TabularInline):
    model = DeskBusinessType
    extra = 0


class DeskTokenInline(admin.TabularInline):
    model = DeskToken
    extra = 0
    fields = ["hint", "created_at", "revoked_at"]
    readonly_fields = ["hint", "created_at", "revoked_at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tokens are made with `manage.py desk_token`, shown once


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "number", "site", "state", "officer"]
    list_filter = ["site", "state"]
    search_fields = ["name", "number"]
    # State and officer change through the desk's actions, each with its event.
    readonly_fields = ["state", "officer"]
    inlines = [DeskBusinessTypeInline, DeskTokenInline]
    actions = ["open_desks", "close_desks"]

    @admin.action(description=_("Open the selected desks"))
    def open_desks(self, request: HttpRequest, queryset: QuerySet[Desk]) -> None:
        self._apply(request, queryset, services.open_desk)

    @admin.action(description=_("Close the selected desks"))
    def close_desks(self, request: HttpRequest, queryset: QuerySet[Desk]) -> None:
        self._apply(request, queryset, services.close_desk)

    def _apply(self, request: HttpRequest, queryset: QuerySet[Desk], action: Any) -> None:
        user = request.user if isinstance(request.user, User) else None
        actor = services.Actor(kind="officer", user=user, address=request.META.get("REMOTE_ADDR"))
        for desk in queryset:
            try:
                action(desk=desk, actor=actor)
            except QueueError as exc:
                self.message_user(request, f"{desk}: {exc.message}", messages.WARNING)


@admin.register(DeskToken)
class DeskTokenAdmin(admin.ModelAdmin):
    list_display = ["__str__", "desk", "created_at", "revoked_at"]
    list_filter = ["desk__site", "revoked_at"]
    readonly_fields = ["desk", "hint", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DeskToken]) -> None:
        count = services.revoke_desk_tokens(tokens=queryset)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})


class StaffProfileForm(forms.ModelForm):
    photo_upload = forms.ImageField(
        label=_("photo"), required=False, help_text=_("Shrunk and stripped of its metadata (EXIF, GPS) on upload.")
    )
    remove_photo = forms.BooleanField(label=_("remove the photo"), required=False)

    class Meta:
        model = StaffProfile
        fields = ["user", "site", "desk", "display_name", "police_number", "public", "business_types"]

    def clean_photo_upload(self) -> Any:
        upload = self.cleaned_data.get("photo_upload")
        if upload:
            try:
                officers.clean_photo(upload)
            except QueueError as exc:
                raise forms.ValidationError(str(exc.message)) from exc
            upload.seek(0)
        return upload


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    form = StaffProfileForm
    list_display = ["user", "site", "desk", "display_name", "police_number", "public", "photo_version"]
    list_filter = ["site", "public"]
    search_fields = ["user__username", "display_name", "police_number"]
    filter_horizontal = ["business_types"]

    def save_model(self, request: HttpRequest, obj: StaffProfile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("photo_upload"):
            officers.set_officer_photo(profile=obj, source=form.cleaned_data["photo_upload"])
        elif form.cleaned_data.get("remove_photo"):
            officers.set_officer_photo(profile=obj, source=None)


@admin.register(Reason)
class ReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "label_en", "site", "active", "position"]
    list_filter = ["site", "active"]


class EventInline(admin.TabularInline):
    model = Event
    fields = ("created_at", "kind", "actor_kind", "user", "desk", "reason_text", "note", "address")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["created_at", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "service_day",
        "business_type",
        "status",
        "priority",
        "priority_source",
        "desk",
        "issued_at",
    ]
    list_filter = ["site", "status", "priority_source", "service_day", "business_type"]
    search_fields = ["number"]
    date_hierarchy = "issued_at"
    inlines = [EventInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "site", "ticket", "desk", "actor_kind", "user", "reason_text", "address"]
    list_filter = ["site", "kind", "actor_kind"]
    search_fields = ["ticket__number", "user__username", "reason_text", "note"]
    date_hierarchy = "created_at"
    list_select_related = ["site", "ticket", "desk", "user"]
