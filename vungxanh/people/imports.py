"""Background import and export of people lists (job handlers, see core.jobs).

Import: every row is checked first (the row form, the identity rules, citizen IDs repeated
in the file or already registered); any error refuses the whole file with a per-row error
report. Then households and persons are created in one transaction: nothing half-imported.

Export: the persons a user's filters select, as an Excel workbook; audited.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.jobs import JobRejected, Progress
from vungxanh.core.models import Job
from vungxanh.core.tabular import RowError, TableError, error_report, read_table, validate_rows
from vungxanh.people import actions
from vungxanh.people.filters import PersonFilter
from vungxanh.people.forms import PersonRowForm, residence_units
from vungxanh.people.models import Person, Relation, Sex

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _actor(job: Job) -> Any:
    actor = get_user_model().objects.filter(pk=job.actor_id).first() if job.actor_id else None
    if actor is None or not actor.is_active:
        raise JobRejected(_("The person who started this job can no longer run it."))
    return actor


def _message_of(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(field, str(m)) for field, msgs in exc.message_dict.items() for m in msgs]
    return [("", str(m)) for m in exc.messages]


def _check_identities(rows: list[dict[str, Any]], offset: int = 2) -> list[RowError]:
    """Identity rules of each row, citizen IDs twice in the file or already registered."""
    errors: list[RowError] = []
    seen = Counter(row["cccd"].replace(" ", "") for row in rows if row.get("cccd"))
    for index, row in enumerate(rows):
        birth_date, birth_year = row["birth"]
        try:
            ident = actions.clean_identity(
                cccd=row["cccd"],
                cmnd=row["cmnd"],
                phone=row["phone"],
                full_name=row["full_name"],
                birth_year=birth_year,
                birth_date=birth_date,
                sex=row["sex"],
            )
        except ValidationError as exc:
            for field, message in _message_of(exc):
                errors.append(RowError(index + offset, field, message))
            continue
        if ident.cccd and seen[ident.cccd] > 1:
            errors.append(
                RowError(index + offset, "cccd", _("This citizen ID is on several rows."))
            )
        for kind, _match in actions.exact_matches(ident):
            errors.append(
                RowError(
                    index + offset,
                    "cccd" if kind == "cccd" else "phone",
                    _("Already registered (%(how)s).") % {"how": actions.describe_match(kind)},
                )
            )
    return errors


def import_people(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    try:
        raw = read_table(bytes(job.input_data or b""), job.input_name)
    except TableError as exc:
        raise JobRejected(str(exc)) from exc
    units = {u.code: u for u in residence_units(actor, action="add")}
    indexed: list[tuple[int, dict[str, Any]]] = []

    def make_form(row: Any) -> PersonRowForm:
        return PersonRowForm(row, units=units)

    cleaned, errors = validate_rows(raw, make_form, progress)
    if not errors:
        indexed = list(enumerate(cleaned))
        errors = _check_identities(cleaned)
    heads = Counter(row["household"] for _i, row in indexed if row["relation"] == Relation.HEAD)
    for index, row in indexed:
        if row["household"] and heads[row["household"]] > 1 and row["relation"] == Relation.HEAD:
            errors.append(RowError(index + 2, "relation", _("A household has one head.")))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise JobRejected(
            _("%(errors)d errors in %(rows)d rows; nothing was imported.")
            % {"errors": len(errors), "rows": len(raw)},
            output=error_report(errors, job.input_name),
            rows=len(raw),
            errors=len(errors),
        )
    progress(len(raw), len(raw), _("Saving…"))
    created = households = 0
    row_number = 2
    try:
        with transaction.atomic():
            by_key: dict[str, Any] = {}
            for index, row in indexed:
                row_number = index + 2
                household = None
                if row["household"]:
                    household = by_key.get(row["household"])
                    if household is None:
                        household = actions.create_household(
                            actor=actor, unit=row["unit_code"], address=row["address"] or "—"
                        )
                        by_key[row["household"]] = household
                        households += 1
                birth_date, birth_year = row["birth"]
                actions.create_person(
                    actor=actor,
                    full_name=row["full_name"],
                    sex=row["sex"],
                    birth_year=birth_year,
                    birth_date=birth_date,
                    cccd=row["cccd"],
                    cmnd=row["cmnd"],
                    phone=row["phone"],
                    residence_unit=row["unit_code"],
                    residence_address=row["address"],
                    temporary_unit=row["temporary_unit_code"],
                    temporary_address=row["temporary_address"],
                    occupation=row["occupation"],
                    workplace=row["workplace"],
                    comorbidities=row["comorbidities"],
                    household=household,
                    relation_to_head=row["relation"] or (Relation.OTHER if household else ""),
                    source="import",
                )
                created += 1
    except ValidationError as exc:
        messages = "; ".join(message for _f, message in _message_of(exc))
        raise JobRejected(
            _("Row %(row)d: %(error)s Nothing was imported.")
            % {"row": row_number, "error": messages}
        ) from exc
    job.message = _("%(persons)d persons and %(households)d households imported.") % {
        "persons": created,
        "households": households,
    }
    return {"persons": created, "households": households}


# --- export ----------------------------------------------------------------------------------

EXPORT_INLINE_LIMIT = 5_000
EXPORT_MAX = 200_000


def export_queryset(actor: Any, query: str) -> Any:
    """The persons ``actor`` may see that the list filters in ``query`` select."""
    base = Person.objects.restrict(actor, "view").current()
    filterset = PersonFilter(QueryDict(query), queryset=base)
    qs = filterset.qs if filterset.is_valid() else base.none()
    return qs.select_related("residence_unit__parent", "household").order_by(
        "residence_unit__path", "household_id", "id"
    )


def workbook(persons: Any, progress: Progress | None = None, total: int = 0) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Persons"))
    sheet.append(
        [
            _("Full name"),
            _("Date or year of birth"),
            _("Sex"),
            _("Citizen ID (CCCD)"),
            _("Phone"),
            _("Address"),
            _("Village"),
            _("Commune"),
            _("Household"),
            _("Relation to the head"),
            _("Occupation"),
            _("Workplace"),
            _("Comorbidities"),
            _("Self-declared"),
        ]
    )
    sexes = dict(Sex.choices)
    relations = dict(Relation.choices)
    for index, p in enumerate(persons.iterator(chunk_size=2000)):
        unit = p.residence_unit
        village, commune = (unit.name, unit.parent.name) if unit.level == 4 else ("", unit.name)
        sheet.append(
            [
                p.full_name,
                p.birth_display,
                str(sexes.get(p.sex, p.sex)),
                p.cccd or "",
                ("0" + p.phone[3:]) if p.phone else "",
                p.residence_address,
                village,
                commune,
                p.household.address if p.household_id else "",
                str(relations.get(p.relation_to_head, "")) if p.relation_to_head else "",
                p.occupation,
                p.workplace,
                ", ".join(p.comorbidity_labels()),
                _("yes") if p.is_self_declared else "",
            ]
        )
        if progress is not None and index % 1000 == 0:
            progress(index, total)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_name() -> str:
    return f"dan-cu-{timezone.localtime():%Y%m%d-%H%M}.xlsx"


def record_export(actor: Any, query: str, count: int, unit_path: str = "") -> None:
    audit.record(
        actor=actor,
        verb="export",
        unit_path=unit_path,
        target_label=_("Persons"),
        extra={"what": "people.person", "filters": query, "rows": count},
    )


def export_people(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    query = str(job.params.get("query", ""))
    persons = export_queryset(actor, query)
    total = persons.count()
    if total > EXPORT_MAX:
        raise JobRejected(
            _("%(count)d persons match; narrow the filters to at most %(max)d.")
            % {"count": total, "max": EXPORT_MAX}
        )
    progress(0, total, _("Writing the workbook…"))
    data = workbook(persons, progress, total)
    record_export(actor, query, total, job.unit_path)
    job.message = _("%(count)d persons exported.") % {"count": total}
    return {"rows": total, "_output": (export_name(), XLSX, data)}
