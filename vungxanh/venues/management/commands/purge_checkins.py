from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vungxanh.core.scoping import SYSTEM
from vungxanh.venues import actions, rules


class Command(BaseCommand):
    help = (
        "Delete check-ins older than the retention window of the rule set in force "
        "(28 days by default). Schedule it daily (cron), or use --enqueue to hand it to the "
        "task worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the purge for `vungxanh db_worker`"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=200_000,
            help="rows deleted per transaction (at least 1; default 200000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from vungxanh.venues.tasks import purge_checkins_task

            result = purge_checkins_task.enqueue()
            self.stdout.write(f"purge queued (task {result.id})")
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        cutoff = rules.retention_cutoff()
        deleted = actions.purge_checkins(actor=SYSTEM, batch_size=options["batch_size"])
        self.stdout.write(
            f"{deleted} check-ins before {cutoff.isoformat()} deleted "
            f"(retention {rules.retention_days()} days)"
        )
