"""Background jobs of venues (handlers for core.jobs): the Excel/CSV import of venues and
printing the posters of every venue of a commune as one PDF."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.jobs import JobRejected, Progress
from vungxanh.core.models import Job
from vungxanh.core.scoping import path_prefix_q, scope_of
from vungxanh.core.tabular import (
    CleanedRow,
    RowError,
    TableError,
    error_report,
    read_table,
    validate_rows,
)
from vungxanh.geo.models import AdminUnit
from vungxanh.venues import actions
from vungxanh.venues.forms import VenueRowForm
from vungxanh.venues.models import Venue
from vungxanh.venues.posters import posters_pdf

IMPORT_COLUMNS = [
    "unit_code",
    "name",
    "kind",
    "address",
    "route",
    "code",
    "latitude",
    "longitude",
    "capacity",
    "is_indoor",
    "default_stay_minutes",
    "owner_name",
    "owner_phone",
]
IMPORT_EXAMPLE = [
    "06649",
    "Chợ Hà Khánh",
    "market",
    "Tổ 3, khu 4, phường Hà Khánh",
    "",
    "",
    "20.9731",
    "107.1234",
    "800",
    "có",
    "",
    "Ban quản lý chợ Hà Khánh",
    "0912345678",
]
ROW_FIELDS = (
    "address",
    "route",
    "latitude",
    "longitude",
    "capacity",
    "is_indoor",
    "default_stay_minutes",
    "owner_name",
    "owner_phone",
)


def _actor(job: Job) -> Any:
    actor = get_user_model().objects.filter(pk=job.actor_id).first() if job.actor_id else None
    if actor is None or not actor.is_active:
        raise JobRejected(_("The person who started this job can no longer run it."))
    return actor


def _units_for(actor: Any) -> dict[str, AdminUnit]:
    """Communes and villages where the actor may register venues, by code."""
    scope = scope_of(actor)
    units = AdminUnit.objects.current().filter(level__in=[3, 4])
    if not scope.unrestricted:
        paths = scope.paths("venues.add_venue", "add")
        if not paths:
            return {}
        units = units.filter(path_prefix_q("path", paths))
    return {u.code: u for u in units}


def import_venues(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    try:
        rows = read_table(bytes(job.input_data or b""), job.input_name)
    except TableError as exc:
        raise JobRejected(str(exc)) from exc
    units = _units_for(actor)
    cleaned, errors = validate_rows(
        rows, lambda r: VenueRowForm(r, actor=actor, units=units), progress
    )
    codes = [r["code"] for r in cleaned if r.get("code")]
    repeated = {c for c in codes if codes.count(c) > 1}
    errors += [
        RowError(
            r.number, "code", _("The code %(code)s appears more than once.") % {"code": r["code"]}
        )
        for r in cleaned
        if r.get("code") in repeated
    ]
    if errors:
        errors.sort(key=lambda e: e.row)
        raise JobRejected(
            _("%(errors)d errors in %(rows)d rows; nothing was imported.")
            % {"errors": len(errors), "rows": len(rows)},
            output=error_report(errors, job.input_name),
            rows=len(rows),
            errors=len(errors),
        )
    progress(0, len(cleaned), _("Saving…"))
    created = 0
    row: CleanedRow | None = None  # the row being saved, for the report if it is refused
    try:
        with transaction.atomic():
            for row in cleaned:
                details = {k: row[k] for k in ROW_FIELDS if row.get(k) not in (None, "")}
                details["is_indoor"] = row["is_indoor"]
                actions.register_venue(
                    actor=actor,
                    unit=row["unit"],
                    name=row["name"],
                    kind=row["kind"],
                    code=row.get("code") or "",
                    **details,
                )
                created += 1
                if created % 200 == 0:
                    progress(created, len(cleaned))
    except ValidationError as exc:
        raise JobRejected(
            _("Row %(row)d: %(error)s Nothing was imported.")
            % {"row": row.number if row else 0, "error": " ".join(exc.messages)}
        ) from exc
    job.message = _("%(created)d venues registered.") % {"created": created}
    return {"created": created}


def print_posters(job: Job, progress: Progress) -> dict[str, Any]:
    """Posters of the active venues of one unit (a commune, or any unit: all inside)."""
    actor = _actor(job)
    unit = AdminUnit.objects.restrict(actor, "view").filter(pk=job.params.get("unit_id")).first()
    if unit is None:
        raise JobRejected(_("This unit is outside your area."))
    venues = list(
        Venue.objects.restrict(actor, "view")
        .active()
        .filter(unit__path__startswith=unit.path)
        .order_by("unit__path", "name")
    )
    if not venues:
        raise JobRejected(_("No active venue in %(unit)s.") % {"unit": unit.name})
    progress(0, len(venues), _("Printing…"))
    data = posters_pdf(venues, job.params["base_url"], progress=lambda n: progress(n))
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="export",
            target=unit,
            unit_path=unit.path,
            extra={"what": "venue posters", "venues": len(venues)},
        )
    job.message = _("%(n)d posters printed.") % {"n": len(venues)}
    return {
        "venues": len(venues),
        "_output": (f"posters-{unit.code}.pdf", "application/pdf", data),
    }
