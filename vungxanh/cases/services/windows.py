"""The windows of a case under its rule set, and where people live."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from vungxanh.cases.models import Case
from vungxanh.cases.rules import TracingRules, rules_of
from vungxanh.geo.models import AdminUnit


def rules_for(case: Case) -> TracingRules:
    return rules_of(case.rule_set)


def infectious_window(
    case: Case, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    return rules_for(case).infectious_window(
        case.anchor_date, case.isolated_at, now or timezone.now()
    )


def landmark_window(
    case: Case, now: datetime.datetime | None = None
) -> tuple[datetime.datetime, datetime.datetime]:
    return rules_for(case).landmark_window(
        case.anchor_date, case.isolated_at, now or timezone.now()
    )


def living_unit(person: Any) -> AdminUnit:
    """Where a person lives now: the temporary residence if any, else the permanent one."""
    unit: AdminUnit = person.temporary_unit or person.residence_unit
    return unit


def commune_of(unit: AdminUnit) -> AdminUnit:
    """The commune of a village (tasks belong to communes); higher units stay as they are."""
    if unit.level == AdminUnit.Level.VILLAGE and unit.parent_id is not None:
        parent = unit.parent
        assert parent is not None
        return parent
    return unit
