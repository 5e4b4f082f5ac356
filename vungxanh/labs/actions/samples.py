"""Collecting, receiving and rejecting samples; cancelling sampling tasks."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import require, require_unit
from vungxanh.geo.models import AdminUnit
from vungxanh.labs import bridge, codes
from vungxanh.labs.actions.common import (
    RESULT_FIELDS,
    SAMPLE_AUDIT_FIELDS,
    check_lab,
    close_as_resampled,
    commune_of,
    lab_path,
)
from vungxanh.labs.models import (
    Laboratory,
    Reason,
    Result,
    ResultRecord,
    Sample,
    SamplingSite,
    SamplingTask,
    TestingRuleSet,
    TestKind,
)
from vungxanh.labs.rules import rules_for
from vungxanh.people.models import Person

# --- samples -----------------------------------------------------------------------------------

#: A sample is recorded within this many days of its collection; older is a typing mistake.
RECORD_WITHIN_DAYS = 30


def _check_collected_at(collected_at: datetime.datetime, now: datetime.datetime) -> None:
    if collected_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"collected_at": _("The collection time is in the future.")})
    if collected_at < now - datetime.timedelta(days=RECORD_WITHIN_DAYS):
        raise ValidationError(
            {
                "collected_at": _("The collection time is more than %(days)d days ago; check it.")
                % {"days": RECORD_WITHIN_DAYS}
            }
        )


@transaction.atomic
def collect_sample(
    *,
    actor: Any,
    person: Any,
    test_kind: str,
    reason: str,
    unit: AdminUnit | None = None,
    site: SamplingSite | None = None,
    lab: Laboratory | None = None,
    collected_at: datetime.datetime | None = None,
    quarantine_day: int | None = None,
    single_only: bool = False,
    pool_group: str = "",
    rapid_result: str = "",
    performed_by: str = "",
    task: SamplingTask | None = None,
    note: str = "",
) -> Sample:
    """Record a sample taken from ``person`` (and, for a rapid test, its result there).

    ``task``: the sampling task this sample fulfils (a pool member's individual re-test, a
    PCR after a positive rapid test). Samples of reasons the rule set tests singly, and of
    anybody under tracing as F1, are never pooled."""
    now = timezone.now()
    collected_at = collected_at or now
    _check_collected_at(collected_at, now)
    check_lab(actor, lab)
    if site is not None:
        unit = site.unit
        lab = lab or site.default_lab
    if unit is None:
        raise ValidationError({"unit": _("Say where the sample was taken.")})
    require_unit(actor, "labs.add_sample", unit.path)
    require(actor, person, "view")
    if getattr(person, "merged_into_id", None):
        raise ValidationError(_("This person's record was merged into another; use that one."))
    if task is not None:
        task = SamplingTask.objects.select_for_update().get(pk=task.pk)
        require(actor, task, "view")  # the commune (or laboratory) whose task it is
        if task.status != SamplingTask.Status.OPEN:
            raise ValidationError(_("This sampling task is already done or cancelled."))
        if task.person_id != person.pk:
            raise ValidationError(_("The sample must be taken from the task's person."))
        reason = (
            Reason.CONFIRMATION
            if task.kind == SamplingTask.Kind.RAPID_CONFIRMATION
            else Reason.RETEST
        )
        test_kind = TestKind.PCR
        lab = lab or task.lab
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Unknown reason.")})
    if test_kind not in TestKind.values:
        raise ValidationError({"test_kind": _("Unknown test.")})
    if reason == Reason.QUARANTINE_DAY and not quarantine_day:
        raise ValidationError({"quarantine_day": _("Give the day of quarantine of this test.")})
    if test_kind == TestKind.RAPID:
        if rapid_result not in {Result.NEGATIVE, Result.POSITIVE, Result.INVALID}:
            raise ValidationError({"rapid_result": _("Record the rapid test's result.")})
        if performed_by not in Sample.PerformedBy.values:
            raise ValidationError(
                {"performed_by": _("Say who performed the rapid test (staff or supervised).")}
            )
        lab = None
    elif rapid_result:
        raise ValidationError(_("An RT-PCR result is entered by the laboratory."))
    rules = rules_for(unit.path, collected_at)
    f1 = reason == Reason.F1 or bridge.is_f1(person, collected_at)
    residence = person.temporary_unit or person.residence_unit
    if not pool_group and person.household_id:
        pool_group = f"household:{person.household_id}"
    sample = Sample(
        code=codes.allocate("sample")[0],
        person=person,
        test_kind=test_kind,
        reason=reason,
        quarantine_day=quarantine_day if reason == Reason.QUARANTINE_DAY else None,
        priority=min(rules.priority_of(reason), rules.priority_of(Reason.F1) if f1 else 999),
        single_only=bool(single_only or rules.is_single(reason) or f1 or task is not None),
        is_f1=f1,
        pool_group=pool_group[:120],
        collected_at=collected_at,
        collected_by=actor if getattr(actor, "pk", None) else None,
        site=site,
        unit=unit,
        home_unit=residence,
        lab=lab,
        performed_by=performed_by if test_kind == TestKind.RAPID else "",
        note=note,
    )
    if test_kind == TestKind.RAPID:
        sample.status = Sample.Status.RESULTED
        sample.result = rapid_result
        sample.resulted_at = collected_at
        sample.turnaround = datetime.timedelta(0)
    sample.save()
    audit.record(
        actor=actor,
        verb="collect_sample",
        target=sample,
        unit_path=unit.path,
        changes=audit.diff({}, audit.snapshot(sample, SAMPLE_AUDIT_FIELDS)),
        extra={"task": str(task.public_id)} if task else None,
    )
    if task is not None:
        task.sample = sample
        task.status = SamplingTask.Status.SAMPLED
        task.sampled_at = collected_at
        task.save(update_fields=["sample", "status", "sampled_at"])
    if f1:
        bridge.contact_sampled(sample, actor)
    if test_kind == TestKind.RAPID:
        ResultRecord.objects.create(
            sample=sample,
            result=rapid_result,
            entered_at=now,
            entered_by=sample.collected_by,
            source=ResultRecord.Source.RAPID,
        )
        if rapid_result == Result.POSITIVE:
            _after_positive_rapid(sample, rules, now, actor)
    return sample


@transaction.atomic
def collect_screening_batch(
    *,
    actor: Any,
    persons: Sequence[Any],
    unit: AdminUnit,
    reason: str = Reason.SCREENING,
    site: SamplingSite | None = None,
    lab: Laboratory | None = None,
    collected_at: datetime.datetime | None = None,
    pool_group: str = "",
) -> list[Sample]:
    """A screening session (a residential area, a factory shift, a checkpoint): one RT-PCR
    sample per person, recorded together with one audit event. The same rules as
    :func:`collect_sample`: the rule set decides priority and single testing, and anybody
    under tracing as F1 is tested singly and first. ``pool_group`` (a workplace group, a
    quarantine room) overrides the household grouping for everyone in the batch."""
    now = timezone.now()
    collected_at = collected_at or now
    _check_collected_at(collected_at, now)
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Unknown reason.")})
    check_lab(actor, lab)
    if site is not None:
        unit, lab = site.unit, lab or site.default_lab
    require_unit(actor, "labs.add_sample", unit.path)
    persons = list(persons)
    visible = set(
        Person.objects.restrict(actor, "view")
        .filter(pk__in=[p.pk for p in persons], merged_into__isnull=True)
        .values_list("pk", flat=True)
    )
    if len(visible) != len({p.pk for p in persons}):
        raise ValidationError(_("Some persons of the batch are not in your registry."))
    rules = rules_for(unit.path, collected_at)
    user = actor if getattr(actor, "pk", None) else None
    f1_priority = rules.priority_of(Reason.F1)
    f1_ids = bridge.f1_ids([p.pk for p in persons], collected_at)
    samples = []
    for person, code in zip(persons, codes.allocate("sample", len(persons)), strict=True):
        f1 = reason == Reason.F1 or person.pk in f1_ids
        group = pool_group or (f"household:{person.household_id}" if person.household_id else "")
        samples.append(
            Sample(
                code=code,
                person=person,
                test_kind=TestKind.PCR,
                reason=reason,
                priority=f1_priority if f1 else rules.priority_of(reason),
                single_only=f1 or rules.is_single(reason),
                is_f1=f1,
                pool_group=group[:120],
                collected_at=collected_at,
                collected_by=user,
                site=site,
                unit=unit,
                home_unit_id=person.temporary_unit_id or person.residence_unit_id,
                lab=lab,
                is_synthetic=bool(getattr(person, "is_synthetic", False)),
            )
        )
    Sample.objects.bulk_create(samples, batch_size=2_000)
    audit.record(
        actor=actor,
        verb="collect_screening_batch",
        target=site or unit,
        unit_path=unit.path,
        extra={
            "samples": len(samples),
            "reason": reason,
            "first": samples[0].code if samples else "",
            "last": samples[-1].code if samples else "",
            "single": sum(s.single_only for s in samples),
        },
    )
    for sample in samples:
        if sample.is_f1:
            bridge.contact_sampled(sample, actor)
    return samples


def _after_positive_rapid(
    sample: Sample, rules: TestingRuleSet, now: datetime.datetime, actor: Any
) -> None:
    """The case rules decide (an F1 with a positive rapid test is a case); a case that
    still needs a PCR gets a sampling task for the commune where the person lives."""
    case = bridge.handle_positive_rapid(sample, actor)
    ref = bridge.case_public_id(case)
    if ref:
        sample.case_ref = ref
        sample.save(update_fields=["case_ref"])
    if bridge.needs_pcr(case):
        commune = commune_of(sample.home_unit)
        SamplingTask.objects.create(
            kind=SamplingTask.Kind.RAPID_CONFIRMATION,
            person=sample.person,
            unit=commune,
            origin_sample=sample,
            due_at=now + datetime.timedelta(hours=rules.retest_due_hours),
        )


@dataclass
class ReceiveReport:
    received: list[Sample] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def receive_samples(*, actor: Any, lab: Laboratory, codes_in: Sequence[str]) -> ReceiveReport:
    """Scan tubes in at the laboratory. A tube in hand is accepted when it was sent to this
    laboratory, or to none but collected where the laboratory serves (its facility's area, or
    a sampling site sending to it); anything else is reported, one line per code, and a tube
    the laboratory may not receive reads as an unknown code (receiving it would show the
    laboratory who it belongs to)."""
    lab = Laboratory.objects.select_related("facility__unit").get(pk=lab.pk)
    require(actor, lab, "change")
    receivable = Q(lab=lab) | Q(
        Q(unit__path__startswith=lab_path(lab)) | Q(site__default_lab=lab), lab__isnull=True
    )
    report = ReceiveReport()
    now = timezone.now()
    wanted: dict[str, str] = {}
    for raw in codes_in:
        if not str(raw).strip():
            continue
        try:
            code = codes.validate(raw, prefix=codes.PREFIXES["sample"])
        except codes.CodeError as exc:
            report.errors.append(str(exc))
            continue
        wanted.setdefault(code, raw)
    found = {
        s.code: s
        for s in Sample.objects.select_for_update(of=("self",))
        .filter(receivable, code__in=list(wanted))
        .order_by("pk")
    }
    # Only the codes of tubes addressed elsewhere, to tell the technician where they belong.
    elsewhere = set(
        Sample.objects.filter(code__in=[c for c in wanted if c not in found], lab__isnull=False)
        .exclude(lab=lab)
        .values_list("code", flat=True)
    )
    for code in wanted:
        sample = found.get(code)
        if code in elsewhere:
            report.errors.append(_("%(code)s was sent to another laboratory.") % {"code": code})
        elif sample is None:
            report.errors.append(_("No sample has the code %(code)s.") % {"code": code})
        elif sample.test_kind != TestKind.PCR:
            report.errors.append(_("%(code)s is a rapid test.") % {"code": code})
        elif sample.status != Sample.Status.COLLECTED:
            report.already.append(code)
        else:
            sample.lab = lab
            sample.received_at = now
            sample.status = Sample.Status.RECEIVED
            sample.save(update_fields=["lab", "received_at", "status"])
            report.received.append(sample)
    if report.received:
        audit.record(
            actor=actor,
            verb="receive_samples",
            target=lab,
            unit_path=lab_path(lab),
            extra={"samples": [s.code for s in report.received]},
        )
    return report


@transaction.atomic
def reject_sample(*, actor: Any, sample: Sample, reason: str) -> SamplingTask:
    """The laboratory cannot test this tube (leaked, unlabelled, too old): the commune
    samples the person again."""
    sample = Sample.objects.select_for_update().select_related("home_unit").get(pk=sample.pk)
    require(actor, sample, "change")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the sample is rejected.")})
    if sample.status not in {Sample.Status.COLLECTED, Sample.Status.RECEIVED} or (
        sample.pool is not None
    ):
        raise ValidationError(_("Only a sample waiting for testing can be rejected."))
    before = audit.snapshot(sample, RESULT_FIELDS)
    sample.status = Sample.Status.REJECTED
    sample.rejection_reason = reason.strip()[:200]
    sample.save(update_fields=["status", "rejection_reason"])
    rules = rules_for(sample.unit.path)
    task = SamplingTask.objects.create(
        kind=SamplingTask.Kind.SAMPLE_REJECTED,
        person_id=sample.person_id,
        unit=commune_of(sample.home_unit),
        lab=sample.lab,
        origin_sample=sample,
        due_at=timezone.now() + datetime.timedelta(hours=rules.retest_due_hours),
    )
    close_as_resampled(
        sample,
        _("Sample %(code)s was rejected by the laboratory; the person is sampled again.")
        % {"code": sample.code},
    )
    audit.record(
        actor=actor,
        verb="reject_sample",
        target=sample,
        unit_path=sample.unit.path,
        changes=audit.diff(before, audit.snapshot(sample, RESULT_FIELDS)),
        extra={"reason": sample.rejection_reason, "task": str(task.public_id)},
    )
    return task


@transaction.atomic
def cancel_task(*, actor: Any, task: SamplingTask, reason: str) -> SamplingTask:
    task = SamplingTask.objects.select_for_update().get(pk=task.pk)
    require(actor, task, "change")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the task is cancelled.")})
    if task.status != SamplingTask.Status.OPEN:
        raise ValidationError(_("Only an open task can be cancelled."))
    task.status = SamplingTask.Status.CANCELLED
    task.closed_reason = reason.strip()[:200]
    task.save(update_fields=["status", "closed_reason"])
    audit.record(
        actor=actor,
        verb="cancel_sampling_task",
        target=task,
        unit_path=task.unit.path,
        changes={"status": {"before": "open", "after": "cancelled"}},
        extra={"reason": task.closed_reason},
    )
    return task
