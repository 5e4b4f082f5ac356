"""Business rules of the case actions: confirmation and numbering, rapid tests under the rule
set in force, re-grading both ways, discarding and reinstating, tasks, clusters, rule set
versions, and concurrency."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from vungxanh.cases import actions, services
from vungxanh.cases.models import (
    Basis,
    Case,
    Cluster,
    ClusterMember,
    Contact,
    Landmark,
    RuleSet,
    TracingTask,
)
from vungxanh.cases.rules import TracingRules, load_default_rule_sets
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM, OutOfScope


def task_of(contact: Contact) -> TracingTask:
    assert contact.task is not None
    return contact.task


TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=4)


def day(offset: int) -> datetime.date:
    return D + datetime.timedelta(days=offset)


@pytest.fixture
def rules(db):
    load_default_rule_sets()


@pytest.fixture
def scene(world, rules):
    """A case A at a restaurant with B (lives in Hà Khánh) and C (lives in Ka Long, district B)."""
    a = make_person(world.commune_a, "Nguyễn Ca A")
    b = make_person(world.commune_a, "Trần F Một B")
    c = make_person(world.commune_b, "Lê F Một C")
    venue = make_venue(world.commune_a, "Nhà hàng Biển Xanh", kind="restaurant")
    check_in(a, venue, at(D, "11:00"), at(D, "12:00"))
    check_in(b, venue, at(D, "11:00"), at(D, "12:00"))
    check_in(c, venue, at(D, "11:30"), at(D, "12:00"))
    return {"a": a, "b": b, "c": c, "venue": venue}


def confirm_a(scene, actor=SYSTEM):
    return actions.confirm_case(
        actor=actor,
        person=scene["a"],
        basis=Basis.PCR_POSITIVE,
        onset_date=D,
        isolated_at=at(day(1), "09:00"),
    )


# --- confirmation ---------------------------------------------------------------------------


def test_confirmation_numbers_cases_in_sequence_and_is_idempotent(world, scene):
    first = confirm_a(scene)
    again = confirm_a(scene)
    second = confirm(scene["b"], sample_date=D)
    assert again.pk == first.pk
    assert (first.number, second.number) == (1, 2)
    assert str(first) == "BN1"
    assert first.responsible_unit == world.commune_a
    assert first.residence_unit == world.commune_a
    assert first.rule_set.code == "qn-2021-12-29"
    assert AuditEvent.objects.filter(verb="confirm_case").count() == 2


def test_a_suspected_case_is_upgraded_and_numbered_on_confirmation(world, scene):
    suspected = actions.register_suspected_case(
        actor=world.user("commune_a"), person=scene["a"], onset_date=D
    )
    assert suspected.number is None
    assert suspected.needs_pcr
    assert str(suspected).startswith("Ca nghi ngờ")
    case = actions.confirm_case(
        actor=world.user("commune_a"), person=scene["a"], basis=Basis.PCR_POSITIVE
    )
    assert case.pk == suspected.pk
    assert case.classification == Case.Classification.CONFIRMED
    assert case.number == 1
    assert not case.needs_pcr
    assert case.onset_date == D


def test_a_basis_that_does_not_confirm_is_refused_with_a_clear_message(world, scene):
    with pytest.raises(ValidationError) as exc:
        actions.confirm_case(
            actor=SYSTEM, person=scene["a"], basis=Basis.RAPID_POSITIVE, sample_date=D
        )
    assert "không đủ để xác định ca bệnh" in exc.value.message_dict["basis"][0]


def test_dates_are_checked(world, scene):
    with pytest.raises(ValidationError) as exc:
        actions.confirm_case(actor=SYSTEM, person=scene["a"], basis=Basis.PCR_POSITIVE)
    assert exc.value.message_dict["sample_date"] == [
        "Hãy nhập ngày lấy mẫu dương tính hoặc ngày khởi phát triệu chứng."
    ]
    with pytest.raises(ValidationError) as exc:
        actions.confirm_case(
            actor=SYSTEM,
            person=scene["a"],
            basis=Basis.PCR_POSITIVE,
            onset_date=TODAY + datetime.timedelta(days=1),
        )
    assert "onset_date" in exc.value.message_dict
    assert not Case.objects.exists()


def test_officials_register_cases_only_in_their_area_laboratories_anywhere(world, scene):
    with pytest.raises(OutOfScope):
        confirm_a(scene, actor=world.user("district_b"))
    with pytest.raises(OutOfScope):
        confirm_a(scene, actor=world.user("viewer"))
    case = confirm_a(scene, actor=world.user("lab_tech_b"))
    assert case.is_confirmed


def test_without_a_rule_set_in_force_nothing_is_registered(world, scene):
    RuleSet.objects.all().delete()
    with pytest.raises(ValidationError) as exc:
        confirm_a(scene)
    assert "Không có bộ quy định truy vết nào có hiệu lực" in exc.value.messages[0]


# --- rapid tests ---------------------------------------------------------------------------


def test_an_f1_with_a_supervised_positive_rapid_test_becomes_a_case(world, scene):
    case = confirm_a(scene)
    actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    assert services.is_under_tracing_as_f1(scene["b"])
    result = actions.handle_positive_rapid_test(
        actor=world.user("lab_tech"), person=scene["b"], taken_at=timezone.now(), supervised=True
    )
    assert result.is_confirmed
    assert result.basis == Basis.F1_RAPID_POSITIVE
    assert result.source == Case.Source.AMONG_F1
    assert not result.needs_pcr


def test_one_positive_rapid_test_without_more_gives_a_suspected_case_needing_pcr(world, scene):
    result = actions.handle_positive_rapid_test(
        actor=SYSTEM, person=scene["c"], taken_at=timezone.now(), supervised=True
    )
    assert result.classification == Case.Classification.SUSPECTED
    assert result.basis == Basis.RAPID_POSITIVE
    assert result.needs_pcr
    assert result.number is None


def test_two_positive_rapid_tests_within_8_hours_with_a_link_confirm(world, scene):
    case = confirm_a(scene)
    # C is a (proposed) contact of the case: an epidemiological link, not an F1.
    actions.add_contact(
        actor=SYSTEM, case=case, person=scene["c"], exposure_type="venue", confirm=False
    )
    assert not services.is_under_tracing_as_f1(scene["c"])
    now = timezone.now()
    first = actions.handle_positive_rapid_test(
        actor=SYSTEM, person=scene["c"], taken_at=now - datetime.timedelta(hours=7), supervised=True
    )
    assert first.classification == Case.Classification.SUSPECTED
    second = actions.handle_positive_rapid_test(
        actor=SYSTEM, person=scene["c"], taken_at=now, supervised=True
    )
    assert second.pk == first.pk
    assert second.is_confirmed
    assert second.basis == Basis.TWO_RAPID_WITH_LINK


def test_two_positive_rapid_tests_too_far_apart_or_without_a_link_do_not_confirm(world, scene):
    now = timezone.now()
    # No link at all.
    for hours in (2, 0):
        case = actions.handle_positive_rapid_test(
            actor=SYSTEM,
            person=scene["b"],
            taken_at=now - datetime.timedelta(hours=hours),
            supervised=True,
        )
    assert case.classification == Case.Classification.SUSPECTED
    # A link, but 9 hours apart.
    index = confirm(scene["a"], onset_date=D)
    actions.add_contact(
        actor=SYSTEM, case=index, person=scene["c"], exposure_type="venue", confirm=False
    )
    for hours in (9, 0):
        case_c = actions.handle_positive_rapid_test(
            actor=SYSTEM,
            person=scene["c"],
            taken_at=now - datetime.timedelta(hours=hours),
            supervised=True,
        )
    assert case_c.classification == Case.Classification.SUSPECTED


def test_unsupervised_rapid_tests_never_confirm(world, scene):
    case = confirm_a(scene)
    actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    result = actions.handle_positive_rapid_test(
        actor=SYSTEM, person=scene["b"], taken_at=timezone.now(), supervised=False
    )
    assert result.classification == Case.Classification.SUSPECTED
    assert result.needs_pcr


def test_under_the_3638_rules_only_pcr_confirms(world, scene):
    actions.publish_rule_set(
        actor=SYSTEM,
        code="pcr-only",
        name="Chỉ RT-PCR",
        valid_from=timezone.now() - datetime.timedelta(hours=1),
        parameters=TracingRules(confirming_bases=("pcr_positive",)).as_parameters(),
    )
    case = confirm_a(scene)
    actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    result = actions.handle_positive_rapid_test(
        actor=SYSTEM, person=scene["b"], taken_at=timezone.now(), supervised=True
    )
    assert result.classification == Case.Classification.SUSPECTED


# --- re-grading -------------------------------------------------------------------------------


def test_regrading_both_ways(world, scene):
    """B is F1 of A; D is recorded as F2 through B. B becomes a case: B's task closes and D
    becomes F1 of B's case with a task. Discarding B's case undoes exactly that."""
    cafe = make_venue(world.commune_a2, "Cà phê Hà Phong", kind="restaurant")
    d = make_person(world.commune_a2, "Vũ F Hai D")
    check_in(scene["b"], cafe, at(day(1), "08:00"), at(day(1), "09:00"))
    check_in(d, cafe, at(day(1), "08:00"), at(day(1), "09:00"))
    case_a = confirm_a(scene)
    f1 = actions.decide_proposal(actor=SYSTEM, case=case_a, person=scene["b"], confirm=True)
    f2 = actions.decide_f2(actor=SYSTEM, f1=f1, person=d, confirm=True)
    task_b = task_of(f1)
    assert task_b.status == TracingTask.Status.OPEN

    case_b = confirm(scene["b"], sample_date=day(2))
    f1.refresh_from_db()
    task_b.refresh_from_db()
    assert case_b.source == Case.Source.AMONG_F1
    assert f1.became_case == case_b
    assert task_b.status == TracingTask.Status.BECAME_CASE
    new_f1 = Contact.objects.get(case=case_b, person=d)
    assert (new_f1.degree, new_f1.status, new_f1.origin) == (1, "confirmed", "regraded")
    assert new_f1.regraded_from == f2
    assert task_of(new_f1).status == TracingTask.Status.OPEN
    assert task_of(new_f1).unit == world.commune_a2
    assert AuditEvent.objects.filter(verb="regrade_contact").count() == 2

    actions.discard_case(actor=SYSTEM, case=case_b, reason="RT-PCR khẳng định âm tính")
    f1.refresh_from_db()
    task_b.refresh_from_db()
    new_f1.refresh_from_db()
    f2.refresh_from_db()
    assert f1.became_case is None
    assert task_b.status == TracingTask.Status.OPEN
    assert new_f1.status == Contact.Status.CLOSED
    assert task_of(new_f1).status == TracingTask.Status.CANCELLED
    assert f2.status == Contact.Status.CONFIRMED  # still an F2 of A through B

    actions.reinstate_case(actor=SYSTEM, case=case_b)
    f1.refresh_from_db()
    task_b.refresh_from_db()
    new_f1.refresh_from_db()
    assert f1.became_case == case_b
    assert task_b.status == TracingTask.Status.BECAME_CASE
    assert new_f1.status == Contact.Status.CONFIRMED
    assert task_of(new_f1).status == TracingTask.Status.OPEN


def test_discarding_closes_only_what_derived_from_the_case(world, scene):
    other = make_person(world.commune_a2, "Ca Cùng Nhà Hàng")
    check_in(other, scene["venue"], at(D, "11:00"), at(D, "11:40"))
    case = confirm_a(scene)
    second = confirm(other, onset_date=D)
    cluster = Cluster.objects.get()
    landmark = case.landmarks.get()
    actions.publish_landmark(actor=SYSTEM, landmark=landmark)
    only_a = actions.decide_proposal(actor=SYSTEM, case=case, person=scene["c"], confirm=True)
    shared = actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    actions.decide_proposal(actor=SYSTEM, case=second, person=scene["b"], confirm=True)
    assert shared.task == Contact.objects.get(case=second, person=scene["b"]).task

    actions.discard_case(actor=SYSTEM, case=case, reason="Trùng hồ sơ")
    only_a.refresh_from_db()
    shared.refresh_from_db()
    landmark.refresh_from_db()
    cluster.refresh_from_db()
    assert only_a.status == Contact.Status.CLOSED
    assert task_of(only_a).status == TracingTask.Status.CANCELLED
    assert task_of(shared).status == TracingTask.Status.OPEN  # still needed by the other case
    assert task_of(shared).case == second
    assert not landmark.is_published
    assert cluster.status == Cluster.Status.DISMISSED
    # The proposals of a discarded case still compute: the closed contacts (B, C) stay
    # decided, the other case met at the restaurant is still proposed.
    page = services.f1_candidates(case)
    assert (page.total, [p.person_id for p in page.items]) == (1, [other.pk])

    actions.reinstate_case(actor=SYSTEM, case=case)
    only_a.refresh_from_db()
    landmark.refresh_from_db()
    cluster.refresh_from_db()
    assert only_a.status == Contact.Status.CONFIRMED
    assert task_of(only_a).status == TracingTask.Status.OPEN
    assert landmark.is_published
    assert cluster.status == Cluster.Status.PROPOSED
    assert cluster.members.filter(removed_by_case__isnull=True).count() == 2


def test_discarding_needs_a_reason(world, scene):
    case = confirm_a(scene)
    with pytest.raises(ValidationError):
        actions.discard_case(actor=SYSTEM, case=case, reason="  ")
    with pytest.raises(OutOfScope):
        actions.discard_case(actor=world.user("district_b"), case=case, reason="x")


# --- contacts and tasks ---------------------------------------------------------------------


def test_a_confirmed_f1_in_another_district_is_that_communes_task(world, scene):
    case = confirm_a(scene, actor=world.user("district_a"))
    contact = actions.decide_proposal(
        actor=world.user("district_a"), case=case, person=scene["c"], confirm=True
    )
    task = task_of(contact)
    assert task.unit == world.commune_b
    assert task.notify_due_at - task.created_at == datetime.timedelta(hours=2)
    assert task.due_at - task.created_at == datetime.timedelta(hours=24)
    assert TracingTask.objects.restrict(world.user("commune_b")).filter(pk=task.pk).exists()
    assert TracingTask.objects.restrict(world.user("district_a")).filter(pk=task.pk).exists()
    assert not TracingTask.objects.restrict(world.user("commune_a2")).filter(pk=task.pk).exists()
    # Ka Long records progress; Hạ Long follows but cannot write it.
    actions.record_task_step(actor=world.user("commune_b"), task=task, step="notified")
    with pytest.raises(OutOfScope):
        actions.record_task_step(actor=world.user("district_a"), task=task, step="sampled")


def test_task_steps_finish_the_task_and_keep_the_first_time(world, scene):
    case = confirm_a(scene)
    task = task_of(
        actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    )
    first = timezone.now()
    actions.record_task_step(actor=SYSTEM, task=task, step="notified", at=first)
    actions.record_task_step(actor=SYSTEM, task=task, step="notified")
    task.refresh_from_db()
    assert task.notified_at == first
    with pytest.raises(ValidationError):
        actions.record_task_step(
            actor=SYSTEM, task=task, step="sampled", at=timezone.now() + datetime.timedelta(hours=1)
        )
    actions.record_task_step(
        actor=SYSTEM, task=task, step="quarantined", quarantine_place="Tại nhà"
    )
    assert (
        actions.record_contact_sampled(
            actor=world.user("lab_tech"),
            person=scene["b"],
            sampled_at=timezone.now(),
            lab_reference="XN-1",
        )
        == 1
    )
    task.refresh_from_db()
    assert task.status == TracingTask.Status.DONE
    assert task.lab_reference == "XN-1"
    hours = task.hours_to_notified
    assert hours is not None
    assert 0 <= hours < 1
    with pytest.raises(ValidationError):
        actions.record_task_step(actor=SYSTEM, task=task, step="sampled")


def test_overdue_tasks(world, scene):
    case = confirm_a(scene)
    task = task_of(
        actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    )
    assert not task.is_overdue()
    later = timezone.now() + datetime.timedelta(hours=3)
    assert task.is_overdue(later)
    assert list(TracingTask.objects.overdue(later)) == [task]
    actions.record_task_step(actor=SYSTEM, task=task, step="notified")
    task.refresh_from_db()
    assert not task.is_overdue(later)
    assert task.is_overdue(timezone.now() + datetime.timedelta(hours=25))


def test_interview_contacts_follow_the_f1_definition(world, scene):
    case = confirm_a(scene)
    start = at(D, "09:00")
    with pytest.raises(ValidationError) as exc:
        actions.add_contact(
            actor=SYSTEM,
            case=case,
            person=scene["c"],
            exposure_type="workplace",
            exposure_start=start,
            exposure_end=start + datetime.timedelta(minutes=10),
            within_2m=True,
            masked=True,
        )
    assert exc.value.messages == [
        "Tiếp xúc trong vòng 2 m có đeo khẩu trang là F1 khi kéo dài từ 15 phút."
    ]
    with pytest.raises(ValidationError):
        actions.add_contact(
            actor=SYSTEM, case=case, person=scene["c"], exposure_type="other", within_2m=False
        )
    contact = actions.add_contact(
        actor=SYSTEM,
        case=case,
        person=scene["c"],
        exposure_type="workplace",
        exposure_start=start,
        exposure_end=start + datetime.timedelta(minutes=10),
        within_2m=True,
        masked=False,
    )
    assert contact.status == Contact.Status.CONFIRMED
    assert task_of(contact).unit == world.commune_b
    with pytest.raises(ValidationError):
        actions.add_contact(actor=SYSTEM, case=case, person=scene["c"], exposure_type="care")


def test_dismissing_a_confirmed_contact_cancels_its_task(world, scene):
    case = confirm_a(scene)
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    task = task_of(contact)
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=False)
    task.refresh_from_db()
    assert contact.status == Contact.Status.DISMISSED
    assert task.status == TracingTask.Status.CANCELLED


def test_no_exposure_no_check_in_proposal(world, scene):
    case = confirm_a(scene)
    stranger = make_person(world.commune_a, "Người Lạ")
    with pytest.raises(ValidationError):
        actions.decide_proposal(actor=SYSTEM, case=case, person=stranger, confirm=True)


# --- landmarks ------------------------------------------------------------------------------


def test_interview_landmarks_publish_and_withdraw(world, scene):
    case = confirm_a(scene)
    lm = actions.add_landmark(
        actor=world.user("commune_a"),
        case=case,
        place="Đám cưới tại nhà văn hóa khu 3",
        unit=world.commune_a,
        start=at(day(-1), "17:00"),
        end=at(day(-1), "21:00"),
        reported_people=120,
    )
    assert lm.co_present is None
    with_venue = actions.add_landmark(
        actor=SYSTEM, case=case, venue=scene["venue"], start=at(D, "11:00"), end=at(D, "11:45")
    )
    assert with_venue.co_present == 2
    actions.publish_landmark(actor=SYSTEM, landmark=lm, public_note="Cổng phía đông")
    assert Landmark.objects.published().count() == 1
    with pytest.raises(ValidationError):
        actions.remove_landmark(actor=SYSTEM, landmark=lm)
    actions.withdraw_landmark(actor=SYSTEM, landmark=lm)
    actions.remove_landmark(actor=SYSTEM, landmark=lm)
    with pytest.raises(ValidationError):
        actions.add_landmark(actor=SYSTEM, case=case, start=at(D, "10:00"), end=at(D, "09:00"))


def test_changing_the_onset_rebuilds_the_landmarks(world, scene):
    check_in(scene["a"], scene["venue"], at(day(-25), "11:00"), at(day(-25), "12:00"))
    case = confirm_a(scene)
    assert case.landmarks.count() == 1
    actions.update_case(actor=SYSTEM, case=case, onset_date=day(-5))
    assert case.landmarks.count() == 2


# --- clusters -----------------------------------------------------------------------------------


def test_clusters_are_confirmed_and_close_only_after_the_quiet_days(world, scene):
    confirm_a(scene)
    confirm(scene["b"], onset_date=D)
    cluster = Cluster.objects.get()
    actions.confirm_cluster(
        actor=world.user("district_a"),
        cluster=cluster,
        name="Ổ dịch Nhà hàng Biển Xanh",
        unit=world.commune_a,
        containment_zone="Tổ 5, khu 3",
    )
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    with pytest.raises(ValidationError) as exc:
        actions.close_cluster(actor=SYSTEM, cluster=cluster)
    until = (TODAY + datetime.timedelta(days=28)).strftime("%d/%m/%Y")
    assert until in exc.value.messages[0]
    assert actions.close_quiet_clusters(actor=SYSTEM) == 0
    later = timezone.now() + datetime.timedelta(days=28)
    assert actions.close_quiet_clusters(actor=SYSTEM, now=later) == 1
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.CLOSED


def test_a_third_linked_case_joins_the_open_cluster(world, scene):
    confirm_a(scene)
    confirm(scene["b"], onset_date=D)
    confirm(scene["c"], onset_date=D)
    cluster = Cluster.objects.get()
    assert cluster.members.count() == 3


# --- rule sets ----------------------------------------------------------------------------------


def test_rule_set_versions(world, rules):
    params = TracingRules(
        infectious_days_before=3, confirming_bases=("pcr_positive",)
    ).as_parameters()
    with pytest.raises(OutOfScope):
        actions.publish_rule_set(
            actor=world.user("district_a"),
            code="x",
            name="x",
            valid_from=timezone.now(),
            parameters=params,
        )
    with pytest.raises(ValidationError):
        actions.publish_rule_set(
            actor=world.user("province_officer"),
            code="old",
            name="old",
            valid_from=at("2021-12-01"),
            parameters=params,
        )
    with pytest.raises(ValidationError) as exc:
        actions.publish_rule_set(
            actor=world.user("province_officer"),
            code="bad",
            name="bad",
            valid_from=timezone.now(),
            parameters={"infectious_days_before": "ba", "unknown_key": 1},
        )
    assert sorted(exc.value.messages) == [
        "Tham số “infectious_days_before” có giá trị không hợp lệ.",
        "Tham số “unknown_key” không tồn tại.",
    ]
    new = actions.publish_rule_set(
        actor=world.user("province_officer"),
        code="qn-2022",
        name="Quảng Ninh 2022",
        valid_from=timezone.now() + datetime.timedelta(days=1),
        parameters=params,
    )
    previous = RuleSet.objects.get(code="qn-2021-12-29")
    assert previous.valid_to == new.valid_from
    assert RuleSet.objects.in_force(timezone.now()) == previous
    assert RuleSet.objects.in_force(new.valid_from) == new


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"cluster_quiet_days": 1e400}, "Tham số “cluster_quiet_days” có giá trị không hợp lệ."),
        ({"f2_cap": float("inf")}, "Tham số “f2_cap” có giá trị không hợp lệ."),
        ({"indoor_weight": float("nan")}, "Tham số “indoor_weight” có giá trị không hợp lệ."),
        (
            {"kind_weights": {"default": float("-inf")}},
            "Tham số “kind_weights” có giá trị không hợp lệ.",
        ),
        (
            {"min_overlap_minutes": {"default": 2.5}},
            "Tham số “min_overlap_minutes” có giá trị không hợp lệ.",
        ),
        ({"epi_link_days": 10**30}, "Số ngày phải từ 1 đến 365."),
        ({"indoor_weight": 1e300}, "Trọng số phải là số dương, tối đa 1000."),
        ({"masked_min_minutes": -1}, "Thời gian trùng tối thiểu phải từ 0 đến 1440 phút."),
    ],
)
def test_rule_sets_refuse_numbers_that_are_not_finite_or_out_of_range(
    world, rules, parameters, message
):
    with pytest.raises(ValidationError) as exc:
        actions.publish_rule_set(
            actor=world.user("province_officer"),
            code="khong-hop-le",
            name="Không hợp lệ",
            valid_from=timezone.now() + datetime.timedelta(days=1),
            parameters=parameters,
        )
    assert exc.value.messages == [message]
    assert not RuleSet.objects.filter(code="khong-hop-le").exists()


# --- concurrency (PostgreSQL: real row locks) --------------------------------------------------


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)


def _in_threads(fn, n):
    barrier = threading.Barrier(n)
    results: list = []
    errors: list = []

    def run(i):
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(fn(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_get_distinct_numbers(world):
    load_default_rule_sets()
    persons = [make_person(world.commune_a, f"Người Đồng Thời {i}") for i in range(6)]
    results, errors = _in_threads(
        lambda i: (
            actions.confirm_case(
                actor=SYSTEM, person=persons[i], basis=Basis.PCR_POSITIVE, sample_date=D
            ).number
        ),
        6,
    )
    assert errors == []
    assert sorted(results) == [1, 2, 3, 4, 5, 6]


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_of_one_person_make_one_case(world):
    load_default_rule_sets()
    person = make_person(world.commune_a, "Người Bị Báo Hai Lần")
    results, errors = _in_threads(
        lambda i: (
            actions.confirm_case(
                actor=SYSTEM, person=person, basis=Basis.PCR_POSITIVE, sample_date=D
            ).pk
        ),
        4,
    )
    assert errors == []
    assert len(set(results)) == 1
    assert Case.objects.filter(person=person).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_f1_confirmations_make_one_task(world):
    load_default_rule_sets()
    venue = make_venue(world.commune_a, "Chợ Đồng Thời")
    f1 = make_person(world.commune_a, "F1 Của Hai Ca")
    persons = []
    for i in range(2):
        p = make_person(world.commune_a, f"Ca Đồng Thời {i}")
        check_in(p, venue, at(D, "08:00"), at(D, "09:00"))
        persons.append(p)
    check_in(f1, venue, at(D, "08:00"), at(D, "09:00"))
    cases = [confirm(p, onset_date=D) for p in persons]
    results, errors = _in_threads(
        lambda i: (
            actions.decide_proposal(actor=SYSTEM, case=cases[i], person=f1, confirm=True).task_id
        ),
        2,
    )
    assert errors == []
    assert len(set(results)) == 1
    assert TracingTask.objects.filter(person=f1, status="open").count() == 1


def test_a_contact_who_is_already_a_case_is_linked_without_a_task(world, scene):
    case_a = confirm_a(scene)
    case_b = confirm(scene["b"], onset_date=D)
    contact = actions.decide_proposal(actor=SYSTEM, case=case_a, person=scene["b"], confirm=True)
    assert contact.status == Contact.Status.CONFIRMED
    assert contact.became_case == case_b
    assert contact.task is None
    assert not TracingTask.objects.filter(person=scene["b"]).exists()
    assert not services.is_under_tracing_as_f1(scene["b"])


def test_an_f2_who_is_already_a_case_becomes_a_linked_f1_without_a_task(world, scene):
    """B is F1 of A; D, recorded as F2 through B, is a confirmed case of their own. When B
    becomes a case, D becomes B's F1 as a case: no tracing task, and B and D are linked into
    a cluster. If D's case turns out to be no case, D is traced like any F1."""
    cafe = make_venue(world.commune_a2, "Cà phê Cột Đồng Hồ", kind="restaurant")
    d = make_person(world.commune_a2, "Vũ Ca Riêng D")
    check_in(scene["b"], cafe, at(day(1), "08:00"), at(day(1), "09:00"))
    check_in(d, cafe, at(day(1), "08:00"), at(day(1), "09:00"))
    case_a = confirm_a(scene)
    f1 = actions.decide_proposal(actor=SYSTEM, case=case_a, person=scene["b"], confirm=True)
    actions.decide_f2(actor=SYSTEM, f1=f1, person=d, confirm=True)
    case_d = confirm(d, sample_date=day(3))
    Cluster.objects.all().delete()

    case_b = confirm(scene["b"], sample_date=day(2))
    regraded = Contact.objects.get(case=case_b, person=d)
    assert (regraded.degree, regraded.status, regraded.origin) == (1, "confirmed", "regraded")
    assert regraded.became_case == case_d
    assert regraded.task is None
    assert not TracingTask.objects.filter(person=d).exists()
    cluster = ClusterMember.objects.get(case=case_d).cluster
    assert set(cluster.members.values_list("case_id", flat=True)) >= {case_b.pk, case_d.pk}

    actions.discard_case(actor=SYSTEM, case=case_d, reason="RT-PCR âm tính")
    regraded.refresh_from_db()
    assert regraded.became_case is None
    task = task_of(regraded)
    assert (task.status, task.unit, task.case) == ("open", world.commune_a2, case_b)
