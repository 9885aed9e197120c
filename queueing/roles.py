"""The three roles, as Django groups: officer, supervisor, administrator."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

OFFICER = "officer"
SUPERVISOR = "supervisor"
ADMINISTRATOR = "administrator"

# Model permissions per role; pages check the group, the admin checks these.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    OFFICER: ["queueing.view_ticket", "queueing.view_reason", "queueing.view_businesstype"],
    SUPERVISOR: [
        "queueing.view_ticket",
        "queueing.view_event",
        "queueing.view_desk",
        "queueing.view_businesstype",
        "queueing.view_reason",
        "queueing.change_reason",
        "queueing.add_reason",
        "notices.view_checklistversion",
        "notices.view_checklistitem",
        "notices.view_notice",
        "supervision.view_rating",
        "supervision.view_followupcase",
        "supervision.change_followupcase",
        "supervision.view_caseaction",
        "supervision.view_complaint",
        "supervision.change_complaint",
        "supervision.view_complaintreply",
    ],
    ADMINISTRATOR: [
        f"queueing.{action}_{model}"
        for model in (
            "site", "openingperiod", "specialday", "businesstype", "desk", "deskbusinesstype", "reason",
            "staffprofile", "desktoken",
        )
        for action in ("view", "add", "change")
    ]
    + [
        f"notices.{action}_{model}"
        for model in ("checklistversion", "checklistitem")
        for action in ("view", "add", "change", "delete")
    ]
    + ["notices.view_notice"]
    + [f"supervision.view_{model}" for model in ("rating", "followupcase", "caseaction", "complaint", "complaintreply")]
    + ["queueing.view_ticket", "queueing.view_event", "auth.view_user", "auth.add_user", "auth.change_user"],
}  # fmt: skip


def ensure_roles(**kwargs: Any) -> None:
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted: list[Permission] = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.add(*wanted)
