"""Pool building, results and deconvolution (the rule cases of issue 6)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import OutOfScope
from vungxanh.labs import actions, bridge, sql
from vungxanh.labs.models import (
    Pool,
    Reason,
    Result,
    ResultRecord,
    Sample,
    SamplingTask,
    TestingRuleSet,
)
from vungxanh.labs.tests.factories import HouseholdFactory, PersonFactory, make_sample


def people(world, n, unit=None, household=None):
    return [
        PersonFactory.create(residence_unit=unit or world.commune_a, household=household)
        for _ in range(n)
    ]


def test_pools_respect_the_rule_sets_maximum_and_keep_households_together(world, lab):
    tech = world.user("lab_tech")
    home = HouseholdFactory.create(unit=world.commune_a)
    family = people(world, 4, household=home)
    # The family comes 8th to 11th on the worklist: cutting the list every 10 samples
    # would split it.
    for p in people(world, 8):
        make_sample(p, lab=lab)
    for p in family:
        make_sample(p, lab=lab, pool_group=f"household:{home.pk}")
    for p in people(world, 5):
        make_sample(p, lab=lab)
    pools = actions.build_pools(actor=tech, lab=lab)
    sizes = sorted(p.size for p in pools)
    assert sum(sizes) == 17
    assert max(sizes) <= 10
    assert len(pools) == 2
    family_pools = set(
        Sample.objects.filter(person__in=family).values_list("membership__pool_id", flat=True)
    )
    assert len(family_pools) == 1
    for pool in pools:
        assert pool.members.count() == pool.size
        assert pool.rule_set is not None
        assert pool.rule_set.max_pool_size == 10


def test_a_workplace_group_living_in_two_communes_stays_in_one_pool(world, lab):
    # Six residents of each commune come first; then a factory shift of eight, four living
    # in commune A (two of them in a village of it) and four in commune B.
    for unit in (world.commune_a, world.commune_b):
        for p in people(world, 6, unit=unit):
            make_sample(p, lab=lab)
    shift = people(world, 2) + people(world, 2, unit=world.village_a)
    shift += people(world, 4, unit=world.commune_b)
    for p in shift:
        make_sample(p, lab=lab, pool_group="workplace:Nhà máy Hà Khánh, ca 1")
    pools = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    assert sorted(p.size for p in pools) == [10, 10]
    shift_pools = set(
        Sample.objects.filter(person__in=shift).values_list("membership__pool_id", flat=True)
    )
    assert len(shift_pools) == 1


def test_a_newer_rule_set_changes_the_pool_size(world, lab):
    actions.create_rule_set(
        actor=world.user("province_officer"),
        unit=world.province,
        code="qn-pools-of-5",
        name="Gộp 5",
        valid_from=timezone.now(),
        max_pool_size=5,
        single_test_reasons=["f1", "symptomatic"],
        priority_order=["f1", "symptomatic"],
        sample_validity_hours=72,
        retest_due_hours=6,
        max_reruns=1,
        province_single_target=10_000,
        province_pooled_target=50_000,
        assay_sensitivity=Decimal("0.95"),
        assay_specificity=Decimal("0.99"),
        positivity_window_days=7,
    )
    for p in people(world, 12):
        make_sample(p, lab=lab)
    pools = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    assert sorted(p.size for p in pools) == [2, 5, 5]
    with pytest.raises(ValidationError) as exc:
        actions.build_pools(actor=world.user("lab_tech"), lab=lab, size=8)
    assert "từ 2 đến 5 mẫu" in str(exc.value)


def test_single_testing_samples_are_never_pooled(world, lab):
    f1 = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason=Reason.F1
    )
    marked = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, single_only=True
    )
    for p in people(world, 3):
        make_sample(p, lab=lab)
    actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    f1.refresh_from_db()
    marked.refresh_from_db()
    assert f1.pool is None
    assert f1.single_only
    assert marked.pool is None
    # and the statement that fills pools refuses it too (raw SQL, both databases)
    pool = Pool.objects.get()
    assert sql.add_members([(f1.pk, pool.pk), (marked.pk, pool.pk)]) == 0
    assert pool.members.count() == 3


def test_pooling_sql_never_pools_a_sample_twice(world, lab):
    samples = [make_sample(p, lab=lab) for p in people(world, 4)]
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    assert pool.rule_set is not None
    (other,) = sql.insert_pools(
        lab_id=lab.pk,
        rule_set=pool.rule_set,
        codes=["P9999999"],
        sizes=[4],
        created_at=timezone.now(),
        created_by_id=None,
    )
    assert sql.add_members([(s.pk, other.pk) for s in samples]) == 0
    assert other.members.count() == 0
    stored = Pool.objects.get(pk=other.pk)
    assert stored.code == "P9999999"
    assert stored.public_id == other.public_id
    assert stored.status == Pool.Status.READY


def pooled(world, lab, n=10, unit=None):
    persons = people(world, n, unit=unit)
    for p in persons:
        make_sample(p, lab=lab)
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    return pool


def test_negative_pool_makes_every_member_negative_with_turnaround(world, lab):
    pool = pooled(world, lab)
    summary = actions.record_result(actor=world.user("lab_tech"), target=pool, result="negative")
    assert summary.samples_negative == 10
    members = list(pool.members.all())
    assert {m.result for m in members} == {Result.NEGATIVE}
    assert {m.status for m in members} == {Sample.Status.RESULTED}
    assert all(
        datetime.timedelta(hours=1, minutes=59) < m.turnaround < datetime.timedelta(hours=3)
        for m in members
    )
    assert not SamplingTask.objects.exists()
    assert ResultRecord.objects.get(pool=pool).members == 10
    assert AuditEvent.objects.filter(verb="record_result", target_id=str(pool.public_id)).exists()


def test_positive_pool_sends_every_member_back_to_their_commune(world, lab):
    pool = pooled(world, lab, n=6, unit=world.commune_a)
    # two members live in another commune, one in a village of commune A
    extra = [
        PersonFactory.create(residence_unit=world.commune_b),
        PersonFactory.create(residence_unit=world.village_a),
    ]
    for p in extra:
        make_sample(p, lab=lab)
    (pool2,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    tech = world.user("lab_tech")
    with pytest.raises(ValidationError, match="cần giá trị Ct"):
        actions.record_result(actor=tech, target=pool, result="positive")
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("27.5"))
    actions.record_result(actor=tech, target=pool2, result="positive", ct=Decimal("31"))
    pool.refresh_from_db()
    assert pool.result == Result.POSITIVE
    assert pool.ct_value == Decimal("27.5")
    tasks = SamplingTask.objects.filter(pool__in=[pool, pool2])
    assert tasks.count() == 8
    assert {t.kind for t in tasks} == {SamplingTask.Kind.POOL_POSITIVE}
    by_person = {t.person_id: t for t in tasks}
    assert by_person[extra[0].pk].unit == world.commune_b
    assert by_person[extra[1].pk].unit == world.commune_a  # the village's commune
    assert all(t.due_at > timezone.now() + datetime.timedelta(hours=11) for t in tasks)
    members = Sample.objects.filter(pools__in=[pool, pool2])
    assert {m.status for m in members} == {Sample.Status.RETEST}
    assert {m.result for m in members} == {Result.PENDING}
    # a second entry for the same pool is refused, nothing is duplicated
    with pytest.raises(ValidationError, match="đã có kết quả"):
        actions.record_result(actor=tech, target=pool, result="negative")
    assert SamplingTask.objects.count() == 8


def test_invalid_pool_is_rerun_then_members_are_resampled(world, lab):
    pool = pooled(world, lab, n=4)
    tech = world.user("lab_tech")
    summary = actions.record_result(actor=tech, target=pool, result="invalid")
    assert summary.pools_rerun == 1
    pool.refresh_from_db()
    assert pool.status == Pool.Status.READY
    assert pool.attempts == 1
    summary = actions.record_result(actor=tech, target=pool, result="invalid")
    assert summary.pools_failed == 1
    assert summary.tasks_created == 4
    pool.refresh_from_db()
    assert pool.result == Result.INVALID
    assert set(SamplingTask.objects.values_list("kind", flat=True)) == {
        SamplingTask.Kind.POOL_INVALID
    }
    assert ResultRecord.objects.filter(pool=pool).count() == 2


def test_retest_lineage_to_the_individual_result(world, lab):
    pool = pooled(world, lab, n=3)
    tech = world.user("lab_tech")
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("30"))
    task = SamplingTask.objects.order_by("pk")[0]
    officer = world.user("province_officer")
    new = actions.collect_sample(
        actor=officer,
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=task.unit,
        task=task,
    )
    assert new.reason == Reason.RETEST
    assert new.single_only
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.SAMPLED
    assert task.sample == new
    report = actions.receive_samples(actor=tech, lab=lab, codes_in=[new.code])
    assert report.received == [new]
    actions.record_result(actor=tech, target=new, result="negative")
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.RESULTED
    assert task.sample.result == Result.NEGATIVE
    assert task.origin_sample.pool == pool


def _retest(world, lab, pool):
    """The first member of ``pool`` sampled again for its task, and the tube received."""
    task = SamplingTask.objects.filter(pool=pool).order_by("pk")[0]
    new = actions.collect_sample(
        actor=world.user("commune_a"),
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=task.unit,
        task=task,
        lab=lab,
    )
    actions.receive_samples(actor=world.user("lab_tech"), lab=lab, codes_in=[new.code])
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.SAMPLED
    return task, new


def test_a_rejected_retest_closes_its_task_and_a_new_one_follows_the_person(client_as, world, lab):
    pool = pooled(world, lab, n=3)
    tech = world.user("lab_tech")
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("30"))
    task, new = _retest(world, lab, pool)
    follow_up = actions.reject_sample(actor=tech, sample=new, reason="Ống vỡ")
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.RESAMPLED
    assert new.code in task.closed_reason
    assert follow_up.status == SamplingTask.Status.OPEN
    assert follow_up.origin_sample == new
    assert follow_up.person == task.person
    # the first task's page leads to the one that follows the person now
    page = client_as("commune_a").get(f"/labs/tasks/{task.public_id}/").content.decode()
    assert "Mẫu không dùng được, đã lấy mẫu lại" in page
    assert f'href="/labs/tasks/{follow_up.public_id}/"' in page.split('id="follow-up"')[1]
    # the third sample's result ends the chain
    third = actions.collect_sample(
        actor=world.user("commune_a"),
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=follow_up.unit,
        task=follow_up,
        lab=lab,
    )
    actions.receive_samples(actor=tech, lab=lab, codes_in=[third.code])
    actions.record_result(actor=tech, target=third, result="negative")
    follow_up.refresh_from_db()
    assert follow_up.status == SamplingTask.Status.RESULTED
    assert not SamplingTask.objects.filter(status=SamplingTask.Status.SAMPLED).exists()


def test_a_retest_left_invalid_closes_its_task_until_corrected(world, lab):
    pool = pooled(world, lab, n=2)
    tech = world.user("lab_tech")
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("30"))
    task, new = _retest(world, lab, pool)
    actions.record_result(actor=tech, target=new, result="invalid")  # re-run
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.SAMPLED
    summary = actions.record_result(actor=tech, target=new, result="invalid")
    assert summary.tasks_created == 1
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.RESAMPLED
    assert "vẫn không xác định" in task.closed_reason
    follow_up = SamplingTask.objects.get(origin_sample=new)
    assert follow_up.kind == SamplingTask.Kind.SAMPLE_INVALID
    # the laboratory finds the result after all: the first task has it, the second is off
    actions.correct_result(actor=tech, target=new, result="negative", reason="Đọc lại máy")
    task.refresh_from_db()
    follow_up.refresh_from_db()
    assert task.status == SamplingTask.Status.RESULTED
    assert follow_up.status == SamplingTask.Status.CANCELLED


def test_results_of_another_lab_are_refused(world, lab, lab_b):
    pool = pooled(world, lab, n=2)
    with pytest.raises(OutOfScope):
        actions.record_result(actor=world.user("lab_tech_b"), target=pool, result="negative")
    with pytest.raises(ValidationError, match="không phải mẫu gộp hoặc mẫu của phòng"):
        actions.record_results(
            actor=world.user("lab_tech_b"),
            lab=lab_b,
            entries=[actions.ResultEntry(pool, "negative")],
            source="manual",
        )
    assert Pool.objects.get(pk=pool.pk).result == Result.PENDING


def test_default_rule_set_is_data(world):
    rules = TestingRuleSet.objects.get(code="vn-2020-08-07-pooling-qn-2021")
    assert rules.max_pool_size == 10
    assert "f1" in rules.single_test_reasons


def test_tubes_past_their_validity_are_not_pooled_but_flagged(client_as, world, lab):
    old = make_sample(
        PersonFactory.create(residence_unit=world.commune_a),
        lab=lab,
        collected_at=timezone.now() - datetime.timedelta(hours=80),  # validity: 72 h
    )
    for p in people(world, 3):
        make_sample(p, lab=lab)
    page = client_as("lab_tech").get("/labs/pools/build/").content.decode()
    assert '<strong id="waiting-count">3</strong>' in page
    assert "1 ống mẫu đã chờ quá 72 giờ" in page
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    assert pool.size == 3
    old.refresh_from_db()
    assert old.pool is None
    actions.reject_sample(actor=world.user("lab_tech"), sample=old, reason="Quá hạn bảo quản")
    assert SamplingTask.objects.get(origin_sample=old).kind == SamplingTask.Kind.SAMPLE_REJECTED


CASES = pytest.mark.skipif(
    not bridge.available("confirm_case"), reason="the tracing capability is not installed"
)


@CASES
@pytest.mark.parametrize(
    ("reason", "source"),
    [("entry", "imported"), ("quarantine_day", "in_quarantine"), ("screening", "community")],
)
def test_a_positive_retest_keeps_why_the_person_was_first_sampled(world, lab, reason, source):
    """A pooled entry (or quarantine-day) sample re-tested singly after its pool was positive:
    the case is imported (found in quarantine), not found in the community."""
    from vungxanh.cases.models import Case

    tech = world.user("lab_tech")
    for p in people(world, 3):
        make_sample(p, lab=lab, reason=reason)
    (pool,) = actions.build_pools(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("30"))
    task, new = _retest(world, lab, pool)
    assert new.reason == Reason.RETEST
    assert bridge.origin_reason(new) == reason
    actions.record_result(actor=tech, target=new, result="positive", ct=Decimal("25"))
    assert Case.objects.get(person=task.person).source == source


@CASES
def test_the_case_source_follows_a_chain_of_resamplings(world, lab):
    """Entry test pooled, pool positive, re-test tube broken, sampled again: imported."""
    from vungxanh.cases.models import Case

    tech = world.user("lab_tech")
    for p in people(world, 2):
        make_sample(p, lab=lab, reason=Reason.ENTRY)
    (pool,) = actions.build_pools(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("30"))
    task, broken = _retest(world, lab, pool)
    follow_up = actions.reject_sample(actor=tech, sample=broken, reason="Ống vỡ")
    third = actions.collect_sample(
        actor=world.user("commune_a"),
        person=task.person,
        test_kind="pcr",
        reason="screening",
        unit=follow_up.unit,
        task=follow_up,
        lab=lab,
    )
    actions.receive_samples(actor=tech, lab=lab, codes_in=[third.code])
    actions.record_result(actor=tech, target=third, result="positive", ct=Decimal("22"))
    assert Case.objects.get(person=task.person).source == "imported"


@CASES
def test_the_pcr_after_a_positive_rapid_test_at_entry_gives_an_imported_case(world, lab):
    from vungxanh.cases.models import Case

    person = PersonFactory.create(residence_unit=world.commune_a)
    rapid = actions.collect_sample(
        actor=world.user("province_officer"),
        person=person,
        test_kind="rapid_antigen",
        reason=Reason.ENTRY,
        unit=world.commune_a,
        rapid_result="positive",
        performed_by="staff",
    )
    task = SamplingTask.objects.get(origin_sample=rapid)
    pcr = actions.collect_sample(
        actor=world.user("commune_a"),
        person=person,
        test_kind="pcr",
        reason="screening",
        unit=task.unit,
        task=task,
        lab=lab,
    )
    assert pcr.reason == Reason.CONFIRMATION
    actions.receive_samples(actor=world.user("lab_tech"), lab=lab, codes_in=[pcr.code])
    actions.record_result(
        actor=world.user("lab_tech"), target=pcr, result="positive", ct=Decimal("20")
    )
    case = Case.objects.get(person=person)
    assert case.is_confirmed
    assert case.source == "imported"
