"""Print a new device token for a desk (SPEC "Fixed paths": device token), alone on the last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from queueing import services
from queueing.models import Desk


class Command(BaseCommand):
    help = "Create a device token for a desk's keypad or display. Earlier tokens stay valid until revoked in the admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("site", help="Site slug, e.g. demo")
        parser.add_argument("desk", type=int, help="Desk number, e.g. 3")

    def handle(self, *args: Any, **options: Any) -> None:
        desk = Desk.objects.select_related("site").filter(site__slug=options["site"], number=options["desk"]).first()
        if desk is None:
            raise CommandError(f"No desk {options['desk']} at site “{options['site']}”.")
        token = services.create_desk_token(desk=desk)
        self.stdout.write(
            f"Device token for {desk.site.slug} desk {desk.number} (shown once; send it as “Authorization: Bearer …”):"
        )
        self.stdout.write(token)
