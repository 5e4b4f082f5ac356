"""Results of pools and single samples, and what follows from them (deconvolution)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DurationField, ExpressionWrapper, F, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import require
from vungxanh.labs import bridge, sql
from vungxanh.labs.actions.common import (
    check_ct,
    close_as_resampled,
    commune_ids,
    commune_of,
    lab_path,
)
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    PoolMember,
    Result,
    ResultRecord,
    Sample,
    SamplingTask,
    TestingRuleSet,
    TestKind,
)
from vungxanh.labs.rules import rules_for

# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultEntry:
    """One result for a pool or a single RT-PCR sample."""

    target: Pool | Sample
    result: str
    ct: Decimal | None = None


@dataclass(frozen=True)
class CaseToConfirm:
    """A positive result that is saved although the tracing capability refused to confirm
    the person's case (for example a collection date it finds too old, or no tracing rule
    set in force): the case team confirms that case by hand."""

    sample: Sample
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "sample": self.sample.code,
            "person": str(self.sample.person.public_id),
            "person_name": self.sample.person.full_name,
            "message": self.message,
        }


@dataclass
class ResultSummary:
    pools_negative: int = 0
    pools_positive: int = 0
    pools_rerun: int = 0
    pools_failed: int = 0
    samples_negative: int = 0
    samples_positive: int = 0
    samples_rerun: int = 0
    tasks_created: int = 0
    tasks_resulted: int = 0
    cases: list[Any] = field(default_factory=list)
    cases_to_confirm: list[CaseToConfirm] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}

    def report(self) -> dict[str, Any]:
        """The counts and the cases to confirm by hand (API answers, job results)."""
        return self.as_dict() | {"cases_to_confirm": [c.as_dict() for c in self.cases_to_confirm]}


def record_result(
    *,
    actor: Any,
    target: Pool | Sample,
    result: str,
    ct: Decimal | None = None,
) -> ResultSummary:
    """One result entered by hand on the worklist."""
    lab = target.lab
    if lab is None:
        raise ValidationError(_("This sample has not reached a laboratory."))
    return record_results(
        actor=actor,
        lab=lab,
        entries=[ResultEntry(target, result, ct)],
        source=ResultRecord.Source.MANUAL,
    )


@transaction.atomic
def record_results(
    *,
    actor: Any,
    lab: Laboratory,
    entries: Sequence[ResultEntry],
    source: str,
    job_ref: str = "",
) -> ResultSummary:
    """Apply results of pools and single samples of one laboratory, all or nothing.

    Every target is locked and re-checked (it belongs to the laboratory and still waits for
    a result); a problem with any of them refuses the whole batch with one message per
    target. Then: a negative pool makes its members negative; a positive pool sends every
    member back for an individual sample; an invalid result is re-run up to the rule set's
    limit, after which the members are re-sampled; a positive single RT-PCR confirms the
    case. A case the tracing capability refuses to confirm does not undo the laboratory's
    results: the result stays, and the summary and the audit log list the case to confirm
    by hand."""
    lab = Laboratory.objects.select_related("facility__unit").get(pk=lab.pk)
    require(actor, lab, "change")
    now = timezone.now()
    rules = rules_for(lab_path(lab), now)
    user = actor if getattr(actor, "pk", None) else None
    summary = ResultSummary()

    errors: list[str] = []
    seen: set[tuple[type, int]] = set()
    for entry in entries:
        key = (type(entry.target), entry.target.pk)
        if key in seen:
            errors.append(_("%(code)s appears more than once.") % {"code": entry.target.code})
        seen.add(key)
    pool_entries = {e.target.pk: e for e in entries if isinstance(e.target, Pool)}
    sample_entries = {e.target.pk: e for e in entries if isinstance(e.target, Sample)}
    pools: dict[int, Pool] = {}
    for part in sql.chunks(sorted(pool_entries)):
        pools.update(
            (p.pk, p)
            for p in Pool.objects.select_for_update().filter(pk__in=list(part)).order_by("pk")
        )
    samples: dict[int, Sample] = {}
    for part in sql.chunks(sorted(sample_entries)):
        samples.update(
            (s.pk, s)
            for s in Sample.objects.select_for_update()
            .select_related("person", "home_unit")
            .filter(pk__in=list(part))
            .order_by("pk")
        )
    pooled = {
        sample_id: code
        for part in sql.chunks(sorted(sample_entries))
        for sample_id, code in PoolMember.objects.filter(sample_id__in=list(part)).values_list(
            "sample_id", "pool__code"
        )
    }
    for pk, entry in pool_entries.items():
        errors += _entry_errors(entry, pools.get(pk), lab, pooled)
    for pk, entry in sample_entries.items():
        errors += _entry_errors(entry, samples.get(pk), lab, pooled)
    if errors:
        raise ValidationError(errors)

    records: list[ResultRecord] = []
    for pk, entry in pool_entries.items():
        pool = pools[pk]
        records.append(
            ResultRecord(
                lab=lab,
                pool=pool,
                run=pool.run,
                members=pool.size,
                result=entry.result,
                ct_value=entry.ct,
                entered_at=now,
                entered_by=user,
                source=source,
                job_ref=job_ref,
            )
        )
    for pk, entry in sample_entries.items():
        sample = samples[pk]
        records.append(
            ResultRecord(
                lab=lab,
                sample=sample,
                run=sample.run,
                result=entry.result,
                ct_value=entry.ct,
                entered_at=now,
                entered_by=user,
                source=source,
                job_ref=job_ref,
            )
        )
    ResultRecord.objects.bulk_create(records, batch_size=2_000)

    _apply_pool_results(
        [(pools[pk], e) for pk, e in pool_entries.items()], lab, rules, now, summary
    )
    _apply_sample_results(
        [(samples[pk], e) for pk, e in sample_entries.items()], lab, rules, now, summary, actor
    )

    if source == ResultRecord.Source.MANUAL:
        for entry in entries:
            audit.record(
                actor=actor,
                verb="record_result",
                target=entry.target,
                unit_path=lab_path(lab),
                changes={"result": {"before": Result.PENDING, "after": entry.result}}
                | ({"ct_value": {"before": None, "after": str(entry.ct)}} if entry.ct else {}),
            )
    else:
        audit.record(
            actor=actor,
            verb="import_results",
            target=lab,
            unit_path=lab_path(lab),
            extra={
                "job": job_ref,
                "entries": len(entries),
                **summary.as_dict(),
                "cases_to_confirm": [c.sample.code for c in summary.cases_to_confirm],
            },
        )
    return summary


def _entry_errors(
    entry: ResultEntry, target: Pool | Sample | None, lab: Laboratory, pooled: dict[int, str]
) -> list[str]:
    code = entry.target.code
    if target is None or target.lab_id != lab.pk:
        return [_("%(code)s is not a pool or sample of this laboratory.") % {"code": code}]
    if entry.result not in {Result.NEGATIVE, Result.POSITIVE, Result.INVALID}:
        return [_("%(code)s: the result must be negative, positive or invalid.") % {"code": code}]
    if isinstance(target, Pool):
        if target.status not in {Pool.Status.READY, Pool.Status.ON_RUN}:
            return [_("%(code)s already has a result.") % {"code": code}]
    else:
        if target.test_kind != TestKind.PCR:
            return [_("%(code)s is a rapid test.") % {"code": code}]
        if target.pk in pooled:
            return [
                _("%(code)s was tested in pool %(pool)s; enter the pool's result.")
                % {"code": code, "pool": pooled[target.pk]}
            ]
        if target.status != Sample.Status.RECEIVED:
            if target.status == Sample.Status.COLLECTED:
                return [_("%(code)s has not been received yet.") % {"code": code}]
            return [_("%(code)s already has a result.") % {"code": code}]
    try:
        check_ct(entry.result, entry.ct)
    except ValidationError as exc:
        return [f"{code}: {' '.join(exc.messages)}"]
    return []


def _turnaround(now: datetime.datetime) -> ExpressionWrapper:
    return ExpressionWrapper(Value(now) - F("collected_at"), output_field=DurationField())


def _apply_pool_results(
    items: list[tuple[Pool, ResultEntry]],
    lab: Laboratory,
    rules: TestingRuleSet,
    now: datetime.datetime,
    summary: ResultSummary,
) -> None:
    negative = [p.pk for p, e in items if e.result == Result.NEGATIVE]
    positive = [(p, e) for p, e in items if e.result == Result.POSITIVE]
    invalid = [p for p, e in items if e.result == Result.INVALID]
    rerun = [p for p in invalid if p.attempts + 1 <= rules.max_reruns]
    failed = [p for p in invalid if p.attempts + 1 > rules.max_reruns]

    for part in sql.chunks(negative):
        Pool.objects.filter(pk__in=list(part)).update(
            status=Pool.Status.RESULTED, result=Result.NEGATIVE, resulted_at=now
        )
        summary.samples_negative += Sample.objects.filter(
            membership__pool_id__in=list(part), status=Sample.Status.RECEIVED
        ).update(
            status=Sample.Status.RESULTED,
            result=Result.NEGATIVE,
            resulted_at=now,
            turnaround=_turnaround(now),
        )
    summary.pools_negative = len(negative)

    for pool, entry in positive:
        pool.ct_value = entry.ct
    for part in sql.chunks([p.pk for p, _e in positive]):
        Pool.objects.filter(pk__in=list(part)).update(
            status=Pool.Status.RESULTED, result=Result.POSITIVE, resulted_at=now
        )
    Pool.objects.bulk_update([p for p, _e in positive], ["ct_value"], batch_size=1_000)
    summary.pools_positive = len(positive)

    for pool in rerun:
        pool.attempts += 1
        pool.status, pool.run, pool.well = Pool.Status.READY, None, ""
    Pool.objects.bulk_update(rerun, ["attempts", "status", "run", "well"])
    summary.pools_rerun = len(rerun)

    for pool in failed:
        pool.attempts += 1
        pool.status, pool.result, pool.resulted_at = Pool.Status.RESULTED, Result.INVALID, now
    Pool.objects.bulk_update(failed, ["attempts", "status", "result", "resulted_at"])
    summary.pools_failed = len(failed)

    back = [(p.pk, SamplingTask.Kind.POOL_POSITIVE) for p, _e in positive] + [
        (p.pk, SamplingTask.Kind.POOL_INVALID) for p in failed
    ]
    if back:
        summary.tasks_created += _send_members_back(back, lab, rules, now)


def _send_members_back(
    pools: Sequence[tuple[int, str]],
    lab: Laboratory,
    rules: TestingRuleSet,
    now: datetime.datetime,
) -> int:
    """Every member of these pools goes back to its commune for an individual sample."""
    kind_of = dict(pools)
    members = list(
        Sample.objects.filter(
            membership__pool_id__in=list(kind_of), status=Sample.Status.RECEIVED
        ).values_list("pk", "membership__pool_id", "person_id", "home_unit_id")
    )
    communes = commune_ids({m[3] for m in members})
    due = now + datetime.timedelta(hours=rules.retest_due_hours)
    SamplingTask.objects.bulk_create(
        [
            SamplingTask(
                kind=kind_of[pool_id],
                person_id=person_id,
                unit_id=communes.get(home, home),
                lab=lab,
                origin_sample_id=pk,
                pool_id=pool_id,
                created_at=now,
                due_at=due,
            )
            for pk, pool_id, person_id, home in members
        ],
        batch_size=2_000,
    )
    for part in sql.chunks([m[0] for m in members]):
        Sample.objects.filter(pk__in=list(part)).update(status=Sample.Status.RETEST)
    return len(members)


def _apply_sample_results(
    items: list[tuple[Sample, ResultEntry]],
    lab: Laboratory,
    rules: TestingRuleSet,
    now: datetime.datetime,
    summary: ResultSummary,
    actor: Any,
) -> None:
    for sample, entry in items:
        if entry.result == Result.INVALID:
            sample.attempts += 1
            if sample.attempts <= rules.max_reruns:
                sample.run, sample.well = None, ""
                sample.save(update_fields=["attempts", "run", "well"])
                summary.samples_rerun += 1
                continue
            sample.status = Sample.Status.RETEST
            sample.save(update_fields=["attempts", "status"])
            SamplingTask.objects.create(
                kind=SamplingTask.Kind.SAMPLE_INVALID,
                person_id=sample.person_id,
                unit=commune_of(sample.home_unit),
                lab=lab,
                origin_sample=sample,
                created_at=now,
                due_at=now + datetime.timedelta(hours=rules.retest_due_hours),
            )
            close_as_resampled(
                sample,
                _("Sample %(code)s stayed invalid; the person is sampled again.")
                % {"code": sample.code},
            )
            summary.tasks_created += 1
            continue
        sample.status = Sample.Status.RESULTED
        sample.result = entry.result
        sample.ct_value = entry.ct
        sample.resulted_at = now
        sample.turnaround = now - sample.collected_at
        sample.save(update_fields=["status", "result", "ct_value", "resulted_at", "turnaround"])
        summary.tasks_resulted += SamplingTask.objects.filter(
            sample=sample, status=SamplingTask.Status.SAMPLED
        ).update(status=SamplingTask.Status.RESULTED, resulted_at=now)
        if entry.result == Result.NEGATIVE:
            summary.samples_negative += 1
            continue
        summary.samples_positive += 1
        try:
            # A savepoint: whatever the tracing capability wrote before refusing is undone,
            # the laboratory's results are kept.
            with transaction.atomic():
                case = bridge.confirm_positive_pcr(sample, actor)
        except ValidationError as exc:
            _case_refused(sample, exc, lab, actor, summary)
            continue
        ref = bridge.case_public_id(case)
        if ref:
            sample.case_ref = ref
            sample.save(update_fields=["case_ref"])
            summary.cases.append(case)


def _case_refused(
    sample: Sample,
    exc: ValidationError,
    lab: Laboratory,
    actor: Any,
    summary: ResultSummary,
) -> None:
    """The positive result of ``sample`` stays; the case to confirm by hand is reported and
    audited (under the unit where the person lives, whose case team confirms it)."""
    problem = CaseToConfirm(sample, " ".join(exc.messages))
    summary.cases_to_confirm.append(problem)
    audit.record(
        actor=actor,
        verb="confirm_case_failed",
        target=sample,
        unit_path=sample.home_unit.path,
        extra={
            "person": str(sample.person.public_id),
            "laboratory": lab.facility.code,
            "error": problem.message,
        },
    )
