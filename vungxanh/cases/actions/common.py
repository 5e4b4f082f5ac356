"""Helpers shared by the actions: locks, numbering, scope of reporting, date checks,
audit records."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.cases.models import (
    Case,
    CaseCounter,
    TracingTask,
)
from vungxanh.core import audit
from vungxanh.core.scoping import OutOfScope, scope_of
from vungxanh.geo.models import AdminUnit, ancestor_paths
from vungxanh.people.models import Person

#: Laboratories report positives for anyone they test (role pattern ``labs.*``).
LAB_REPORT_PERM = "labs.report_positive"
#: Clock skew tolerated for times entered by hand ("in the future" checks).
FUTURE_TOLERANCE = datetime.timedelta(minutes=10)
#: How long before a case's windows (or a task's creation) a time told in an interview may
#: lie; earlier is a typing mistake.
PAST_TOLERANCE_DAYS = 7


def check_not_before(
    value: datetime.datetime | None, earliest: datetime.datetime, field: str
) -> None:
    """A time from the interview must not lie long before the window it belongs to."""
    if value is not None and value < earliest - datetime.timedelta(days=PAST_TOLERANCE_DAYS):
        raise ValidationError(
            {
                field: _("This time is before %(date)s, outside the case's windows; check it.")
                % {"date": timezone.localtime(earliest).strftime("%d/%m/%Y")}
            }
        )


CASE_FIELDS = (
    "classification",
    "basis",
    "number",
    "sample_date",
    "onset_date",
    "source",
    "responsible_unit",
    "residence_unit",
    "status",
    "isolated_at",
    "needs_pcr",
    "rule_set",
    "lab_reference",
    "note",
)


# --- helpers ----------------------------------------------------------------------------------


def user_of(actor: Any) -> Any:
    """The user to store as "by whom" (None for the system actor)."""
    return actor if hasattr(actor, "_meta") else None


def lock_person(person: Person) -> Person:
    """Serialises writes about one person (their case, their task)."""
    return (
        Person.objects.select_for_update(of=("self",))
        .select_related("residence_unit", "temporary_unit")
        .get(pk=person.pk)
    )


def lock_case(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("person", "responsible_unit", "residence_unit", "rule_set")
        .get(pk=case.pk)
    )


def province_of(unit: AdminUnit) -> AdminUnit:
    return AdminUnit.objects.get(path=ancestor_paths(unit.path)[0])


def next_number(province: AdminUnit) -> int:
    """The next provincial case number. The counter row is locked until the transaction
    ends, so two confirmations never get the same number and a rollback leaves no gap."""
    CaseCounter.objects.get_or_create(province=province)
    counter = CaseCounter.objects.select_for_update().get(province=province)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def require_report(actor: Any, unit_path: str) -> None:
    """Registering a case: officials of the responsible unit, or a laboratory."""
    scope = scope_of(actor)
    if scope.covers("cases.add_case", "add", unit_path) or scope.has_perm(LAB_REPORT_PERM):
        return
    raise OutOfScope()


def check_dates(
    *,
    sample_date: datetime.date | None,
    onset_date: datetime.date | None,
    isolated_at: datetime.datetime | None,
    now: datetime.datetime,
) -> None:
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if sample_date is None and onset_date is None:
        errors["sample_date"] = _("Give the positive sample date or the symptom onset date.")
    if sample_date and sample_date > today:
        errors["sample_date"] = _("The sample date cannot be in the future.")
    if onset_date and onset_date > today:
        errors["onset_date"] = _("The onset date cannot be in the future.")
    if isolated_at and isolated_at > now + FUTURE_TOLERANCE:
        errors["isolated_at"] = _("The isolation time cannot be in the future.")
    anchor = onset_date or sample_date
    if anchor and today - anchor > datetime.timedelta(days=60):
        errors["onset_date" if onset_date else "sample_date"] = _(
            "This date is more than 60 days ago; check it."
        )
    elif (
        anchor
        and isolated_at
        # The local day: a value from the API or the database is in UTC, where 06:00 in
        # Hạ Long is still the day before.
        and timezone.localdate(isolated_at) < anchor - datetime.timedelta(days=PAST_TOLERANCE_DAYS)
    ):
        errors["isolated_at"] = _(
            "The isolation time is long before the onset or sample date; check it."
        )
    if errors:
        raise ValidationError(errors)


def case_audit(
    actor: Any, verb: str, case: Case, before: dict[str, Any] | None = None, **extra: Any
) -> None:
    after = audit.snapshot(case, CASE_FIELDS)
    audit.record(
        actor=actor,
        verb=verb,
        target=case,
        unit_path=case.responsible_unit.path,
        changes=audit.diff(before or {}, after),
        extra=extra or None,
    )


def task_audit(actor: Any, verb: str, task: TracingTask, **extra: Any) -> None:
    audit.record(
        actor=actor,
        verb=verb,
        target=task,
        unit_path=task.unit.path,
        target_label=str(task.person),
        extra={"case": task.case, **extra},
    )
