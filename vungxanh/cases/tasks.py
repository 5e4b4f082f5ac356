from __future__ import annotations

from django_tasks import task

from vungxanh.cases import actions
from vungxanh.core.scoping import SYSTEM


@task()
def close_quiet_clusters_task() -> int:
    """Close the active clusters past the rule set's days without a new case."""
    return actions.close_quiet_clusters(actor=SYSTEM)
