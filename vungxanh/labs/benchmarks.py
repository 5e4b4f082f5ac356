"""``vungxanh bench pooling``: the laboratory's heavy path at the province's pooled target.

50,000 screening samples (``--option samples=N``) of synthetic persons wait at a benchmark
laboratory; timed: building the pools (the same action the page calls), then importing the
machine export of their results (the same background-job handler as the upload: read the
file, check every row with the form, apply all in one transaction), which deconvolves:
negative pools make their members negative, positive pools send each member back to their
commune as a sampling task. Prevalence ``--option prevalence=0.01`` decides which persons
are infected (a pool is positive when it holds one).

Needs synthetic persons (``vungxanh demo --size medium`` gives 150,000); the benchmark's
own samples, pools and tasks are removed before each run. Run it on PostgreSQL, under
``flock /tmp/vx-bench.lock``.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Sequence
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from vungxanh.accounts import actions as account_actions
from vungxanh.accounts.models import User
from vungxanh.core.benchmarks import BenchResult
from vungxanh.core.jobs import run_job
from vungxanh.core.models import Job
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.labs import actions, codes
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    PoolMember,
    Reason,
    ResultRecord,
    Sample,
    SamplingTask,
    TestKind,
)
from vungxanh.labs.rules import ensure_default_rule_set
from vungxanh.people.models import Person

BENCH_LAB = "BENCH-LAB"
BENCH_USER = "bench.lab"


def _lab() -> tuple[Laboratory, User]:
    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("pk").first()
    if province is None:
        raise CommandError("no province loaded: run `vungxanh load_units` first")
    facility, _ = Facility.objects.get_or_create(
        code=BENCH_LAB,
        defaults={
            "name": "Phòng xét nghiệm (benchmark)",
            "kind": Facility.Kind.LABORATORY,
            "unit": province,
            "is_synthetic": True,
        },
    )
    lab = Laboratory.objects.filter(facility=facility).first() or actions.register_laboratory(
        actor=SYSTEM,
        facility=facility,
        single_capacity=10_000,
        pooled_capacity=60_000,
        is_synthetic=True,
    )
    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user, _password = account_actions.create_user(
            actor=SYSTEM,
            username=BENCH_USER,
            full_name="Benchmark lab technician",
            role="lab_technician",
            unit=province,
            write_unit=province,
            facility=facility,
        )
    return lab, user


def _top_up_persons(n: int, seed: int) -> int:
    """Synthetic persons in households across the province's villages when the registry's
    demo gave fewer than the benchmark needs (fixture data; citizen IDs left empty so they
    never collide with the demo's)."""
    from vungxanh.people.identity import fold_name
    from vungxanh.people.models import Household
    from vungxanh.people.synthetic import PopulationGenerator

    missing = n - Person.objects.filter(merged_into__isnull=True).count()
    if missing <= 0:
        return 0
    units = list(
        AdminUnit.objects.filter(level=AdminUnit.Level.VILLAGE).values_list("pk", flat=True)
    ) or list(AdminUnit.objects.filter(level=AdminUnit.Level.COMMUNE).values_list("pk", flat=True))
    rng = random.Random(seed)
    generator = PopulationGenerator(seed=seed + 1_000)
    made = 0
    with transaction.atomic():
        for batch in _batched(generator.households(missing), 2_000):
            homes = Household.objects.bulk_create(
                [Household(unit_id=rng.choice(units), is_synthetic=True) for _ in batch]
            )
            Person.objects.bulk_create(
                [
                    Person(
                        full_name=member.full_name,
                        name_folded=fold_name(member.full_name),
                        birth_date=member.birth_date,
                        birth_year=member.birth_date.year,
                        sex=member.sex,
                        phone=member.phone or "",
                        residence_unit_id=home.unit_id,
                        household=home,
                        relation_to_head=member.relation_to_head,
                        is_synthetic=True,
                    )
                    for home, household in zip(homes, batch, strict=True)
                    for member in household.members
                ],
                batch_size=5_000,
            )
            made += sum(len(h.members) for h in batch)
    return made


def _batched(items: Any, size: int) -> Any:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _clear(lab: Laboratory) -> None:
    with transaction.atomic():
        SamplingTask.objects.filter(lab=lab).delete()
        ResultRecord.objects.filter(lab=lab).delete()
        PoolMember.objects.filter(pool__lab=lab).delete()
        Sample.objects.filter(lab=lab).delete()
        Pool.objects.filter(lab=lab).delete()


def _samples(lab: Laboratory, persons: Sequence[tuple[int, Any, int]]) -> None:
    """The waiting screening samples (fixture data, not timed)."""
    rules = ensure_default_rule_set()
    priority = rules.priority_of(Reason.SCREENING)
    now = timezone.now()
    all_codes = codes.allocate("sample", len(persons))
    Sample.objects.bulk_create(
        [
            Sample(
                code=code,
                person_id=pk,
                test_kind=TestKind.PCR,
                reason=Reason.SCREENING,
                priority=priority,
                pool_group=f"household:{household}" if household else "",
                collected_at=now,
                unit_id=unit,
                home_unit_id=unit,
                lab=lab,
                status=Sample.Status.RECEIVED,
                received_at=now,
                is_synthetic=True,
            )
            for code, (pk, household, unit) in zip(all_codes, persons, strict=True)
        ],
        batch_size=5_000,
    )


def _export(lab: Laboratory, infected: set[int], rng: random.Random) -> tuple[bytes, int]:
    """The machine export: one row per pool, positive when it holds an infected person."""
    positive_pools = set(
        PoolMember.objects.filter(
            sample__lab=lab, sample__person_id__in=list(infected)
        ).values_list("pool_id", flat=True)
    )
    out = io.StringIO()
    out.write("Well;Sample Name;Target;Result;Cq\n")
    n_positive = 0
    for i, (pk, code) in enumerate(
        Pool.objects.filter(lab=lab).order_by("pk").values_list("pk", "code")
    ):
        well = f"{'ABCDEFGH'[i % 8]}{(i // 8) % 12 + 1}"
        if pk in positive_pools:
            n_positive += 1
            out.write(
                f"{well};{code};N gene;Positive;{rng.uniform(18, 35):.2f}\n".replace(".", ",")
            )
        else:
            out.write(f"{well};{code};N gene;Negative;Undetermined\n")
    return out.getvalue().encode("utf-8"), n_positive


def bench_pooling(options: dict[str, Any]) -> BenchResult:
    """Pool 50,000 screening samples, import their results, deconvolve, create re-test tasks."""
    n = int(options.get("samples") or 50_000)
    prevalence = float(options.get("prevalence") or 0.01)
    seed = int(options.get("seed") or 2021)
    rng = random.Random(seed)
    result = BenchResult(f"Pooled testing of {n:,} screening samples ({connection.vendor})")
    lab, user = _lab()
    _clear(lab)
    added = _top_up_persons(n, seed)
    persons = list(
        Person.objects.filter(merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", "household_id", "residence_unit_id")[:n]
    )
    if len(persons) < n:
        raise CommandError(
            f"only {len(persons):,} persons: run `vungxanh demo --size medium` first"
        )
    _samples(lab, persons)
    infected = {pk for pk, _h, _u in persons if rng.random() < prevalence}

    started = time.perf_counter()
    pools = actions.build_pools(actor=user, lab=lab)
    built = time.perf_counter()
    data, n_positive = _export(lab, infected, rng)
    exported = time.perf_counter()
    job = Job.objects.create(
        kind="vungxanh.labs.imports.import_results",
        label="benchmark import",
        actor=user,
        params={"lab": str(lab.public_id), "run": ""},
        input_name="export.csv",
        input_data=data,
        unit_path=lab.facility.unit.path,
    )
    job = run_job(str(job.public_id))
    imported = time.perf_counter()
    if job.status != Job.Status.SUCCEEDED:
        raise CommandError(f"the import failed: {job.message}")

    tasks = SamplingTask.objects.filter(lab=lab).count()
    negative = Sample.objects.filter(lab=lab, result="negative").count()
    retest = Sample.objects.filter(lab=lab, status=Sample.Status.RETEST).count()
    pooled_members = Sample.objects.filter(membership__pool__result="positive", lab=lab).count()
    # The invariants of deconvolution, checked even under ``python -O``.
    if not tasks == retest == pooled_members:
        raise CommandError(
            f"every member of a positive pool needs one re-test task: {tasks:,} tasks, "
            f"{retest:,} samples to re-test, {pooled_members:,} members of positive pools"
        )
    if negative + retest != n:
        raise CommandError(
            f"every sample must end negative or sent back: {negative:,} negative + "
            f"{retest:,} to re-test != {n:,} samples"
        )

    build_s, import_s = built - started, imported - exported
    total = build_s + import_s
    if added:
        result.add("synthetic persons added for the benchmark", added, "persons_added")
    result.add("samples", n, "samples")
    result.add("prevalence", prevalence, "prevalence")
    result.add("pools built", len(pools), "pools")
    result.add("positive pools", n_positive, "positive_pools")
    result.add("members sent back (re-test tasks)", tasks, "retest_tasks")
    result.add("samples made negative", negative, "negative_samples")
    result.add("PCR reactions (pools + re-tests)", len(pools) + tasks, "reactions")
    result.add("build pools", build_s, "build_s", "s")
    result.add("import results + deconvolve + tasks", import_s, "import_s", "s")
    result.add("(machine export written, not timed)", exported - built, "export_s", "s")
    result.add("total", total, "seconds", "s")
    return result


BENCHMARKS = {"pooling": bench_pooling}
