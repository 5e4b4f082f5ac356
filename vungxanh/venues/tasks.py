"""Scheduled work of venues, run by the task worker (``vungxanh db_worker``).

Retention: check-ins older than the tracing window (``venues.rules.retention_days()``,
28 days by default) must not survive. Schedule ``vungxanh purge_checkins`` once a day (or
more often), for example with cron on one application host::

    15 2 * * *  cd /opt/vungxanh && DATABASE_URL=… bin/vungxanh purge_checkins

or enqueue :func:`purge_checkins_task` from any scheduler that talks to the task backend
(``purge_checkins_task.enqueue()``; the ``db_worker`` runs it). Running it twice is harmless.
Each run is recorded (``CheckInPurge``): the activity page shows officials of the province
the last one, and warns when none has finished for more than two days.

Daily counts: the activity pages read check-ins per venue per day from a summary table
(``VenueDailyCount``). The pages themselves queue :func:`refresh_daily_counts_task` for the
last week when the counts are older than an hour; ``vungxanh refresh_checkin_counts
--days 28`` recounts by hand (after a bulk load, or nightly from cron).
"""

from __future__ import annotations

import datetime

from django_tasks import task

from vungxanh.core.scoping import SYSTEM
from vungxanh.venues import actions


@task()
def purge_checkins_task() -> int:
    """Delete the check-ins older than the retention window; returns how many."""
    return actions.purge_checkins(actor=SYSTEM)


@task()
def refresh_daily_counts_task(days: list[str]) -> int:
    """Recount check-ins per venue for the given days (ISO dates)."""
    return actions.refresh_daily_counts(
        actor=SYSTEM, days=[datetime.date.fromisoformat(d) for d in days]
    )
