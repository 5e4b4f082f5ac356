from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from vungxanh.cases import actions
from vungxanh.core.scoping import SYSTEM


class Command(BaseCommand):
    help = (
        "Close the active clusters whose latest case is older than the rule set's days "
        "without a new case (run daily, e.g. from cron or a scheduler)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed = actions.close_quiet_clusters(actor=SYSTEM)
        self.stdout.write(f"{closed} cluster(s) closed")
