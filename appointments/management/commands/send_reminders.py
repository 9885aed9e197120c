"""Send the reminders due now (the day before, one hour before) and purge kept mobile numbers.

Run by a timer every few minutes, next to `expire_tickets` (which marks unattended bookings missed).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from appointments import notify, services


class Command(BaseCommand):
    help = "Send appointment reminders that are due and purge mobile numbers 30 days after the visit."

    def handle(self, *args: Any, **options: Any) -> None:
        due = services.claim_reminders()
        purged = services.purge_phones()
        notify.drain()  # the messages leave before the process exits
        self.stdout.write(f"{len(due)} reminder(s) sent, {purged} mobile number(s) purged.")
