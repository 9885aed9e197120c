"""The demo site's outreach: a mobile service session in the coming week and a resident officer.

`seed_demo` runs it; running it again creates nothing new.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from outreach import services
from outreach.models import OutreachOfficer, ServiceSession
from queueing.models import BusinessType, Site

SESSION_PLACE = "东岭村警务室"


class Command(BaseCommand):
    help = "Give the demo site a mobile service session in the coming week and a resident officer."

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(slug="demo").first()
        if site is None:
            self.stdout.write("No demo site; run seed_demo first.")
            return
        with transaction.atomic():
            officer = User.objects.filter(username="officer1").first()
            if officer is not None:
                OutreachOfficer.objects.get_or_create(
                    user=officer,
                    defaults={
                        "site": site,
                        "police_number": "031001",
                        "villages": "东岭村、西岭村",
                        "contact_hours": "工作日 9:00–17:00",
                    },
                )
            today = site.service_day(timezone.now())
            if ServiceSession.objects.filter(site=site, date__gt=today).exists():
                return
            session = ServiceSession.objects.create(
                site=site,
                place=SESSION_PLACE,
                place_kind=ServiceSession.Place.POLICE_POST,
                date=today + dt.timedelta(days=3),
                start=dt.time(9),
                end=dt.time(12),
                note="带好户口簿和身份证",
            )
            session.business_types.set(BusinessType.objects.filter(site=site, prefix__in=["B", "D", "E"]))
            if officer is not None:
                session.officers.set([officer])
            services.session_saved(session=session, who=services.Who())
        self.stdout.write(f"Mobile service session on {session.date} at {session.place}.")
