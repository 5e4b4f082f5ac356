"""Writes to units and facilities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import require
from vungxanh.geo.models import MAX_POPULATION, VILLAGE_CODE_VALIDATOR, AdminUnit

POPULATION_FIELDS = (
    "population",
    "population_source",
    "population_year",
    "population_is_estimate",
)


@transaction.atomic
def set_population(
    *,
    actor: Any,
    unit: AdminUnit,
    population: int | None,
    source: str,
    year: int | None,
    is_estimate: bool = False,
) -> AdminUnit:
    unit = AdminUnit.objects.select_for_update().get(pk=unit.pk)
    require(actor, unit, "change")
    before = audit.snapshot(unit, POPULATION_FIELDS)
    unit.population = population
    unit.population_source = source
    unit.population_year = year
    unit.population_is_estimate = is_estimate
    unit.save(update_fields=list(POPULATION_FIELDS))
    changes = audit.diff(before, audit.snapshot(unit, POPULATION_FIELDS))
    if changes:
        audit.record(
            actor=actor, verb="set_population", target=unit, unit_path=unit.path, changes=changes
        )
    return unit


@transaction.atomic
def apply_populations(*, actor: Any, rows: Sequence[dict[str, Any]]) -> int:
    """Set the populations of many units at once (rows from PopulationRowForm)."""
    changed = 0
    for row in rows:
        unit: AdminUnit = row["unit"]
        before = unit.population, unit.population_source, unit.population_year
        set_population(
            actor=actor,
            unit=unit,
            population=row["population"],
            source=row["source"],
            year=row["year"],
            is_estimate=bool(row.get("is_estimate")),
        )
        changed += before != (row["population"], row["source"], row["year"])
    return changed


def next_village_code(commune: AdminUnit) -> str:
    codes = [
        u.code
        for u in AdminUnit.objects.filter(parent=commune, level=AdminUnit.Level.VILLAGE)
        if u.code.startswith(f"{commune.code}-")
    ]
    numbers = [int(c.rsplit("-", 1)[1]) for c in codes if c.rsplit("-", 1)[1].isdigit()]
    return f"{commune.code}-{(max(numbers) + 1) if numbers else 1:02d}"


@transaction.atomic
def create_village(
    *,
    actor: Any,
    commune: AdminUnit,
    name: str,
    kind: str = AdminUnit.Kind.VILLAGE,
    code: str = "",
    population: int | None = None,
    population_source: str = "",
    population_year: int | None = None,
    is_synthetic: bool = False,
) -> AdminUnit:
    """Villages are not in GSO lists; communes and imports add them."""
    commune = AdminUnit.objects.select_for_update().get(pk=commune.pk)
    require(actor, commune, "change")
    if commune.level != AdminUnit.Level.COMMUNE:
        raise ValidationError(_("Villages belong to a commune."))
    if AdminUnit.objects.filter(parent=commune, name__iexact=name.strip()).exists():
        raise ValidationError(
            _("%(commune)s already has a village called %(name)s.")
            % {"commune": commune.name, "name": name}
        )
    errors: dict[str, Any] = {}
    code = code.strip() or next_village_code(commune)
    try:
        VILLAGE_CODE_VALIDATOR(code)
    except ValidationError as exc:
        errors["code"] = exc.messages
    else:
        clash = AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE, code=code, valid_to=None)
        if clash.exists():
            errors["code"] = _("Another village already has the code %(code)s.") % {"code": code}
    if population is not None and not 0 <= population <= MAX_POPULATION:
        errors["population"] = _("The population must be between 0 and %(max)s.") % {
            "max": f"{MAX_POPULATION:,}".replace(",", ".")
        }
    if errors:
        raise ValidationError(errors)
    village = AdminUnit.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        level=AdminUnit.Level.VILLAGE,
        parent=commune,
        path=f"{commune.path}{code}/",
        structure=commune.structure,
        population=population,
        population_source=population_source,
        population_year=population_year,
        population_is_estimate=is_synthetic,
        is_synthetic=is_synthetic,
    )
    audit.record(actor=actor, verb="create_village", target=village, unit_path=village.path)
    return village
