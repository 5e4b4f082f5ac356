"""Collecting, receiving and rejecting samples; rapid tests; what cases makes of results."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM, OutOfScope
from vungxanh.labs import actions, bridge
from vungxanh.labs.models import Reason, Result, ResultRecord, Sample, SamplingTask
from vungxanh.labs.tests.factories import HouseholdFactory, PersonFactory, make_sample

CASES = pytest.mark.skipif(
    not bridge.available("confirm_case"), reason="the tracing capability is not installed"
)


def collect(world, person, **kwargs):
    values = {"test_kind": "pcr", "reason": Reason.SCREENING, "unit": world.commune_a}
    values.update(kwargs)
    return actions.collect_sample(actor=world.user("province_officer"), person=person, **values)


def test_f1_and_symptomatic_samples_come_first_and_are_never_pooled(world, lab):
    person = PersonFactory.create(residence_unit=world.commune_a)
    f1 = collect(world, person, reason=Reason.F1, lab=lab)
    ill = collect(world, person, reason=Reason.SYMPTOMATIC, lab=lab)
    screened = collect(world, person, lab=lab)
    assert f1.single_only
    assert ill.single_only
    assert not screened.single_only
    assert f1.priority < ill.priority < screened.priority
    assert f1.is_f1
    assert len(f1.code) == 8
    assert f1.code.startswith("S")
    event = AuditEvent.objects.get(verb="collect_sample", target_id=str(f1.public_id))
    assert event.changes["reason"]["after"] == "f1"


def test_household_members_are_grouped_by_default(world, lab):
    home = HouseholdFactory.create(unit=world.commune_a)
    a = PersonFactory.create(residence_unit=world.commune_a, household=home)
    sample = collect(world, a, lab=lab)
    assert sample.pool_group == f"household:{home.pk}"
    room = collect(
        world, a, lab=lab, pool_group="CL-01/P203", reason=Reason.QUARANTINE_DAY, quarantine_day=7
    )
    assert room.pool_group == "CL-01/P203"
    assert room.quarantine_day == 7
    with pytest.raises(ValidationError) as exc:
        collect(world, a, reason=Reason.QUARANTINE_DAY)
    assert "ngày thứ mấy" in str(exc.value)


def test_who_may_collect(world, lab):
    person = PersonFactory.create(residence_unit=world.commune_a)
    # another district cannot sample this person nor record samples in Hà Khánh
    with pytest.raises(OutOfScope):
        actions.collect_sample(
            actor=world.user("district_b"),
            person=person,
            test_kind="pcr",
            reason="screening",
            unit=world.commune_b,
        )
    with pytest.raises(OutOfScope):
        actions.collect_sample(
            actor=world.user("district_b"),
            person=person,
            test_kind="pcr",
            reason="screening",
            unit=world.commune_a,
        )
    # the commune's health station samples the people of its own commune, not elsewhere
    sample = actions.collect_sample(
        actor=world.user("commune_a"),
        person=person,
        test_kind="pcr",
        reason="screening",
        unit=world.commune_a,
    )
    assert sample.person == person
    with pytest.raises(OutOfScope):
        actions.collect_sample(
            actor=world.user("commune_a2"),
            person=person,
            test_kind="pcr",
            reason="screening",
            unit=world.commune_a2,
        )
    with pytest.raises(ValidationError, match="tương lai"):
        collect(world, person, collected_at=timezone.now() + datetime.timedelta(hours=2))


def test_the_collector_may_send_tubes_only_to_a_laboratory_they_may_use(world, lab, lab_b):
    person = PersonFactory.create(residence_unit=world.commune_a)
    officer = world.user("commune_a")
    values = {"actor": officer, "test_kind": "pcr", "reason": "screening", "unit": world.commune_a}
    # Hạ Long's commune sends to the provincial laboratory, not to Móng Cái's.
    with pytest.raises(OutOfScope):
        actions.collect_sample(person=person, lab=lab_b, **values)
    with pytest.raises(OutOfScope):
        actions.collect_screening_batch(
            actor=officer, persons=[person], unit=world.commune_a, lab=lab_b
        )
    assert not Sample.objects.exists()
    lab.is_active = False
    lab.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="không còn nhận mẫu"):
        actions.collect_sample(person=person, lab=lab, **values)
    lab.is_active = True
    lab.save(update_fields=["is_active"])
    assert actions.collect_sample(person=person, lab=lab, **values).lab == lab


def test_receiving_tubes_reports_every_problem_by_code(world, lab, lab_b):
    person = PersonFactory.create(residence_unit=world.commune_a)
    ours = collect(world, person, lab=lab)
    unaddressed = collect(world, person)
    theirs = collect(world, person, lab=lab_b)
    rapid = collect(
        world, person, test_kind="rapid_antigen", rapid_result="negative", performed_by="staff"
    )
    typo = ours.code[:-2] + ours.code[-1] + ours.code[-2]
    report = actions.receive_samples(
        actor=world.user("lab_tech"),
        lab=lab,
        codes_in=[ours.code, unaddressed.code.lower(), theirs.code, rapid.code, typo, "S9999"],
    )
    assert {s.code for s in report.received} == {ours.code, unaddressed.code}
    text = " ".join(report.errors)
    assert "phòng xét nghiệm khác" in text
    assert "là test nhanh" in text
    assert "ký tự kiểm tra" in text
    assert "không phải mã mẫu" in text
    again = actions.receive_samples(actor=world.user("lab_tech"), lab=lab, codes_in=[ours.code])
    assert again.already == [ours.code]
    ours.refresh_from_db()
    assert ours.status == Sample.Status.RECEIVED
    assert ours.received_at is not None
    # a technician of another laboratory cannot receive into this one
    with pytest.raises(OutOfScope):
        actions.receive_samples(actor=world.user("lab_tech_b"), lab=lab, codes_in=[ours.code])


def test_a_laboratory_receives_unaddressed_tubes_of_its_own_area_only(world, lab, lab_b):
    # The Móng Cái laboratory serves district B; the tubes of Hạ Long are not its to take.
    person_a = PersonFactory.create(residence_unit=world.commune_a)
    person_b = PersonFactory.create(residence_unit=world.commune_b)
    from_a = collect(world, person_a)
    from_b = collect(world, person_b, unit=world.commune_b)
    site = actions.create_sampling_site(
        actor=SYSTEM,
        name="Điểm lấy mẫu KCN Cái Lân",
        kind="workplace",
        unit=world.commune_a,
    )
    at_site = collect(world, person_a, site=site)
    assert at_site.lab is None
    site.default_lab = lab_b  # the site now sends its tubes to Móng Cái
    site.save(update_fields=["default_lab"])
    tech_b = world.user("lab_tech_b")
    report = actions.receive_samples(
        actor=tech_b, lab=lab_b, codes_in=[from_a.code, from_b.code, at_site.code]
    )
    assert [s.code for s in report.received] == [from_b.code, at_site.code]
    assert report.errors == [f"Không có mẫu nào mang mã {from_a.code}."]
    from_a.refresh_from_db()
    assert from_a.status == Sample.Status.COLLECTED
    assert from_a.lab is None
    # nor does it see the tube it could not receive
    assert not Sample.objects.restrict(tech_b, "view").filter(pk=from_a.pk).exists()
    # the provincial laboratory serves the whole province
    report = actions.receive_samples(actor=world.user("lab_tech"), lab=lab, codes_in=[from_a.code])
    assert report.received == [from_a]


def test_rejected_tube_goes_back_to_the_commune(world, lab):
    person = PersonFactory.create(residence_unit=world.village_a)
    sample = make_sample(person, lab=lab)
    task = actions.reject_sample(actor=world.user("lab_tech"), sample=sample, reason="Ống vỡ")
    assert task.kind == SamplingTask.Kind.SAMPLE_REJECTED
    assert task.unit == world.commune_a
    sample.refresh_from_db()
    assert sample.status == Sample.Status.REJECTED
    with pytest.raises(ValidationError):
        actions.reject_sample(actor=world.user("lab_tech"), sample=sample, reason="again")


def test_individual_invalid_is_rerun_once_then_resampled(world, lab):
    sample = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason=Reason.F1
    )
    tech = world.user("lab_tech")
    assert actions.record_result(actor=tech, target=sample, result="invalid").samples_rerun == 1
    summary = actions.record_result(actor=tech, target=sample, result="invalid")
    assert summary.tasks_created == 1
    sample.refresh_from_db()
    assert sample.status == Sample.Status.RETEST
    assert SamplingTask.objects.get(origin_sample=sample).kind == SamplingTask.Kind.SAMPLE_INVALID


def test_rapid_test_result_is_recorded_where_taken(world):
    person = PersonFactory.create(residence_unit=world.commune_a)
    with pytest.raises(ValidationError):
        collect(world, person, test_kind="rapid_antigen")  # no result
    sample = collect(
        world,
        person,
        test_kind="rapid_antigen",
        rapid_result="negative",
        performed_by="supervised_self",
    )
    assert sample.result == Result.NEGATIVE
    assert sample.status == Sample.Status.RESULTED
    assert sample.lab is None
    assert ResultRecord.objects.get(sample=sample).source == "rapid"
    with pytest.raises(ValidationError, match="phòng xét nghiệm nhập"):
        collect(world, person, rapid_result="positive")


@CASES
def test_positive_rapid_test_of_a_non_f1_is_suspected_and_needs_a_pcr(world, lab):
    from vungxanh.cases.models import Case

    person = PersonFactory.create(residence_unit=world.village_a)
    sample = collect(
        world, person, test_kind="rapid_antigen", rapid_result="positive", performed_by="staff"
    )
    case = Case.objects.get(person=person)
    assert case.classification == Case.Classification.SUSPECTED
    assert case.needs_pcr
    assert str(sample.case_ref) == str(case.public_id)
    task = SamplingTask.objects.get(origin_sample=sample)
    assert task.kind == SamplingTask.Kind.RAPID_CONFIRMATION
    assert task.unit == world.commune_a
    # the PCR of the task confirms the case
    pcr = collect(world, person, task=task)
    assert pcr.reason == Reason.CONFIRMATION
    assert pcr.single_only
    actions.receive_samples(actor=world.user("lab_tech"), lab=lab, codes_in=[pcr.code])
    pcr.refresh_from_db()
    summary = actions.record_result(
        actor=world.user("lab_tech"), target=pcr, result="positive", ct=Decimal("22.4")
    )
    case.refresh_from_db()
    assert case.classification == Case.Classification.CONFIRMED
    assert summary.cases == [case]
    task.refresh_from_db()
    assert task.status == SamplingTask.Status.RESULTED


@CASES
def test_positive_rapid_test_of_an_f1_is_a_confirmed_case_without_pcr(world):
    from vungxanh.cases import actions as case_actions
    from vungxanh.cases.models import Case

    index = PersonFactory.create(residence_unit=world.commune_a)
    index_case = case_actions.confirm_case(
        actor=SYSTEM,
        person=index,
        basis="pcr_positive",
        sample_date=timezone.localdate() - datetime.timedelta(days=1),
    )
    contact = PersonFactory.create(residence_unit=world.village_a)
    case_actions.add_contact(
        actor=SYSTEM,
        case=index_case,
        person=contact,
        exposure_type="household",
        exposure_start=timezone.now() - datetime.timedelta(days=2),
        exposure_end=timezone.now() - datetime.timedelta(days=1),
    )
    sample = collect(
        world, contact, test_kind="rapid_antigen", rapid_result="positive", performed_by="staff"
    )
    assert sample.is_f1
    case = Case.objects.get(person=contact)
    assert case.classification == Case.Classification.CONFIRMED
    assert not case.needs_pcr
    assert str(sample.case_ref) == str(case.public_id)
    # no confirming PCR is asked of the commune
    assert not SamplingTask.objects.exists()


@CASES
def test_positive_pcr_confirms_the_case_and_f1_is_recognised(world, lab):
    from vungxanh.cases import actions as case_actions
    from vungxanh.cases.models import Case

    tech = world.user("lab_tech")
    index = PersonFactory.create(residence_unit=world.commune_a)
    sample = make_sample(index, lab=lab, reason=Reason.SYMPTOMATIC)
    summary = actions.record_result(
        actor=tech, target=sample, result="positive", ct=Decimal("18.0")
    )
    case = Case.objects.get(person=index)
    assert case.classification == Case.Classification.CONFIRMED
    assert case.lab_reference == str(sample.public_id)
    assert summary.cases == [case]
    sample.refresh_from_db()
    assert sample.case_ref == case.public_id
    # a contact the case names becomes F1: their sample is single, first, and sampled for
    # the tracing task
    contact = PersonFactory.create(residence_unit=world.commune_a)
    f1 = case_actions.add_contact(
        actor=SYSTEM,
        case=case,
        person=contact,
        exposure_type="household",
        exposure_start=timezone.now() - datetime.timedelta(days=1),
        exposure_end=timezone.now() - datetime.timedelta(hours=20),
    )
    screened = collect(world, contact, lab=lab)  # collected as screening…
    assert screened.is_f1  # …but recognised as an F1
    assert screened.single_only
    assert screened.priority == 0
    f1.refresh_from_db()
    assert f1.task is not None
    assert f1.task.sampled_at is not None  # cases.record_contact_sampled was called
