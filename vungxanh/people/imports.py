"""Background import and export of people lists (job handlers, see core.jobs).

Import: every row is checked first, all in one round: the row form, the identity rules,
citizen IDs already registered, the same person on two rows of the file (same citizen ID,
or same phone, name and year of birth), and households (one head, one place). Any error
refuses the whole file with a per-row error report whose row numbers are the spreadsheet's
own (blank rows count). Then households and persons are created in one transaction, with
progress: nothing half-imported.

Export: the persons a user's filters select, as an Excel workbook; audited.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
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
from vungxanh.core.tabular import RowError, TableError, error_report, read_table
from vungxanh.core.text import sheet_cell
from vungxanh.people import actions
from vungxanh.people.filters import PersonFilter
from vungxanh.people.forms import PersonRowForm, residence_units
from vungxanh.people.models import Person, Relation, Sex

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: One row of an upload: the row number a spreadsheet shows for it (the header is row 1,
#: blank rows count) and its cells keyed by the normalised column name.
Numbered = tuple[int, dict[str, str]]


def _actor(job: Job) -> Any:
    actor = get_user_model().objects.filter(pk=job.actor_id).first() if job.actor_id else None
    if actor is None or not actor.is_active:
        raise JobRejected(_("The person who started this job can no longer run it."))
    return actor


def _message_of(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(field, str(m)) for field, msgs in exc.message_dict.items() for m in msgs]
    return [("", str(m)) for m in exc.messages]


def read_rows(data: bytes, filename: str) -> list[Numbered]:
    """The non-blank rows of a .csv or .xlsx upload, each with its spreadsheet row number
    (blank rows count). Raises ``TableError`` for a file that cannot be read."""
    return [(row.number, dict(row)) for row in read_table(data, filename)]


# --- checking every row ----------------------------------------------------------------------


def _validate(
    rows: Sequence[Numbered], units: dict[str, Any], progress: Progress
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Each row through :class:`PersonRowForm`: the valid rows (cleaned) and the errors."""
    valid: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    total = len(rows)
    for index, (number, raw) in enumerate(rows):
        form = PersonRowForm(raw, units=units)
        if form.is_valid():
            valid.append((number, form.cleaned_data))
        else:
            for column, messages in form.errors.items():
                for message in messages:
                    errors.append(
                        RowError(number, "" if column == "__all__" else column, str(message))
                    )
        if index % 200 == 0 or index == total - 1:
            progress(index + 1, total)
    return valid, errors


def _row_list(numbers: Iterable[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def _check_identities(rows: Sequence[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """The identity rules of every row; persons already registered; and the same person on
    several rows of the file, which the save would refuse (one citizen ID per person; a
    second person with the same phone, name and year of birth is taken for the first)."""
    errors: list[RowError] = []
    by_cccd: dict[str, list[int]] = defaultdict(list)
    by_phone: dict[tuple[str, str, int], list[tuple[int, str]]] = defaultdict(list)
    for number, row in rows:
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
                errors.append(RowError(number, field, message))
            continue
        if ident.cccd:
            by_cccd[ident.cccd].append(number)
        if ident.phone and ident.name_folded and ident.birth_year:
            key = (ident.phone, ident.name_folded, ident.birth_year)
            by_phone[key].append((number, ident.cccd))
        for kind, _match in actions.exact_matches(ident):
            errors.append(
                RowError(
                    number,
                    "cccd" if kind == "cccd" else "phone",
                    _("Already registered (%(how)s).") % {"how": actions.describe_match(kind)},
                )
            )
    for numbers in by_cccd.values():
        for number in numbers if len(numbers) > 1 else ():
            others = [n for n in numbers if n != number]
            errors.append(
                RowError(
                    number,
                    "cccd",
                    _("This citizen ID is also on row %(rows)s: one person, one row.")
                    % {"rows": _row_list(others)},
                )
            )
    for group in by_phone.values():
        for number, cccd in group if len(group) > 1 else ():
            # Two different known citizen IDs are two people (as for the registry's matches).
            others = [n for n, c in group if n != number and not (cccd and c and c != cccd)]
            if others:
                errors.append(
                    RowError(
                        number,
                        "phone",
                        _(
                            "Row %(rows)s has the same phone, name and year of birth: the "
                            "same person twice? Keep one row."
                        )
                        % {"rows": _row_list(others)},
                    )
                )
    return errors


def _check_households(rows: Sequence[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """The rows of one household key: at most one head, and one commune or village (the
    household is created where its first row says)."""
    errors: list[RowError] = []
    members: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for number, row in rows:
        if row["household"]:
            members[row["household"]].append((number, row))
    for key, group in members.items():
        heads = [number for number, row in group if row["relation"] == Relation.HEAD]
        for number in heads if len(heads) > 1 else ():
            errors.append(RowError(number, "relation", _("A household has one head.")))
        first_number, first = group[0]
        for number, row in group[1:]:
            if row["unit_code"].pk != first["unit_code"].pk:
                errors.append(
                    RowError(
                        number,
                        "unit_code",
                        _(
                            "Household %(key)s is in %(unit)s (row %(row)d): all its members "
                            "must have the same unit code."
                        )
                        % {"key": key, "unit": first["unit_code"].name, "row": first_number},
                    )
                )
    return errors


def _rejected(errors: list[RowError], rows: int, filename: str) -> JobRejected:
    errors.sort(key=lambda e: e.row)
    return JobRejected(
        _("%(errors)d errors in %(rows)d rows; nothing was imported.")
        % {"errors": len(errors), "rows": rows},
        output=error_report(errors, filename),
        rows=rows,
        errors=len(errors),
    )


def import_people(job: Job, progress: Progress) -> dict[str, Any]:
    actor = _actor(job)
    try:
        raw = read_rows(bytes(job.input_data or b""), job.input_name)
    except TableError as exc:
        raise JobRejected(str(exc)) from exc
    units = {u.code: u for u in residence_units(actor, action="add")}
    rows, errors = _validate(raw, units, progress)
    errors += _check_identities(rows)
    errors += _check_households(rows)
    if errors:
        raise _rejected(errors, len(raw), job.input_name)
    total = len(rows)
    progress(0, total, _("Saving…"))
    created = households = 0
    at_row = 0  # the row being saved, for the report if the save refuses it
    try:
        with transaction.atomic():
            by_key: dict[str, Any] = {}
            for number, row in rows:
                at_row = number
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
                progress(created, total)
    except ValidationError as exc:
        # Everything the save checks was checked above; a record registered meanwhile by
        # somebody else still gets its row in the report.
        errors = [RowError(at_row, field, message) for field, message in _message_of(exc)]
        raise _rejected(errors, len(raw), job.input_name) from exc
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
                sheet_cell(value)
                for value in [
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
