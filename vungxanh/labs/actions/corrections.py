"""Correcting a result entered wrongly (a pool or a single RT-PCR sample), with what follows.

A correction is a decision of its own, never an edit of the result history: it records who,
when, why, the result before and after and what followed (:class:`ResultCorrection` and the
audit log), and undoes what the wrong result caused before applying the right one:

* a pool corrected to negative makes its members negative and cancels their re-sampling
  tasks not sampled yet (a member already sampled again keeps that sample, whose own result
  will come);
* a pool corrected to positive sends its members back for an individual sample (reopening
  a task a previous correction had cancelled);
* a single sample corrected from positive to negative: when that positive is what confirmed
  the person's case, the case is discarded through the tracing capability with the reason
  (reversible there), otherwise the case stays and the correction says why;
* a single sample corrected to positive confirms the case like any positive (or reinstates
  the case an earlier correction of the same sample discarded).

Rapid antigen tests are not corrected here: a wrong rapid result is followed by a new test.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import require
from vungxanh.labs import bridge
from vungxanh.labs.actions.common import check_ct, commune_of, lab_path
from vungxanh.labs.models import (
    Pool,
    PoolMember,
    Result,
    ResultCorrection,
    Sample,
    SamplingTask,
    TestKind,
)
from vungxanh.labs.rules import rules_for

CORRECTABLE = {Result.NEGATIVE, Result.POSITIVE}
#: Tasks whose person was sampled again (whatever became of that sample).
SAMPLED_AGAIN = {
    SamplingTask.Status.SAMPLED,
    SamplingTask.Status.RESULTED,
    SamplingTask.Status.RESAMPLED,
}


def _expected_matches(current: str, expected: str | None) -> None:
    if expected and expected != current:
        raise ValidationError(
            _(
                "The result changed while you were correcting it (it is now “%(now)s”). "
                "Look at it again before correcting."
            )
            % {"now": Result(current).label}
        )


def _check_new(result: str, reason: str) -> str:
    errors: dict[str, str] = {}
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = _("Say why the result is corrected.")
    if result not in CORRECTABLE:
        errors["result"] = _("The corrected result must be negative or positive.")
    if errors:
        raise ValidationError(errors)
    return reason[:255]


def _check_ct(result: str, ct: Decimal | None) -> Decimal | None:
    try:
        return check_ct(result, ct)
    except ValidationError as exc:
        raise ValidationError({"ct": exc.messages}) from None


@transaction.atomic
def correct_result(
    *,
    actor: Any,
    target: Pool | Sample,
    result: str,
    ct: Decimal | None = None,
    reason: str,
    expected: str | None = None,
) -> ResultCorrection:
    """Correct the result of a pool or a single RT-PCR sample (see the module docstring).
    ``expected`` is the result the official saw: if it changed meanwhile, nothing is done."""
    reason = _check_new(result, reason)
    if isinstance(target, Pool):
        return _correct_pool(actor, target, result, ct, reason, expected)
    return _correct_sample(actor, target, result, ct, reason, expected)


# --- pools --------------------------------------------------------------------------------------


def _correct_pool(
    actor: Any,
    pool: Pool,
    result: str,
    ct: Decimal | None,
    reason: str,
    expected: str | None,
) -> ResultCorrection:
    pool = (
        Pool.objects.select_for_update(of=("self",))
        .select_related("lab__facility__unit")
        .get(pk=pool.pk)
    )
    require(actor, pool, "change")
    if pool.status != Pool.Status.RESULTED:
        raise ValidationError(_("This pool has no result yet: enter it instead of correcting it."))
    _expected_matches(pool.result, expected)
    ct = _check_ct(result, ct)
    if pool.result == result and pool.ct_value == ct:
        raise ValidationError(_("This is already the pool's result."))
    now = timezone.now()
    before: dict[str, Any] = {"result": pool.result, "ct_value": pool.ct_value}
    members = list(
        Sample.objects.select_for_update(of=("self",))
        .filter(membership__pool=pool)
        .select_related("home_unit")
        .order_by("pk")
    )
    tasks = list(SamplingTask.objects.select_for_update().filter(pool=pool).order_by("pk"))
    consequences: dict[str, Any] = {
        "tasks_cancelled": 0,
        "tasks_created": 0,
        "tasks_reopened": 0,
        "already_resampled": 0,
        "samples_changed": 0,
    }
    if pool.result != result:
        if result == Result.NEGATIVE:
            _pool_to_negative(pool, members, tasks, reason, now, consequences)
        else:
            _pool_to_positive(pool, members, tasks, reason, now, consequences)
    pool.result, pool.ct_value = result, ct
    pool.save(update_fields=["result", "ct_value"])
    return _record(actor, pool, before, result, ct, reason, now, consequences, lab_path(pool.lab))


def _record(
    actor: Any,
    target: Pool | Sample,
    before: dict[str, Any],
    result: str,
    ct: Decimal | None,
    reason: str,
    now: datetime.datetime,
    consequences: dict[str, Any],
    unit_path: str,
    case_ref: uuid.UUID | None = None,
) -> ResultCorrection:
    """The correction's record and its audit event (the result itself is already saved)."""
    correction = ResultCorrection.objects.create(
        lab=target.lab,
        pool=target if isinstance(target, Pool) else None,
        sample=target if isinstance(target, Sample) else None,
        result_before=before["result"],
        ct_before=before["ct_value"],
        result_after=result,
        ct_after=ct,
        reason=reason,
        corrected_at=now,
        corrected_by=actor if getattr(actor, "pk", None) else None,
        consequences=consequences,
        case_ref=case_ref,
    )
    audit.record(
        actor=actor,
        verb="correct_result",
        target=target,
        unit_path=unit_path,
        changes=audit.diff(before, {"result": result, "ct_value": ct}),
        extra={"reason": reason, **consequences},
    )
    return correction


def _cancel(task: SamplingTask, why: str) -> None:
    task.status = SamplingTask.Status.CANCELLED
    task.closed_reason = why[:200]
    task.save(update_fields=["status", "closed_reason"])


def _pool_to_negative(
    pool: Pool,
    members: list[Sample],
    tasks: list[SamplingTask],
    reason: str,
    now: datetime.datetime,
    out: dict[str, Any],
) -> None:
    """Every member is negative; re-sampling not done yet is called off."""
    why = _("Pool %(code)s corrected to negative: %(reason)s") % {
        "code": pool.code,
        "reason": reason,
    }
    for task in tasks:
        if task.status == SamplingTask.Status.OPEN:
            _cancel(task, why)
            out["tasks_cancelled"] += 1
        elif task.status in SAMPLED_AGAIN:
            out["already_resampled"] += 1
    for sample in members:
        if sample.result == Result.NEGATIVE and sample.status == Sample.Status.RESULTED:
            continue
        sample.status, sample.result, sample.ct_value = (
            Sample.Status.RESULTED,
            Result.NEGATIVE,
            None,
        )
        sample.resulted_at = now
        sample.turnaround = now - sample.collected_at
        sample.save(update_fields=["status", "result", "ct_value", "resulted_at", "turnaround"])
        out["samples_changed"] += 1


def _pool_to_positive(
    pool: Pool,
    members: list[Sample],
    tasks: list[SamplingTask],
    reason: str,
    now: datetime.datetime,
    out: dict[str, Any],
) -> None:
    """Every member goes back to their commune for an individual sample (unless they were
    sampled again already)."""
    rules = rules_for(lab_path(pool.lab), now)
    due = now + datetime.timedelta(hours=rules.retest_due_hours)
    kind = SamplingTask.Kind.POOL_POSITIVE
    why = _("Pool %(code)s corrected to positive: %(reason)s") % {
        "code": pool.code,
        "reason": reason,
    }
    by_member: dict[int, list[SamplingTask]] = {}
    for task in tasks:
        by_member.setdefault(task.origin_sample_id, []).append(task)
    for sample in members:
        mine = by_member.get(sample.pk, [])
        if any(t.status in SAMPLED_AGAIN for t in mine):
            out["already_resampled"] += 1
            continue
        same = next((t for t in mine if t.kind == kind), None)
        for task in mine:
            if task is not same and task.status == SamplingTask.Status.OPEN:
                _cancel(task, why)  # an invalid pool's task becomes a positive pool's
                out["tasks_cancelled"] += 1
        if same is None:
            SamplingTask.objects.create(
                kind=kind,
                person_id=sample.person_id,
                unit=commune_of(sample.home_unit),
                lab=pool.lab,
                origin_sample=sample,
                pool=pool,
                created_at=now,
                due_at=due,
            )
            out["tasks_created"] += 1
        elif same.status == SamplingTask.Status.CANCELLED:
            same.status, same.closed_reason, same.due_at = SamplingTask.Status.OPEN, "", due
            same.save(update_fields=["status", "closed_reason", "due_at"])
            out["tasks_reopened"] += 1
        if sample.status != Sample.Status.RETEST or sample.result != Result.PENDING:
            sample.status, sample.result, sample.ct_value = (
                Sample.Status.RETEST,
                Result.PENDING,
                None,
            )
            sample.resulted_at, sample.turnaround = None, None
            sample.save(update_fields=["status", "result", "ct_value", "resulted_at", "turnaround"])
            out["samples_changed"] += 1


# --- single samples ----------------------------------------------------------------------------


def _correct_sample(
    actor: Any,
    sample: Sample,
    result: str,
    ct: Decimal | None,
    reason: str,
    expected: str | None,
) -> ResultCorrection:
    sample = (
        Sample.objects.select_for_update(of=("self",))
        .select_related("lab__facility__unit", "person", "home_unit", "unit")
        .get(pk=sample.pk)
    )
    require(actor, sample, "change")
    if sample.test_kind != TestKind.PCR:
        raise ValidationError(
            _("A rapid test's result is not corrected: take and record a new test.")
        )
    pool_code = (
        PoolMember.objects.filter(sample=sample).values_list("pool__code", flat=True).first()
    )
    if pool_code:
        raise ValidationError(
            _("%(code)s was tested in pool %(pool)s: correct the pool's result.")
            % {"code": sample.code, "pool": pool_code}
        )
    final_invalid = sample.status == Sample.Status.RETEST and sample.attempts > 0
    if sample.status != Sample.Status.RESULTED and not final_invalid:
        raise ValidationError(
            _("This sample has no result yet: enter it instead of correcting it.")
        )
    current = Result.INVALID if final_invalid else sample.result
    _expected_matches(current, expected)
    ct = _check_ct(result, ct)
    if current == result and sample.ct_value == ct:
        raise ValidationError(_("This is already the sample's result."))
    now = timezone.now()
    before: dict[str, Any] = {"result": current, "ct_value": sample.ct_value}
    consequences: dict[str, Any] = {"tasks_cancelled": 0, "already_resampled": 0}
    previous = sample.corrections.order_by("-corrected_at", "-pk").first()
    if final_invalid:
        for task in SamplingTask.objects.select_for_update().filter(
            origin_sample=sample, kind=SamplingTask.Kind.SAMPLE_INVALID
        ):
            if task.status == SamplingTask.Status.OPEN:
                _cancel(
                    task,
                    _("Result of %(code)s corrected: %(reason)s")
                    % {"code": sample.code, "reason": reason},
                )
                consequences["tasks_cancelled"] += 1
            else:
                consequences["already_resampled"] += 1
    sample.status, sample.result, sample.ct_value = Sample.Status.RESULTED, result, ct
    if sample.resulted_at is None:
        sample.resulted_at = now
        sample.turnaround = now - sample.collected_at
    sample.save(update_fields=["status", "result", "ct_value", "resulted_at", "turnaround"])
    if final_invalid:
        # The task this sample was taken for has its result after all.
        SamplingTask.objects.filter(
            sample=sample,
            status__in=[SamplingTask.Status.SAMPLED, SamplingTask.Status.RESAMPLED],
        ).update(status=SamplingTask.Status.RESULTED, resulted_at=now, closed_reason="")
    case_reason = _("The laboratory corrected the result of sample %(code)s: %(reason)s") % {
        "code": sample.code,
        "reason": reason,
    }
    case: dict[str, Any] = {}
    if current == Result.POSITIVE and result == Result.NEGATIVE:
        case = bridge.reassess_case(sample, actor, case_reason)
    elif result == Result.POSITIVE and current != Result.POSITIVE:
        discarded_by_us = (
            previous is not None
            and previous.consequences.get("case", {}).get("outcome") == bridge.DISCARDED
            and sample.case_ref is not None
            and previous.case_ref == sample.case_ref
        )
        if discarded_by_us:
            case = bridge.restore_case(sample, actor)
        else:
            confirmed = bridge.confirm_positive_pcr(sample, actor)
            ref = bridge.case_public_id(confirmed)
            if ref:
                case = {"case": str(ref), "case_label": str(confirmed), "outcome": "confirmed"}
        if case.get("case") and str(sample.case_ref or "") != case["case"]:
            sample.case_ref = uuid.UUID(case["case"])
            sample.save(update_fields=["case_ref"])
    if case:
        consequences["case"] = case
    return _record(
        actor,
        sample,
        before,
        result,
        ct,
        reason,
        now,
        consequences,
        lab_path(sample.lab) if sample.lab else sample.unit.path,
        case_ref=uuid.UUID(case["case"]) if case.get("case") else None,
    )


def correction_preview(target: Pool | Sample) -> dict[str, Any]:
    """What a correction of ``target`` would touch, for the page that asks for it."""
    if isinstance(target, Pool):
        tasks = SamplingTask.objects.filter(pool=target)
        return {
            "open_tasks": tasks.filter(status=SamplingTask.Status.OPEN).count(),
            "resampled": tasks.filter(status__in=SAMPLED_AGAIN).count(),
            "members": target.size,
        }
    case = bridge.case_of_sample(target)
    preview: dict[str, Any] = {"case": case}
    if case is not None:
        preview["confirmed_by_this"] = (
            case.lab_reference == str(target.public_id)
            and not Sample.objects.filter(case_ref=target.case_ref, result=Result.POSITIVE)
            .exclude(pk=target.pk)
            .exists()
        )
    return preview
