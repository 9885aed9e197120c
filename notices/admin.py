"""Admin for the station's clerk: edit a draft checklist, preview it, publish it.

A published version is read-only here (and everywhere): to change a checklist,
start a new draft from it, edit, preview and publish; the old version stays as
it was, for the tickets and notices that point at it. Notices are read-only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from notices import services
from notices.models import ChecklistItem, ChecklistVersion, Notice
from queueing.admin import ReadOnlyAdmin
from queueing.errors import QueueError


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ["position", "group", "group_en", "name", "name_en", "form", "copies", "notes", "notes_en", "where"]

    def _editable(self, obj: ChecklistVersion | None) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class ChecklistVersionForm(forms.ModelForm):
    class Meta:
        model = ChecklistVersion
        fields = ["business_type", *services.TEXT_FIELDS]

    def clean_business_type(self) -> Any:
        business_type = self.cleaned_data["business_type"]
        if self.instance.pk is None:
            draft = ChecklistVersion.objects.filter(business_type=business_type, status="draft").first()
            if draft is not None:
                raise forms.ValidationError(_("This business already has a draft; edit that one."))
        return business_type


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):
    form = ChecklistVersionForm
    list_display = ["business_type", "version_label", "status", "published_at", "documents", "links"]
    list_filter = ["status", "business_type__site"]
    search_fields = ["business_type__name", "business_type__prefix"]
    inlines = [ChecklistItemInline]
    actions = ["publish_drafts", "new_draft"]
    readonly_fields = ["links", "status", "number", "published_at", "published_by"]
    fieldsets = [
        (None, {"fields": ["business_type", "links", "status", "number", "published_at", "published_by"]}),
        (_("Conditions and steps"), {"fields": ["conditions", "conditions_en", "steps", "steps_en"]}),
        (
            _("Fees, time limit, legal basis, notes"),
            {
                "fields": [
                    "fees",
                    "fees_en",
                    "time_limit",
                    "time_limit_en",
                    "legal_basis",
                    "legal_basis_en",
                    "notes",
                    "notes_en",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ChecklistVersion]:
        versions: QuerySet[ChecklistVersion] = super().get_queryset(request)
        return versions.select_related("business_type__site").annotate(document_count=Count("items"))

    def get_readonly_fields(self, request: HttpRequest, obj: ChecklistVersion | None = None) -> Any:
        if obj is not None and obj.is_published:
            return [f.name for f in ChecklistVersion._meta.fields if f.name != "id"] + ["links"]
        if obj is not None:
            return [*self.readonly_fields, "business_type"]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A draft may be thrown away; a published version is evidence of what citizens were told.
        return (obj is None or not obj.is_published) and super().has_delete_permission(request, obj)

    @admin.display(description=_("version"), ordering="number")
    def version_label(self, obj: ChecklistVersion) -> str:
        return f"v{obj.number}" if obj.number else str(_("draft"))

    @admin.display(description=_("documents"))
    def documents(self, obj: ChecklistVersion) -> int:
        return int(getattr(obj, "document_count", 0))

    @admin.display(description=_("pages"))
    def links(self, obj: ChecklistVersion) -> str:
        if obj.pk is None:
            return "—"
        if obj.is_published:
            bt = obj.business_type
            url = reverse("notices:checklist", args=[bt.site.slug, bt.prefix]) + f"?v={obj.number}"
            return format_html('<a href="{}" target="_blank">{}</a>', url, _("public page"))
        return format_html(
            '<a href="{}" target="_blank">{}</a>', reverse("notices:preview", args=[obj.pk]), _("preview")
        )

    @admin.action(description=_("Publish the selected drafts"))
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[ChecklistVersion]) -> None:
        for version in queryset.select_related("business_type").order_by("pk"):
            try:
                published = services.publish(version=version, user=request.user)  # type: ignore[arg-type]
            except QueueError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("Published %(version)s.") % {"version": published}, messages.SUCCESS)

    @admin.action(description=_("Start a new draft from the selected version"))
    def new_draft(self, request: HttpRequest, queryset: QuerySet[ChecklistVersion]) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to copy."), messages.WARNING)
            return None
        source = queryset.select_related("business_type").get()
        draft = services.start_draft(business_type=source.business_type, source=source)
        return HttpResponseRedirect(reverse("admin:notices_checklistversion_change", args=[draft.pk]))


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["display_code", "site", "business_type", "ticket", "desk", "officer", "issued_at", "redeemed_at"]
    list_filter = ["site", "business_type", "issued_at"]
    search_fields = ["code", "ticket__number"]
    date_hierarchy = "issued_at"
    fields = (
        "display_code",
        "site",
        "business_type",
        "ticket",
        "desk",
        "officer",
        "checklist_version",
        "missing",
        "note",
        "issued_at",
        "expires_at",
        "redeemed_at",
        "redeemed_ticket",
    )
    readonly_fields = fields

    @admin.display(description=_("missing documents"))
    def missing(self, obj: Notice) -> str:
        return "; ".join(item.name for item in obj.items.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notice]:
        return super().get_queryset(request).select_related("site", "business_type", "ticket", "desk", "officer")
