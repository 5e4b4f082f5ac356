"""Correcting a wrongly entered result: who, when, why, before and after, and what follows
for the pool's re-sampling tasks and for a case the result confirmed."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM, OutOfScope
from vungxanh.labs import actions, bridge
from vungxanh.labs.models import Result, ResultCorrection, Sample, SamplingTask
from vungxanh.labs.tests.factories import PersonFactory, make_sample

CASES = pytest.mark.skipif(
    not bridge.available("discard_case"), reason="the tracing capability is not installed"
)


def pooled(world, lab, n=4, unit=None):
    for _ in range(n):
        make_sample(PersonFactory.create(residence_unit=unit or world.commune_a), lab=lab)
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    return pool


def resample(world, task):
    return actions.collect_sample(
        actor=world.user("commune_a"),
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=task.unit,
        task=task,
    )


def test_a_positive_pool_corrected_to_negative_calls_off_the_resampling(world, lab):
    tech = world.user("lab_tech")
    pool = pooled(world, lab)
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("28"))
    tasks = list(SamplingTask.objects.filter(pool=pool).order_by("pk"))
    assert len(tasks) == 4
    retest = resample(world, tasks[0])  # one member was already sampled again

    correction = actions.correct_result(
        actor=tech,
        target=pool,
        result="negative",
        reason="Nhập nhầm giếng B3 với B4",
        expected="positive",
    )
    pool.refresh_from_db()
    assert (pool.result, pool.ct_value) == ("negative", None)
    statuses = {t.pk: t.status for t in SamplingTask.objects.filter(pool=pool)}
    assert statuses[tasks[0].pk] == SamplingTask.Status.SAMPLED  # the new sample goes on
    assert [statuses[t.pk] for t in tasks[1:]] == ["cancelled"] * 3
    cancelled = SamplingTask.objects.get(pk=tasks[1].pk)
    assert "Nhập nhầm giếng B3 với B4" in cancelled.closed_reason
    members = Sample.objects.filter(membership__pool=pool)
    assert {(m.status, m.result) for m in members} == {("resulted", "negative")}
    assert Sample.objects.get(pk=retest.pk).status == Sample.Status.COLLECTED
    assert (correction.result_before, correction.ct_before) == ("positive", Decimal("28.0"))
    assert (correction.result_after, correction.corrected_by) == ("negative", tech)
    assert correction.consequences["tasks_cancelled"] == 3
    assert correction.consequences["already_resampled"] == 1
    event = AuditEvent.objects.get(verb="correct_result", target_id=str(pool.public_id))
    assert event.changes["result"] == {"before": "positive", "after": "negative"}
    assert event.extra["reason"] == "Nhập nhầm giếng B3 với B4"
    assert event.actor == tech


def test_a_negative_pool_corrected_to_positive_sends_members_back_once(world, lab):
    tech = world.user("lab_tech")
    pool = pooled(world, lab, n=3, unit=world.village_a)
    actions.record_result(actor=tech, target=pool, result="negative")
    assert not SamplingTask.objects.exists()

    actions.correct_result(
        actor=tech, target=pool, result="positive", ct=Decimal("31.5"), reason="Đọc nhầm đường cong"
    )
    tasks = SamplingTask.objects.filter(pool=pool)
    assert tasks.count() == 3
    assert {(t.kind, t.status, t.unit) for t in tasks} == {
        ("pool_positive", "open", world.commune_a)  # the village's commune does it
    }
    members = Sample.objects.filter(membership__pool=pool)
    assert {(m.status, m.result, m.resulted_at) for m in members} == {("retest", "pending", None)}

    # Back and forth: the same tasks are cancelled and reopened, never duplicated.
    actions.correct_result(actor=tech, target=pool, result="negative", reason="Kiểm tra lại")
    assert set(tasks.values_list("status", flat=True)) == {"cancelled"}
    actions.correct_result(
        actor=tech, target=pool, result="positive", ct=Decimal("31.5"), reason="Xác nhận lại"
    )
    assert tasks.count() == 3
    assert set(tasks.values_list("status", flat=True)) == {"open"}
    assert ResultCorrection.objects.filter(pool=pool).count() == 3


def test_an_invalid_pool_corrected_to_positive_changes_the_kind_of_resampling(world, lab):
    tech = world.user("lab_tech")
    pool = pooled(world, lab, n=2)
    actions.record_result(actor=tech, target=pool, result="invalid")
    actions.record_result(actor=tech, target=pool, result="invalid")
    assert set(SamplingTask.objects.values_list("kind", "status")) == {("pool_invalid", "open")}
    actions.correct_result(
        actor=tech, target=pool, result="positive", ct=Decimal("25"), reason="Chứng nội kiểm sai"
    )
    assert sorted(SamplingTask.objects.values_list("kind", "status")) == [
        ("pool_invalid", "cancelled"),
        ("pool_invalid", "cancelled"),
        ("pool_positive", "open"),
        ("pool_positive", "open"),
    ]


def test_corrections_are_refused_with_clear_messages(world, lab, lab_b):
    tech = world.user("lab_tech")
    pool = pooled(world, lab, n=2)
    with pytest.raises(ValidationError, match="chưa có kết quả"):
        actions.correct_result(actor=tech, target=pool, result="negative", reason="x")
    actions.record_result(actor=tech, target=pool, result="negative")
    with pytest.raises(ValidationError) as exc:
        actions.correct_result(actor=tech, target=pool, result="positive", reason="  ")
    assert set(exc.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError) as exc:
        actions.correct_result(actor=tech, target=pool, result="positive", reason="Sai")
    assert "cần giá trị Ct" in exc.value.message_dict["ct"][0]
    with pytest.raises(ValidationError, match="đã là kết quả"):
        actions.correct_result(actor=tech, target=pool, result="negative", reason="Sai")
    with pytest.raises(ValidationError, match="Kết quả đã thay đổi"):
        actions.correct_result(
            actor=tech,
            target=pool,
            result="positive",
            ct=Decimal("30"),
            reason="Sai",
            expected="positive",
        )
    member = Sample.objects.filter(membership__pool=pool).first()
    assert member is not None
    with pytest.raises(ValidationError, match=f"xét nghiệm trong mẫu gộp {pool.code}"):
        actions.correct_result(
            actor=tech, target=member, result="positive", reason="x", ct=Decimal(30)
        )
    with pytest.raises(OutOfScope):
        actions.correct_result(
            actor=world.user("lab_tech_b"),
            target=pool,
            result="positive",
            ct=Decimal(30),
            reason="x",
        )
    with pytest.raises(OutOfScope):  # an official of the area sees samples, does not correct
        actions.correct_result(
            actor=world.user("commune_a"),
            target=pool,
            result="positive",
            ct=Decimal(30),
            reason="x",
        )
    rapid = actions.collect_sample(
        actor=world.user("commune_a"),
        person=PersonFactory.create(residence_unit=world.commune_a),
        test_kind="rapid_antigen",
        reason="screening",
        unit=world.commune_a,
        rapid_result="negative",
        performed_by="staff",
    )
    with pytest.raises(ValidationError, match="xét nghiệm nhanh"):
        actions.correct_result(actor=SYSTEM, target=rapid, result="positive", reason="x")
    assert not ResultCorrection.objects.exists()
    pool.refresh_from_db()
    assert pool.result == Result.NEGATIVE


@CASES
def test_a_positive_that_confirmed_a_case_corrected_to_negative_discards_the_case(world, lab):
    from vungxanh.cases import actions as case_actions
    from vungxanh.cases.models import Case, TracingTask

    tech = world.user("lab_tech")
    index = PersonFactory.create(residence_unit=world.commune_a)
    sample = make_sample(index, lab=lab, reason="symptomatic")
    actions.record_result(actor=tech, target=sample, result="positive", ct=Decimal("19"))
    case = Case.objects.get(person=index)
    contact = PersonFactory.create(residence_unit=world.commune_a2)
    f1 = case_actions.add_contact(
        actor=SYSTEM, case=case, person=contact, exposure_type="household"
    )
    assert f1.task is not None

    correction = actions.correct_result(
        actor=tech, target=sample, result="negative", reason="Nhầm ống với mẫu S0000099"
    )
    case.refresh_from_db()
    assert case.classification == Case.Classification.DISCARDED
    assert "Nhầm ống với mẫu S0000099" in case.discard_reason
    assert sample.code in case.discard_reason
    assert TracingTask.objects.get(pk=f1.task.pk).status == TracingTask.Status.CANCELLED
    assert correction.consequences["case"]["outcome"] == "discarded"
    assert correction.case_ref == case.public_id
    discard = AuditEvent.objects.get(verb="discard_case", target_id=str(case.public_id))
    assert discard.actor_label == "system"  # a technician has no say over cases…
    assert AuditEvent.objects.get(verb="correct_result").actor == tech  # …the correction is theirs

    # Corrected back: the same case comes back, with its contact and task.
    actions.correct_result(
        actor=tech, target=sample, result="positive", ct=Decimal("19"), reason="Đúng là dương tính"
    )
    case.refresh_from_db()
    assert case.classification == Case.Classification.CONFIRMED
    assert Case.objects.filter(person=index).count() == 1
    assert TracingTask.objects.get(pk=f1.task.pk).status == TracingTask.Status.OPEN


@CASES
def test_a_case_with_another_positive_stays(world, lab):
    from vungxanh.cases.models import Case

    tech = world.user("lab_tech")
    index = PersonFactory.create(residence_unit=world.commune_a)
    first = make_sample(index, lab=lab, reason="symptomatic")
    second = make_sample(index, lab=lab, reason="symptomatic")
    actions.record_result(actor=tech, target=first, result="positive", ct=Decimal("20"))
    actions.record_result(actor=tech, target=second, result="positive", ct=Decimal("22"))
    correction = actions.correct_result(
        actor=tech, target=first, result="negative", reason="Mẫu bị nhiễm"
    )
    assert Case.objects.get(person=index).classification == Case.Classification.CONFIRMED
    assert correction.consequences["case"] == {
        "case": str(Case.objects.get(person=index).public_id),
        "case_label": "BN1",
        "outcome": "kept_other_positive",
        "other": second.code,
    }


@CASES
def test_a_negative_corrected_to_positive_confirms_the_case(world, lab):
    from vungxanh.cases.models import Case

    tech = world.user("lab_tech")
    index = PersonFactory.create(residence_unit=world.commune_a)
    sample = make_sample(index, lab=lab, reason="f1")
    actions.record_result(actor=tech, target=sample, result="negative")
    assert not Case.objects.exists()
    actions.correct_result(
        actor=tech, target=sample, result="positive", ct=Decimal("33"), reason="Nhập sai"
    )
    case = Case.objects.get(person=index)
    assert case.is_confirmed
    sample.refresh_from_db()
    assert sample.case_ref == case.public_id


def test_a_sample_invalid_beyond_reruns_can_be_corrected(world, lab):
    tech = world.user("lab_tech")
    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    for _ in range(3):
        sample.refresh_from_db()
        if sample.status == Sample.Status.RETEST:
            break
        actions.record_result(actor=tech, target=sample, result="invalid")
    task = SamplingTask.objects.get(origin_sample=sample)
    assert task.status == "open"
    actions.correct_result(actor=tech, target=sample, result="negative", reason="Lỗi máy")
    sample.refresh_from_db()
    task.refresh_from_db()
    assert (sample.status, sample.result) == ("resulted", "negative")
    assert sample.resulted_at is not None
    assert task.status == "cancelled"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_technicians_correcting_at_once_do_not_both_apply(world):
    from vungxanh.labs.tests.factories import lab_of

    lab = lab_of("T-LAB-P")
    tech = world.user("lab_tech")
    pool = pooled(world, lab, n=3)
    actions.record_result(actor=tech, target=pool, result="negative")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(i: int) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            actions.correct_result(
                actor=tech,
                target=pool,
                result="positive",
                ct=Decimal("30"),
                reason=f"Sửa {i}",
                expected="negative",
            )
            outcomes.append("done")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("done") == 1, outcomes
    refused = [o for o in outcomes if o != "done"]
    assert len(refused) == 1, outcomes
    assert "Kết quả đã thay đổi" in refused[0], outcomes
    assert ResultCorrection.objects.filter(pool=pool).count() == 1
    assert SamplingTask.objects.filter(pool=pool).count() == 3
    assert timezone.now() - ResultCorrection.objects.get().corrected_at < datetime.timedelta(
        minutes=1
    )
