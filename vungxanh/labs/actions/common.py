"""Helpers and field lists shared by the actions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vungxanh.core.scoping import OutOfScope, require, scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.labs.models import (
    Laboratory,
    Result,
    Sample,
    SamplingTask,
    area_roots,
)

LAB_FIELDS = ("single_capacity", "pooled_capacity", "plate_wells", "control_wells", "is_active")
SAMPLE_AUDIT_FIELDS = (
    "code",
    "person",
    "test_kind",
    "reason",
    "priority",
    "single_only",
    "is_f1",
    "collected_at",
    "unit",
    "lab",
    "status",
    "result",
    "ct_value",
)
RESULT_FIELDS = ("status", "result", "ct_value", "attempts")
CT_MIN, CT_MAX = Decimal("0.1"), Decimal("50")


def lab_path(lab: Laboratory) -> str:
    return lab.facility.unit.path


def require_area(actor: Any, perm: str, unit_path: str) -> None:
    """Re-check a write that concerns an area (a sampling site, a rule set for a district):
    it needs a grant of ``perm`` over the unit that is not tied to a facility. A laboratory
    technician's assignment names a unit too, but gives them a say over their laboratory
    only, not over the communes' sites or the province's rules."""
    scope = scope_of(actor)
    if scope.unrestricted:
        return
    if not any(unit_path.startswith(root) for root in area_roots(scope, perm, "add")):
        raise OutOfScope()


def check_lab(actor: Any, lab: Laboratory | None, field: str = "lab") -> None:
    """A laboratory a user chose to send tubes to (at collection, or as a site's default):
    one they may use (as the forms offer them), and still taking samples."""
    if lab is None:
        return
    require(actor, lab, "view")
    if not Laboratory.objects.active().filter(pk=lab.pk).exists():
        raise ValidationError({field: _("This laboratory no longer takes samples.")})


def commune_ids(unit_ids: Iterable[int]) -> dict[int, int]:
    """The commune of each unit (a village's parent; a commune itself; a district or the
    province stays as it is: nobody finer is responsible)."""
    ids = set(unit_ids)
    rows = AdminUnit.objects.filter(pk__in=ids).values_list("pk", "level", "parent_id")
    return {
        pk: (parent if level == AdminUnit.Level.VILLAGE and parent else pk)
        for pk, level, parent in rows
    }


def commune_of(unit: AdminUnit) -> AdminUnit:
    if unit.level == AdminUnit.Level.VILLAGE and unit.parent_id:
        parent = unit.parent
        assert parent is not None
        return parent
    return unit


def check_ct(result: str, ct: Decimal | None, *, required: bool = True) -> Decimal | None:
    """The Ct to store with ``result``, or a ValidationError a technician understands."""
    if result == Result.POSITIVE:
        if ct is None:
            if required:
                raise ValidationError(_("A positive RT-PCR result needs its Ct value."))
            return None
        if not CT_MIN <= ct <= CT_MAX:
            raise ValidationError(
                _("The Ct value must be between %(min)s and %(max)s.")
                % {"min": CT_MIN, "max": CT_MAX}
            )
        return ct
    if ct is not None:
        raise ValidationError(_("Only a positive result has a Ct value."))
    return None


def close_as_resampled(sample: Sample, why: str) -> int:
    """``sample`` was taken for a task but gives no result (rejected, invalid after the
    re-runs): that task is closed as sampled again, since the task created for ``sample``
    follows the person from now on."""
    return SamplingTask.objects.filter(sample=sample, status=SamplingTask.Status.SAMPLED).update(
        status=SamplingTask.Status.RESAMPLED, closed_reason=why[:200]
    )
