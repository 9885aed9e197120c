"""Expire yesterday's unfinished tickets of every site whose local day has changed.

The first issue or desk action of a new day does this by itself; a timer that
runs this command a minute after midnight makes it happen before anyone asks.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from queueing import broadcast, services
from queueing.models import Site


class Command(BaseCommand):
    help = "Expire unfinished tickets of earlier service days (the day change)."

    def handle(self, *args: Any, **options: Any) -> None:
        for site in Site.objects.all():
            count = services.roll_over_day(site=site)
            self.stdout.write(f"{site.slug}: {count} ticket(s) expired.")
        # Send the screens' updates (they reach them through a shared channel layer) before exiting.
        broadcast.drain()
