"""Demo data of the testing capability: the laboratories' capacities (about the province's
2021 targets), sampling sites at every health station and checkpoint, and two days of work
in Hạ Long so that every page has something to show: yesterday's screening pooled and
resulted (one positive pool, its members re-sampled, one of them positive), today's samples
partly pooled and resulted, a plate on the machine, F1 and symptomatic samples tested singly,
rapid tests, and a few tubes still without a result from yesterday (flagged overdue).

Everything goes through the actions as the system actor; only the times are moved back
afterwards (generated history). Synthetic persons only, from the registry's demo."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.labs import actions
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    Reason,
    Result,
    ResultRecord,
    Sample,
    SamplingSite,
    SamplingTask,
)
from vungxanh.labs.rules import ensure_default_rule_set
from vungxanh.people.models import Person

# Daily capacity by laboratory (single, pooled): together a little above the province's
# targets of 10,000 single and 50,000 pooled samples a day.
CAPACITY = {"LAB-CDC": (4_000, 20_000), "LAB-BVT": (3_000, 15_000)}
DISTRICT_CAPACITY = (1_000, 5_000)
SAMPLES = {"small": 600, "medium": 2_400, "province": 6_000}
SITE_KINDS = {
    Facility.Kind.HEALTH_STATION: SamplingSite.Kind.HEALTH_STATION,
    Facility.Kind.CHECKPOINT: SamplingSite.Kind.CHECKPOINT,
    Facility.Kind.MOBILE_STATION: SamplingSite.Kind.MOBILE_TEAM,
    Facility.Kind.QUARANTINE: SamplingSite.Kind.QUARANTINE,
}


def _labs(province: AdminUnit) -> list[Laboratory]:
    labs = []
    for facility in Facility.objects.filter(
        kind=Facility.Kind.LABORATORY, unit__path__startswith=province.path
    ).order_by("code"):
        lab = Laboratory.objects.filter(facility=facility).first()
        if lab is None:
            single, pooled = CAPACITY.get(facility.code, DISTRICT_CAPACITY)
            lab = actions.register_laboratory(
                actor=SYSTEM,
                facility=facility,
                single_capacity=single,
                pooled_capacity=pooled,
                is_synthetic=True,
            )
        labs.append(lab)
    return labs


def _sites(province: AdminUnit, labs: list[Laboratory]) -> int:
    by_district = {lab.facility.unit.path: lab for lab in labs}
    central = next((lab for lab in labs if lab.facility.code == "LAB-CDC"), labs[0])
    existing = set(SamplingSite.objects.values_list("facility_id", flat=True))
    created = 0
    facilities = Facility.objects.filter(
        kind__in=list(SITE_KINDS), unit__path__startswith=province.path
    ).select_related("unit")
    for facility in facilities:
        if facility.pk in existing:
            continue
        district = "/".join(facility.unit.path.split("/")[:3]) + "/"
        unit: AdminUnit | None = facility.unit
        if unit is not None and unit.level < AdminUnit.Level.COMMUNE:
            unit = unit.children.filter(level=AdminUnit.Level.COMMUNE).order_by("code").first()
        if unit is None:
            continue
        site = actions.create_sampling_site(
            actor=SYSTEM,
            name=facility.name,
            kind=SITE_KINDS[Facility.Kind(facility.kind)],
            unit=unit,
            default_lab=by_district.get(district, central),
            is_synthetic=True,
        )
        site.facility = facility
        site.save(update_fields=["facility"])
        created += 1
    return created


def _move(samples: list[Sample], collected: datetime.datetime) -> None:
    """Generated history: put samples (and their results) at ``collected``."""
    ids = [s.pk for s in samples]
    Sample.objects.filter(pk__in=ids).update(collected_at=collected)
    for sample in Sample.objects.filter(pk__in=ids, received_at__isnull=False):
        sample.received_at = collected + datetime.timedelta(hours=2)
        if sample.resulted_at:
            sample.resulted_at = collected + datetime.timedelta(hours=7)
            sample.turnaround = sample.resulted_at - collected
        sample.save(update_fields=["received_at", "resulted_at", "turnaround"])


@transaction.atomic
def _two_days(ctx: Any, lab: Laboratory, persons: list[Person]) -> dict[str, int]:
    rng = ctx.rng
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - datetime.timedelta(days=1)
    sites = list(
        SamplingSite.objects.filter(unit__path__startswith="/22/193/", default_lab=lab)
        .select_related("unit")
        .order_by("name")[:6]
    ) or list(SamplingSite.objects.filter(default_lab=lab).select_related("unit")[:6])
    half = len(persons) // 2
    figures: dict[str, int] = {}

    # Yesterday: a screening round, pooled, every pool resulted; one pool positive.
    old: list[Sample] = []
    for i, site in enumerate(sites):
        chunk = persons[i :: len(sites)][: half // len(sites)]
        old += actions.collect_screening_batch(
            actor=SYSTEM, persons=chunk, unit=site.unit, site=site, lab=lab
        )
    late = old[-12:]  # these tubes never reached the machine: overdue today
    actions.receive_samples(actor=SYSTEM, lab=lab, codes_in=[s.code for s in old[:-12]])
    pools = actions.build_pools(actor=SYSTEM, lab=lab)
    positive = pools[rng.randrange(len(pools))]
    actions.record_results(
        actor=SYSTEM,
        lab=lab,
        entries=[
            actions.ResultEntry(p, Result.POSITIVE, Decimal("27.8"))
            if p.pk == positive.pk
            else actions.ResultEntry(p, Result.NEGATIVE)
            for p in pools
        ],
        source=ResultRecord.Source.IMPORT,
        job_ref="demo",
    )
    _move(old, yesterday + datetime.timedelta(hours=8, minutes=30))
    Pool.objects.filter(pk__in=[p.pk for p in pools]).update(
        created_at=yesterday + datetime.timedelta(hours=11),
        resulted_at=yesterday + datetime.timedelta(hours=15, minutes=30),
    )
    ResultRecord.objects.filter(pool__in=pools).update(
        entered_at=yesterday + datetime.timedelta(hours=15, minutes=30)
    )
    figures["yesterday"] = len(old)
    figures["overdue"] = len(late)

    # Three members of the positive pool re-sampled this morning; one is positive.
    tasks = list(SamplingTask.objects.filter(pool=positive).select_related("person", "unit"))
    retests = [
        actions.collect_sample(
            actor=SYSTEM,
            person=task.person,
            test_kind="pcr",
            reason=Reason.RETEST,
            unit=task.unit,
            lab=lab,
            task=task,
            collected_at=min(today + datetime.timedelta(hours=7, minutes=15), now),
        )
        for task in tasks[:3]
    ]
    actions.receive_samples(actor=SYSTEM, lab=lab, codes_in=[s.code for s in retests])
    fresh = Sample.objects.filter(pk__in=[s.pk for s in retests])
    actions.record_results(
        actor=SYSTEM,
        lab=lab,
        entries=[
            actions.ResultEntry(
                s,
                Result.POSITIVE if i == 0 else Result.NEGATIVE,
                Decimal("24.1") if i == 0 else None,
            )
            for i, s in enumerate(fresh)
        ],
        source=ResultRecord.Source.MANUAL,
    )
    figures["retested"] = len(retests)

    # Today: screening, F1 and symptomatic samples; half the pools resulted; a plate running.
    today_samples: list[Sample] = []
    morning = today + datetime.timedelta(hours=7)
    for i, site in enumerate(sites):
        chunk = persons[half:][i :: len(sites)][: half // len(sites)]
        today_samples += actions.collect_screening_batch(
            actor=SYSTEM,
            persons=chunk,
            unit=site.unit,
            site=site,
            lab=lab,
            collected_at=min(morning + datetime.timedelta(minutes=20 * i), now),
        )
    singles = []
    for person, reason in zip(
        persons[:8], [Reason.F1] * 5 + [Reason.SYMPTOMATIC] * 3, strict=False
    ):
        singles.append(
            actions.collect_sample(
                actor=SYSTEM,
                person=person,
                test_kind="pcr",
                reason=reason,
                unit=sites[0].unit,
                site=sites[0],
                lab=lab,
                collected_at=min(morning + datetime.timedelta(hours=1), now),
            )
        )
    actions.receive_samples(
        actor=SYSTEM, lab=lab, codes_in=[s.code for s in today_samples + singles]
    )
    pools = actions.build_pools(actor=SYSTEM, lab=lab)
    done = pools[: len(pools) // 2]
    actions.record_results(
        actor=SYSTEM,
        lab=lab,
        entries=[actions.ResultEntry(p, Result.NEGATIVE) for p in done],
        source=ResultRecord.Source.IMPORT,
        job_ref="demo",
    )
    actions.create_run(actor=SYSTEM, lab=lab)  # singles first, then pools: for the demo user
    figures["today"] = len(today_samples) + len(singles)
    figures["pools_waiting"] = len(pools) - len(done)

    # Rapid tests at the health stations: all negative but one.
    rapid_people = persons[-31:]
    for i, person in enumerate(rapid_people):
        actions.collect_sample(
            actor=SYSTEM,
            person=person,
            test_kind="rapid_antigen",
            reason=Reason.SYMPTOMATIC if i == 0 else Reason.SCREENING,
            unit=sites[-1].unit,
            site=sites[-1],
            rapid_result=Result.POSITIVE if i == 0 else Result.NEGATIVE,
            performed_by=Sample.PerformedBy.STAFF,
            collected_at=min(morning + datetime.timedelta(hours=2), now),
        )
    figures["rapid"] = len(rapid_people)
    return figures


def run(ctx: Any) -> list[str]:
    ensure_default_rule_set()
    province = ctx.province
    labs = _labs(province)
    if not labs:
        return ["Labs: no laboratory facility in the province (run the geo demo first)."]
    sites = _sites(province, labs)
    lines = [
        f"Labs: {len(labs)} laboratories "
        f"({sum(lab.single_capacity for lab in labs):,} single / "
        f"{sum(lab.pooled_capacity for lab in labs):,} pooled samples a day), "
        f"{sites} new sampling sites."
    ]
    if ctx.if_empty and Sample.objects.exists():
        return [*lines, "Labs: samples exist, left as they are."]
    lab = next((lab for lab in labs if lab.facility.code == "LAB-CDC"), labs[0])
    wanted = SAMPLES.get(ctx.size, SAMPLES["small"])
    ids = list(
        Person.objects.filter(
            is_synthetic=True, merged_into__isnull=True, residence_unit__path__startswith="/22/193/"
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: wanted * 4]
    )
    if len(ids) < 100:
        return [*lines, "Labs: no synthetic persons in Hạ Long yet: samples skipped."]
    chosen = ctx.rng.sample(ids, min(wanted, len(ids)))
    persons = list(Person.objects.filter(pk__in=chosen).order_by("pk"))
    figures = _two_days(ctx, lab, persons)
    # Mark what the generator made (the actions record real work, unmarked).
    Sample.objects.filter(person__is_synthetic=True, is_synthetic=False).update(is_synthetic=True)
    Pool.objects.filter(lab=lab, is_synthetic=False).update(is_synthetic=True)
    return [
        *lines,
        f"Labs: {figures['yesterday']:,} screening samples yesterday (one positive pool, "
        f"{figures['retested']} members re-sampled), {figures['today']:,} samples today "
        f"({figures['pools_waiting']} pools waiting, a plate on the machine), "
        f"{figures['rapid']} rapid tests, {figures['overdue']} tubes overdue.",
    ]
