"""Building pools and filling PCR runs (plates)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import require
from vungxanh.labs import codes, sql
from vungxanh.labs.actions.common import (
    commune_ids,
    lab_path,
)
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    Run,
    Sample,
    TestKind,
)
from vungxanh.labs.pooling import pack
from vungxanh.labs.rules import rules_for

# --- pools and runs ----------------------------------------------------------------------------


@transaction.atomic
def build_pools(
    *, actor: Any, lab: Laboratory, size: int | None = None, limit: int | None = None
) -> list[Pool]:
    """Group the laboratory's waiting screening samples into pools (see pooling.pack).
    Builds of one laboratory are serialised by a lock on its row."""
    lab = Laboratory.objects.select_for_update().select_related("facility__unit").get(pk=lab.pk)
    require(actor, lab, "change")
    now = timezone.now()
    rules = rules_for(lab_path(lab), now)
    size = size or rules.max_pool_size
    if not 2 <= size <= rules.max_pool_size:
        raise ValidationError(
            {
                "size": _("A pool holds 2 to %(max)d samples under the rules in force.")
                % {"max": rules.max_pool_size}
            }
        )
    waiting = (
        Sample.objects.poolable()
        .filter(lab=lab)
        .fresh(rules.sample_validity_hours, now)
        .worklist_order()
    )
    if limit:
        waiting = waiting[:limit]
    rows = list(waiting.values_list("pk", "pool_group", "home_unit_id"))
    if not rows:
        raise ValidationError(_("No screening sample is waiting to be pooled."))
    communes = commune_ids({r[2] for r in rows})
    groups = pack(((pk, group, communes.get(home, home)) for pk, group, home in rows), size)
    pool_codes = codes.allocate("pool", len(groups))
    pools = sql.insert_pools(
        lab_id=lab.pk,
        rule_set=rules,
        codes=pool_codes,
        sizes=[len(members) for members in groups],
        created_at=now,
        created_by_id=getattr(actor, "pk", None),
    )
    pairs = [
        (sample_id, pool.pk)
        for pool, members in zip(pools, groups, strict=True)
        for sample_id in members
    ]
    added = sql.add_members(pairs)
    if added != len(pairs):
        raise ValidationError(_("Samples changed while the pools were built; build again."))
    audit.record(
        actor=actor,
        verb="build_pools",
        target=lab,
        unit_path=lab_path(lab),
        extra={
            "pools": len(pools),
            "samples": len(pairs),
            "size": size,
            "rule_set": rules.code,
            "first": pools[0].code,
            "last": pools[-1].code,
        },
    )
    return pools


def well_name(index: int, wells: int) -> str:
    """Column-major well names: A1, B1, … H1, A2 … for 96 wells; 16 rows for 384."""
    rows = 16 if wells > 96 else 8
    column, row = divmod(index, rows)
    return f"{'ABCDEFGHIJKLMNOP'[row]}{column + 1}"


@transaction.atomic
def create_run(*, actor: Any, lab: Laboratory) -> Run:
    """A new plate filled from the worklist: single samples by priority (F1 and symptomatic
    first), then pools in the order they were built; the last wells stay for controls."""
    lab = Laboratory.objects.select_for_update().select_related("facility__unit").get(pk=lab.pk)
    require(actor, lab, "change")
    rules = rules_for(lab_path(lab))
    room = lab.wells_for_samples
    singles = list(
        Sample.objects.select_for_update()
        .fresh(rules.sample_validity_hours)
        .filter(
            lab=lab,
            status=Sample.Status.RECEIVED,
            single_only=True,
            test_kind=TestKind.PCR,
            run__isnull=True,
        )
        .worklist_order()[:room]
    )
    pools = list(
        Pool.objects.select_for_update()
        .filter(lab=lab, status=Pool.Status.READY)
        .order_by("created_at", "pk")[: room - len(singles)]
    )
    if not singles and not pools:
        raise ValidationError(_("Nothing is waiting for a run."))
    run = Run.objects.create(
        code=codes.allocate("run")[0],
        lab=lab,
        wells=lab.plate_wells,
        control_wells=lab.control_wells,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    index = 0
    for sample in singles:
        sample.run, sample.well = run, well_name(index, lab.plate_wells)
        index += 1
    for pool in pools:
        pool.run, pool.well, pool.status = (
            run,
            well_name(index, lab.plate_wells),
            Pool.Status.ON_RUN,
        )
        index += 1
    Sample.objects.bulk_update(singles, ["run", "well"])
    Pool.objects.bulk_update(pools, ["run", "well", "status"])
    audit.record(
        actor=actor,
        verb="create_run",
        target=run,
        unit_path=lab_path(lab),
        extra={"samples": len(singles), "pools": len(pools)},
    )
    return run


@transaction.atomic
def close_run(*, actor: Any, run: Run) -> Run:
    run = Run.objects.select_for_update().select_related("lab__facility__unit").get(pk=run.pk)
    require(actor, run, "change")
    if run.status == Run.Status.CLOSED:
        return run
    waiting = run.pools.awaiting_result().count() + run.samples.awaiting_result().count()
    if waiting:
        raise ValidationError(_("%(n)d items on this run have no result yet.") % {"n": waiting})
    run.status, run.closed_at = Run.Status.CLOSED, timezone.now()
    run.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, verb="close_run", target=run, unit_path=lab_path(run.lab))
    return run
