"""Laboratories (capacity), sampling sites and versions of the testing rule set."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import require, require_unit
from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.labs.actions.common import (
    LAB_FIELDS,
    check_lab,
    lab_path,
    require_area,
)
from vungxanh.labs.models import (
    Laboratory,
    Reason,
    SamplingSite,
    TestingRuleSet,
)

# --- laboratories, sites, rules ----------------------------------------------------------------


@transaction.atomic
def register_laboratory(
    *,
    actor: Any,
    facility: Facility,
    single_capacity: int,
    pooled_capacity: int,
    plate_wells: int = 96,
    control_wells: int = 2,
    is_synthetic: bool = False,
) -> Laboratory:
    facility = Facility.objects.select_for_update().select_related("unit").get(pk=facility.pk)
    require_unit(actor, "labs.add_laboratory", facility.unit.path)
    if facility.kind != Facility.Kind.LABORATORY:
        raise ValidationError(_("Only a facility of kind laboratory can test samples."))
    if Laboratory.objects.filter(facility=facility).exists():
        raise ValidationError(_("%(name)s is already registered.") % {"name": facility.name})
    _check_plate(plate_wells, control_wells)
    lab = Laboratory.objects.create(
        facility=facility,
        single_capacity=single_capacity,
        pooled_capacity=pooled_capacity,
        plate_wells=plate_wells,
        control_wells=control_wells,
        is_synthetic=is_synthetic,
    )
    audit.record(
        actor=actor,
        verb="register_laboratory",
        target=lab,
        unit_path=facility.unit.path,
        changes=audit.diff({}, audit.snapshot(lab, LAB_FIELDS)),
    )
    return lab


def _check_plate(plate_wells: int, control_wells: int) -> None:
    if plate_wells < 8 or plate_wells > 384:
        raise ValidationError(_("A plate has between 8 and 384 wells."))
    if control_wells >= plate_wells:
        raise ValidationError(_("The controls must leave wells for samples."))


@transaction.atomic
def update_laboratory(*, actor: Any, lab: Laboratory, **values: Any) -> Laboratory:
    lab = Laboratory.objects.select_for_update().select_related("facility__unit").get(pk=lab.pk)
    require(actor, lab, "change")
    unknown = set(values) - set(LAB_FIELDS)
    if unknown:
        raise TypeError(f"not laboratory settings: {sorted(unknown)}")
    before = audit.snapshot(lab, LAB_FIELDS)
    for name, value in values.items():
        setattr(lab, name, value)
    _check_plate(lab.plate_wells, lab.control_wells)
    # The fields' own bounds (no negative capacity), as a message rather than a refused row.
    lab.full_clean(exclude=["facility"], validate_unique=False, validate_constraints=False)
    lab.save(update_fields=list(values))
    changes = audit.diff(before, audit.snapshot(lab, LAB_FIELDS))
    if changes:
        audit.record(
            actor=actor,
            verb="update_laboratory",
            target=lab,
            unit_path=lab_path(lab),
            changes=changes,
        )
    return lab


@transaction.atomic
def create_sampling_site(
    *,
    actor: Any,
    name: str,
    kind: str,
    unit: AdminUnit,
    facility: Facility | None = None,
    default_lab: Laboratory | None = None,
    is_synthetic: bool = False,
) -> SamplingSite:
    require_area(actor, "labs.add_samplingsite", unit.path)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the site a name.")})
    if kind not in SamplingSite.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of site.")})
    check_lab(actor, default_lab, "default_lab")
    # Compared here, not with ``iexact``: SQLite folds the case of ASCII letters only ("KIỂM").
    taken = SamplingSite.objects.filter(unit=unit).values_list("name", flat=True)
    if any(" ".join(other.split()).casefold() == name.casefold() for other in taken):
        raise ValidationError(
            {"name": _("%(unit)s already has a site of that name.") % {"unit": unit.name}}
        )
    site = SamplingSite.objects.create(
        name=name,
        kind=kind,
        unit=unit,
        facility=facility,
        default_lab=default_lab,
        is_synthetic=is_synthetic,
    )
    audit.record(
        actor=actor,
        verb="create_sampling_site",
        target=site,
        unit_path=unit.path,
        changes=audit.diff({}, audit.snapshot(site, ("name", "kind", "unit", "default_lab"))),
    )
    return site


RULE_FIELDS = (
    "code",
    "name",
    "unit",
    "valid_from",
    "source",
    "max_pool_size",
    "single_test_reasons",
    "priority_order",
    "sample_validity_hours",
    "retest_due_hours",
    "max_reruns",
    "province_single_target",
    "province_pooled_target",
    "assay_sensitivity",
    "assay_specificity",
    "positivity_window_days",
)


@transaction.atomic
def create_rule_set(*, actor: Any, unit: AdminUnit, **values: Any) -> TestingRuleSet:
    """A new version of the testing rules for ``unit`` and everything under it, from
    ``valid_from`` (now or later: history is never rewritten)."""
    require_area(actor, "labs.add_testingruleset", unit.path)
    now = timezone.now()
    valid_from: datetime.datetime = values.get("valid_from") or now
    if valid_from < now - datetime.timedelta(minutes=5):
        raise ValidationError({"valid_from": _("A new rule set cannot take effect in the past.")})
    values["valid_from"] = valid_from
    reasons = set(Reason.values)
    single = list(dict.fromkeys(values.get("single_test_reasons") or []))
    order = list(dict.fromkeys(values.get("priority_order") or []))
    bad = [r for r in [*single, *order] if r not in reasons]
    if bad:
        raise ValidationError(_("Unknown reasons: %(list)s.") % {"list": ", ".join(bad)})
    order += [r for r in Reason.values if r not in order]
    values["single_test_reasons"], values["priority_order"] = single, order
    if TestingRuleSet.objects.filter(unit=unit, valid_from=valid_from).exists():
        raise ValidationError(
            {"valid_from": _("Another rule set for this unit starts at the same time.")}
        )
    if TestingRuleSet.objects.filter(code=values.get("code")).exists():
        raise ValidationError({"code": _("This code is taken.")})
    rule_set = TestingRuleSet(unit=unit, created_by=actor if getattr(actor, "pk", None) else None)
    for name in RULE_FIELDS:
        if name in values and name != "unit":
            setattr(rule_set, name, values[name])
    rule_set.full_clean()
    rule_set.save()
    audit.record(
        actor=actor,
        verb="create_rule_set",
        target=rule_set,
        unit_path=unit.path,
        changes=audit.diff({}, audit.snapshot(rule_set, RULE_FIELDS)),
    )
    return rule_set
