"""Background imports of populations and villages (job handlers, see core.jobs)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from vungxanh.core.jobs import JobRejected, Progress
from vungxanh.core.models import Job
from vungxanh.core.tabular import Row, TableError, error_report, read_table, validate_rows
from vungxanh.geo import actions
from vungxanh.geo.forms import PopulationRowForm, VillageRowForm


def _actor(job: Job) -> Any:
    actor = get_user_model().objects.filter(pk=job.actor_id).first() if job.actor_id else None
    if actor is None or not actor.is_active:
        raise JobRejected(_("The person who started this job can no longer run it."))
    return actor


def _read(job: Job) -> list[Row]:
    try:
        return read_table(bytes(job.input_data or b""), job.input_name)
    except TableError as exc:
        raise JobRejected(str(exc)) from exc


def import_populations(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    rows = _read(job)
    cleaned, errors = validate_rows(rows, lambda r: PopulationRowForm(r, actor=actor), progress)
    if errors:
        raise JobRejected(
            _("%(errors)d errors in %(rows)d rows; nothing was imported.")
            % {"errors": len(errors), "rows": len(rows)},
            output=error_report(errors, job.input_name),
            rows=len(rows),
            errors=len(errors),
        )
    progress(len(rows), len(rows), _("Saving…"))
    changed = actions.apply_populations(actor=actor, rows=cleaned)
    job.message = _("%(rows)d rows imported; %(changed)d units changed.") % {
        "rows": len(cleaned),
        "changed": changed,
    }
    return {"rows": len(cleaned), "changed": changed}


def import_villages(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    rows = _read(job)
    cleaned, errors = validate_rows(rows, lambda r: VillageRowForm(r, actor=actor), progress)
    if errors:
        raise JobRejected(
            _("%(errors)d errors in %(rows)d rows; nothing was imported.")
            % {"errors": len(errors), "rows": len(rows)},
            output=error_report(errors, job.input_name),
            rows=len(rows),
            errors=len(errors),
        )
    progress(len(rows), len(rows), _("Saving…"))
    from django.core.exceptions import ValidationError

    created = 0
    try:
        with transaction.atomic():
            for row in cleaned:
                actions.create_village(
                    actor=actor,
                    commune=row["commune"],
                    name=row["name"],
                    kind=row["kind"],
                    code=row.get("code") or "",
                    population=row.get("population"),
                )
                created += 1
    except ValidationError as exc:
        raise JobRejected(
            _("Row %(row)d: %(error)s Nothing was imported.")
            % {"row": created + 2, "error": " ".join(exc.messages)}
        ) from exc
    job.message = _("%(created)d villages created.") % {"created": created}
    return {"created": created}
