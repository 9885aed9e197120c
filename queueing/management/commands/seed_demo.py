"""Create the demo site (SPEC "Fixed paths": demo data). Running it again creates nothing new.

The five business types get their checklists (notices/demo_content.py) published as version 1.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from notices import services as notice_services
from notices.demo_content import CHECKLISTS, DemoChecklist
from notices.models import ChecklistItem, ChecklistVersion
from queueing import broadcast, demo, services
from queueing.models import BusinessType, Desk, DeskBusinessType, Reason, Site, StaffProfile
from queueing.roles import OFFICER, SUPERVISOR, ensure_roles

SITE = {"slug": "demo", "name": "城关派出所户籍窗口（演示）", "name_en": "Chengguan Police Station (demo)"}

# prefix, name, English name, seeded average handling minutes
BUSINESS_TYPES = [
    ("A", "户口迁移", "Household registration transfer", 15.0),
    ("B", "居民身份证", "Resident identity card", 8.0),
    ("C", "出生登记", "Birth registration", 12.0),
    ("D", "居住证", "Residence permit", 10.0),
    ("E", "户籍证明", "Household registration certificate", 5.0),
]

# desk number -> business types in the order that breaks ties
DESKS = {1: "ABCDE", 2: "BED", 3: "ACE", 4: "DBE"}
# Display name and police number (警号) of the officer whose home desk it is.
DEMO_OFFICERS = {1: ("王芳", "011201"), 2: ("李明", "011202"), 3: ("张伟", "011203"), 4: ("刘洋", "011204")}

REASONS = [
    ("elderly_disabled", "老弱病残孕照顾", "Elderly, disabled or pregnant citizen"),
    ("returned", "过号后返回", "Came back after missing the call"),
    ("appointment", "预约办理", "Appointment"),
    ("wrong_type", "取错业务类型", "Took a ticket for the wrong business"),
    ("other_desk", "需其他窗口办理", "Needs another desk's business"),
    ("urgent", "紧急情况", "Urgent case"),
    ("break", "工间休息", "Short break"),
    ("meeting", "会议或培训", "Meeting or training"),
    ("system_fault", "系统或设备故障", "System or device fault"),
]


class Command(BaseCommand):
    help = "Create the demo site with business types A–E, desks 1–4, officers officer1–officer4 and supervisor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="Password for the demo accounts (otherwise a random one is printed).")

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_roles()
        password = options["password"] or secrets.token_urlsafe(9)
        with transaction.atomic():
            site, created_site = Site.objects.get_or_create(slug=SITE["slug"], defaults={**SITE, "always_open": True})
            types = {}
            for position, (prefix, name, name_en, minutes) in enumerate(BUSINESS_TYPES):
                types[prefix], _ = BusinessType.objects.get_or_create(
                    site=site,
                    prefix=prefix,
                    defaults={"name": name, "name_en": name_en, "avg_handling_minutes": minutes, "position": position},
                )
            for prefix, bt in types.items():
                self._checklist(bt, CHECKLISTS[prefix])
            for position, (code, label, label_en) in enumerate(REASONS):
                Reason.objects.get_or_create(
                    site=site, code=code, defaults={"label": label, "label_en": label_en, "position": position}
                )
            created_users = []
            desks = {}
            for number, prefixes in DESKS.items():
                desk, created = Desk.objects.get_or_create(
                    site=site, number=number, defaults={"name": f"{number}号窗口"}
                )
                desks[number] = desk
                if created:
                    for position, prefix in enumerate(prefixes):
                        DeskBusinessType.objects.create(desk=desk, business_type=types[prefix], position=position)
            accounts: list[tuple[str, str, Desk | None]] = [(f"officer{n}", OFFICER, desks[n]) for n in DESKS]
            accounts.append(("supervisor", SUPERVISOR, None))
            for username, role, home_desk in accounts:
                user, created = self._account(
                    username, role, site, home_desk, password, options["password"] is not None
                )
                if created:
                    created_users.append(username)
                if home_desk is not None and home_desk.state == Desk.State.CLOSED and created:
                    services.open_desk(desk=home_desk, actor=services.Actor(kind="officer", user=user))
            for hook in demo.DEMO_HOOKS:
                hook(site)
        if apps.is_installed("outreach"):  # apps built on the queue seed their own demo data, by name
            call_command("seed_outreach_demo", stdout=self.stdout)
        if created_site:
            self.stdout.write(self.style.SUCCESS(f"Created site “{site.slug}”: {site.name}"))
        else:
            self.stdout.write(f"Site “{site.slug}” exists; nothing new was created.")
        if created_users:
            self.stdout.write(f"Accounts {', '.join(created_users)} — password: {password}")
        elif options["password"]:
            self.stdout.write("Demo accounts' password updated.")
        broadcast.drain()  # before the interpreter exits under the broadcasting thread

    def _checklist(self, business_type: BusinessType, content: DemoChecklist) -> None:
        """Publish the demo checklist as version 1, unless the type has one already."""
        if business_type.checklist_versions.exists():
            return
        fields = {key: value for key, value in content.items() if key != "items"}
        draft = notice_services.start_draft(business_type=business_type)
        ChecklistVersion.objects.filter(pk=draft.pk).update(**fields)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(version=draft, position=position, **item) for position, item in enumerate(content["items"])
        )
        notice_services.publish(version=draft, user=None)

    def _account(
        self, username: str, role: str, site: Site, desk: Desk | None, password: str, reset: bool
    ) -> tuple[Any, bool]:
        user, created = get_user_model().objects.get_or_create(username=username)
        if created or reset:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        profile, _made = StaffProfile.objects.get_or_create(user=user, defaults={"site": site, "desk": desk})
        if desk is not None and not profile.police_number:
            # The demo officers' public profiles (警务公开); an edited profile is left as it is.
            name, number = DEMO_OFFICERS.get(desk.number, ("", ""))
            StaffProfile.objects.filter(pk=profile.pk).update(display_name=name, police_number=number)
            profile.business_types.set(desk.business_types.all())
        return user, created
