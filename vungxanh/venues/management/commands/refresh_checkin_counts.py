from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from vungxanh.core.scoping import SYSTEM
from vungxanh.venues import actions


class Command(BaseCommand):
    help = "Recount check-ins per venue per day for the last --days days (activity pages)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        days = [today - datetime.timedelta(days=n) for n in range(options["days"])]
        rows = actions.refresh_daily_counts(actor=SYSTEM, days=days)
        self.stdout.write(f"{rows} venue-day counts for {len(days)} days")
