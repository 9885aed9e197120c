"""Remove the personal data of home-visit requests closed longer ago than their site's retention period.

Run daily by the deploy recipe's timer (deploy/systemd/counter-anonymise.timer). Counts, statuses
and events stay; name, number, village, address and note are blanked.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from outreach import services


class Command(BaseCommand):
    help = "Anonymise closed home-visit requests older than each site's retention period."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.anonymise_due()
        self.stdout.write(f"anonymised {count} request(s)")
