"""Confirming the N strongest F1 proposals at once from the case page: each one an audited
decision, nothing recorded twice when two officials do it together."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Contact, TracingTask
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM

TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=3)


def build_scene(world):
    """Case A at a restaurant; B 60 min, C 40 min, E 20 min with them (strongest first)."""
    load_default_rule_sets()
    venue = make_venue(world.commune_a, "Nhà hàng Đông Khách", kind="restaurant")
    a = make_person(world.commune_a, "Ca Chỉ Điểm")
    check_in(a, venue, at(D, "11:00"), at(D, "12:00"))
    people = {}
    for name, start in (
        ("Bảy Mươi Phút", "11:00"),
        ("Bốn Mươi Phút", "11:20"),
        ("Hai Mươi", "11:40"),
    ):
        person = make_person(world.commune_a, name)
        check_in(person, venue, at(D, start), at(D, "12:00"))
        people[name] = person
    case = confirm(a, onset_date=D)
    return case, list(people.values())


@pytest.fixture
def scene(world):
    return build_scene(world)


def text(response) -> str:
    return response.content.decode()


def shown_ids(page: str) -> str:
    marker = 'name="shown" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_the_strongest_proposals_are_confirmed_from_the_case_page(client_as, world, scene):
    case, (b, c, e) = scene
    client = client_as("district_a")
    page = text(client.get(f"/cases/{case.public_id}/"))
    assert "đề xuất mạnh nhất trong 3 đề xuất đang hiển thị" in page
    shown = shown_ids(page)
    assert shown.split(",") == [str(b.public_id), str(c.public_id), str(e.public_id)]

    response = client.post(
        f"/cases/{case.public_id}/proposals/confirm-top/", {"n": "2", "shown": shown}, follow=True
    )
    assert response.status_code == 200
    assert "Đã xác nhận 2 F1; xã/phường nơi họ sống đã có nhiệm vụ truy vết." in text(response)
    confirmed = Contact.objects.filter(case=case, status="confirmed")
    assert {x.person for x in confirmed} == {b, c}
    assert TracingTask.objects.filter(person__in=[b, c], status="open").count() == 2
    assert not Contact.objects.filter(person=e).exists()
    assert (
        AuditEvent.objects.filter(verb="confirm_contact", target_id=str(case.public_id)).count()
        == 2
    )
    bulk = AuditEvent.objects.get(verb="confirm_proposals")
    assert sorted(bulk.extra["confirmed"]) == sorted([b.pk, c.pk])


def test_a_second_submit_records_nothing_twice(client_as, world, scene):
    case, (b, c, e) = scene
    shown = ",".join(str(p.public_id) for p in (b, c, e))
    first = client_as("district_a")
    first.post(f"/cases/{case.public_id}/proposals/confirm-top/", {"n": "2", "shown": shown})
    # Another official, with the same page open, confirms the same two.
    second = client_as("commune_a")
    response = second.post(
        f"/cases/{case.public_id}/proposals/confirm-top/", {"n": "2", "shown": shown}, follow=True
    )
    page = text(response)
    assert "Đã được quyết định trong lúc đó, giữ nguyên: Bảy Mươi Phút, Bốn Mươi Phút." in page
    assert Contact.objects.filter(case=case).count() == 2  # E, third, was not taken instead
    assert TracingTask.objects.filter(person__in=[b, c]).count() == 2


def test_a_proposal_dismissed_meanwhile_stays_dismissed_and_bad_ones_are_named(
    client_as, world, scene
):
    case, (b, c, e) = scene
    actions.decide_proposal(actor=SYSTEM, case=case, person=c, confirm=False)
    stranger = make_person(world.commune_a, "Không Ở Đó")
    shown = ",".join(str(p.public_id) for p in (b, c, stranger, e))
    response = client_as("district_a").post(
        f"/cases/{case.public_id}/proposals/confirm-top/", {"n": "4", "shown": shown}, follow=True
    )
    page = text(response)
    assert Contact.objects.get(case=case, person=c).status == "dismissed"
    assert set(
        Contact.objects.filter(case=case, status="confirmed").values_list("person", flat=True)
    ) == {b.pk, e.pk}
    assert "Không Ở Đó: Không tìm thấy lần tiếp xúc nào của người này với ca bệnh" in page
    assert not Contact.objects.filter(person=stranger).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"n": "0", "shown": ""},
        {"n": "abc", "shown": "x"},
        {"n": "2", "shown": "not-a-uuid,also-not"},
        {"n": "99999999999999999999", "shown": "x" * 50_000},
        {"n": "2", "shown": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_bad_input_is_answered_with_a_message(client_as, world, scene, data):
    case, _people = scene
    response = client_as("district_a").post(
        f"/cases/{case.public_id}/proposals/confirm-top/", data, follow=True
    )
    assert response.status_code == 200
    assert not Contact.objects.filter(case=case).exists()


def test_other_districts_get_404(client_as, world, scene):
    case, (b, _c, _e) = scene
    response = client_as("district_b").post(
        f"/cases/{case.public_id}/proposals/confirm-top/", {"n": "1", "shown": str(b.public_id)}
    )
    assert response.status_code == 404
    assert not Contact.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officials_confirming_together_make_one_contact_and_one_task_each(world):
    case, people = build_scene(world)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []
    results: list[actions.BulkDecision] = []

    def run(actor_name: str) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(
                actions.confirm_proposals(actor=world.user(actor_name), case=case, persons=people)
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("district_a", "commune_a")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r.confirmed) for r in results) == [0, 3]
    assert sorted(len(r.already) for r in results) == [0, 3]
    for person in people:
        assert Contact.objects.filter(case=case, person=person).count() == 1
        assert TracingTask.objects.filter(person=person).count() == 1
    assert AuditEvent.objects.filter(verb="confirm_contact").count() == 3
