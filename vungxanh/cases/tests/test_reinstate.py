"""Reinstating a discarded case puts back what discarding changed: a tracing task that went
on under another case of the same F1 comes back to it; a task cancelled meanwhile for a
reason of another case reopens; what cannot come back is explained on the page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Contact, TracingTask
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM

TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def shared(world):
    """Cases A and B at one restaurant with F1 Chung, confirmed for both (one task, of A)."""
    load_default_rule_sets()
    venue = make_venue(world.commune_a, "Nhà hàng Hai Ca", kind="restaurant")
    a = make_person(world.commune_a, "Ca Thứ Nhất")
    b = make_person(world.commune_a2, "Ca Thứ Hai")
    f1 = make_person(world.commune_a, "Chung F Một")
    for person in (a, b, f1):
        check_in(person, venue, at(D, "11:00"), at(D, "12:00"))
    case_a = confirm(a, onset_date=D)
    case_b = confirm(b, onset_date=D)
    contact_a = actions.decide_proposal(actor=SYSTEM, case=case_a, person=f1, confirm=True)
    contact_b = actions.decide_proposal(actor=SYSTEM, case=case_b, person=f1, confirm=True)
    task = contact_a.task
    assert task is not None
    assert task == contact_b.task
    assert task.case == case_a
    return {"a": case_a, "b": case_b, "f1": f1, "task": task, "ca": contact_a, "cb": contact_b}


def test_a_task_moved_to_another_case_comes_back_on_reinstating(world, shared):
    task = shared["task"]
    actions.discard_case(actor=SYSTEM, case=shared["a"], reason="Trùng hồ sơ")
    task.refresh_from_db()
    assert (task.status, task.case, task.repointed_from) == ("open", shared["b"], shared["a"])

    actions.reinstate_case(actor=SYSTEM, case=shared["a"])
    task.refresh_from_db()
    assert (task.status, task.case, task.repointed_from) == ("open", shared["a"], None)
    assert TracingTask.objects.filter(person=shared["f1"]).count() == 1
    moves = AuditEvent.objects.filter(verb="repoint_task", target_id=str(task.public_id))
    assert [e.extra["reason"] for e in moves.order_by("pk")] == [
        "case_discarded",
        "case_reinstated",
    ]


def test_a_task_cancelled_with_the_second_case_reopens_for_the_reinstated_one(world, shared):
    task = shared["task"]
    actions.discard_case(actor=SYSTEM, case=shared["a"], reason="Trùng hồ sơ")
    actions.discard_case(actor=SYSTEM, case=shared["b"], reason="Âm tính khi xét nghiệm lại")
    task.refresh_from_db()
    assert task.status == TracingTask.Status.CANCELLED
    assert task.closed_by_case == shared["b"]

    actions.reinstate_case(actor=SYSTEM, case=shared["a"])
    task.refresh_from_db()
    shared["ca"].refresh_from_db()
    assert shared["ca"].status == Contact.Status.CONFIRMED
    assert (task.status, task.case, task.closed_by_case) == ("open", shared["a"], None)

    # Reinstating B later: B's F1 is traced by the same open task, not a second one.
    actions.reinstate_case(actor=SYSTEM, case=shared["b"])
    shared["cb"].refresh_from_db()
    assert shared["cb"].status == Contact.Status.CONFIRMED
    assert shared["cb"].task == task
    assert TracingTask.objects.filter(person=shared["f1"], status="open").count() == 1


def test_a_task_cancelled_by_a_dismissal_meanwhile_reopens(world, shared):
    task = shared["task"]
    actions.discard_case(actor=SYSTEM, case=shared["a"], reason="Trùng hồ sơ")
    actions.decide_proposal(actor=SYSTEM, case=shared["b"], person=shared["f1"], confirm=False)
    task.refresh_from_db()
    assert task.status == TracingTask.Status.CANCELLED

    actions.reinstate_case(actor=SYSTEM, case=shared["a"])
    task.refresh_from_db()
    assert (task.status, task.case) == ("open", shared["a"])


def test_the_page_explains_a_task_completed_meanwhile(client_as, world, shared):
    task = shared["task"]
    actions.discard_case(actor=SYSTEM, case=shared["a"], reason="Trùng hồ sơ")
    for step in ("notified", "quarantined", "sampled"):
        actions.record_task_step(actor=world.user("commune_a"), task=task, step=step)
    task.refresh_from_db()
    assert task.status == TracingTask.Status.DONE

    client = client_as("district_a")
    response = client.post(f"/cases/{shared['a'].public_id}/reinstate/", follow=True)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Đã khôi phục ca bệnh." in text
    assert "Nhiệm vụ truy vết của Chung F Một đã hoàn thành trong thời gian đó" in text
    task.refresh_from_db()
    assert (task.status, task.case) == ("done", shared["a"])


def test_the_page_says_which_case_traces_an_f1_whose_task_belongs_to_another(
    client_as, world, shared
):
    # C's own case opened a task for the F1 while A was discarded and its task cancelled.
    venue = make_venue(world.commune_a, "Chợ Thứ Ba")
    c = make_person(world.commune_a, "Ca Thứ Ba")
    check_in(c, venue, at(D, "15:00"), at(D, "16:00"))
    check_in(shared["f1"], venue, at(D, "15:00"), at(D, "16:00"))
    actions.discard_case(actor=SYSTEM, case=shared["a"], reason="Trùng hồ sơ")
    actions.discard_case(actor=SYSTEM, case=shared["b"], reason="Trùng hồ sơ")
    case_c = confirm(c, onset_date=D)
    newer = actions.decide_proposal(actor=SYSTEM, case=case_c, person=shared["f1"], confirm=True)
    assert newer.task is not None
    assert newer.task.status == "open"

    client = client_as("district_a")
    response = client.post(f"/cases/{shared['a'].public_id}/reinstate/", follow=True)
    text = response.content.decode()
    assert f"Chung F Một đã được theo dõi bởi nhiệm vụ đang mở của ca {case_c}" in text
    shared["ca"].refresh_from_db()
    assert shared["ca"].task == newer.task
    assert f"nhiệm vụ của {case_c}" in text  # in the F1 table
    assert TracingTask.objects.filter(person=shared["f1"], status="open").count() == 1
