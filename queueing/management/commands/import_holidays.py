"""Import China's public holidays and 调休 working days into sites' opening calendars."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from queueing import services
from queueing.models import Site


class Command(BaseCommand):
    help = (
        "Add the public holidays (closed) and weekend working days (调休) of the given years to each "
        "site's calendar, from the `holidays` package. Dates a site entered itself are kept. "
        "A year's 调休 is in the package once the State Council has published it (each November): "
        "upgrade the package, then run this again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sites", nargs="*", help="site slugs (default: every site)")
        parser.add_argument("--year", type=int, action="append", dest="years", help="default: this year and next")

    def handle(self, *args: Any, sites: list[str], years: list[int] | None, **options: Any) -> None:
        this_year = timezone.localdate().year
        years = years or [this_year, this_year + 1]
        if any(not 2000 <= year <= 2100 for year in years):
            raise CommandError("A year must be between 2000 and 2100.")
        chosen = Site.objects.filter(slug__in=sites) if sites else Site.objects.all()
        missing = set(sites) - {site.slug for site in chosen}
        if missing:
            raise CommandError(f"No site {', '.join(sorted(missing))}.")
        for site in chosen.order_by("slug"):
            result = services.import_public_holidays(site=site, years=years, actor=services.Actor.system())
            self.stdout.write(
                f"{site.slug}: {len(result.closed)} closed days and {len(result.working)} working days added, "
                f"{len(result.kept)} of the site's own entries kept ({', '.join(map(str, sorted(set(years))))})"
            )
