"""Clusters follow every link between confirmed cases, not only the one seen at
confirmation: a contact recorded between two cases (proposal decision, interview contact,
contact registered from the interview), an interview landmark at a place another case
visited at the same time, landmarks rebuilt from late check-ins or changed dates. A case
that joins a cluster makes it visible to its own district."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Cluster, ClusterMember, TracingTask
from vungxanh.cases.tests.factories import (
    at,
    check_in,
    confirm,
    make_household,
    make_person,
    make_venue,
)
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit

TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=5)


def day(offset: int) -> datetime.date:
    return D + datetime.timedelta(days=offset)


def members(cluster: Cluster) -> set[int]:
    return set(
        cluster.members.filter(removed_by_case__isnull=True).values_list("case_id", flat=True)
    )


@pytest.fixture
def apart(world):
    """Two confirmed cases of Hạ Long who never shared a place: no cluster yet."""
    a, b = make_household(world.commune_a, "Nguyễn Chủ Hộ", "Nguyễn Con")
    case_a = confirm(a, onset_date=D)
    case_b = confirm(b, onset_date=day(1))
    assert not Cluster.objects.exists()
    return {"a": a, "b": b, "case_a": case_a, "case_b": case_b}


def test_a_household_contact_decided_between_two_cases_proposes_a_cluster(world, apart):
    contact = actions.decide_proposal(
        actor=world.user("district_a"), case=apart["case_a"], person=apart["b"], confirm=True
    )
    assert contact.became_case == apart["case_b"]
    cluster = Cluster.objects.get()
    assert cluster.status == Cluster.Status.PROPOSED
    assert members(cluster) == {apart["case_a"].pk, apart["case_b"].pk}
    assert set(cluster.members.values_list("link", flat=True)) == {ClusterMember.Link.CONTACT}
    assert cluster.last_case_date == TODAY
    assert AuditEvent.objects.filter(verb="propose_cluster").count() == 1
    # Deciding again changes nothing.
    actions.decide_proposal(actor=SYSTEM, case=apart["case_a"], person=apart["b"], confirm=True)
    assert Cluster.objects.count() == 1


def test_an_interview_contact_who_is_a_case_joins_the_cluster_without_a_task(world, apart):
    # A and B are clustered; C, confirmed on their own in Hà Phong, is named in A's interview.
    actions.decide_proposal(actor=SYSTEM, case=apart["case_a"], person=apart["b"], confirm=True)
    c = make_person(world.commune_a2, "Đinh Đồng Nghiệp")
    case_c = confirm(c, onset_date=day(2))
    assert Cluster.objects.count() == 1
    contact = actions.add_contact(
        actor=world.user("district_a"),
        case=apart["case_a"],
        person=c,
        exposure_type="workplace",
        within_2m=True,
        masked=False,
    )
    assert contact.became_case == case_c
    assert contact.task is None
    assert not TracingTask.objects.filter(person=c).exists()
    cluster = Cluster.objects.get()
    assert members(cluster) == {apart["case_a"].pk, apart["case_b"].pk, case_c.pk}
    member = cluster.members.get(case=case_c)
    assert (member.link, member.linked_case) == (ClusterMember.Link.CONTACT, apart["case_a"])


def test_a_contact_registered_from_the_interview_links_the_cases(world, apart):
    c = make_person(world.commune_a2, "Đoàn Bạn Cũ", birth_year=1990)
    c.phone = "+84912345678"
    c.save(update_fields=["phone"])
    case_c = confirm(c, onset_date=day(2))
    contact, created = actions.add_interview_contact(
        actor=world.user("district_a"),
        case=apart["case_b"],
        identity=actions.NewContactPerson(
            full_name="Đoàn Bạn Cũ", birth_year=1990, phone="0912 345 678"
        ),
        exposure_type="other",
        within_2m=True,
        masked=False,
    )
    assert not created
    assert contact.person == c
    assert contact.became_case == case_c
    assert members(Cluster.objects.get()) == {apart["case_b"].pk, case_c.pk}


def test_an_interview_landmark_at_a_place_another_case_visited_proposes_a_cluster(world):
    venue = make_venue(world.commune_a2, "Karaoke Hà Phong", kind="restaurant")
    b = make_person(world.commune_a2, "Khách Karaoke")
    check_in(b, venue, at(day(1), "20:00"), at(day(1), "22:00"))
    case_b = confirm(b, onset_date=day(2))
    case_a = confirm(make_person(world.commune_a, "Người Không Quét Mã"), onset_date=day(2))
    assert not Cluster.objects.exists()
    # Not at the same time: no link.
    actions.add_landmark(
        actor=SYSTEM, case=case_a, venue=venue, start=at(day(0), "20:00"), end=at(day(0), "22:00")
    )
    assert not Cluster.objects.exists()
    # A free-text place is no link either.
    actions.add_landmark(
        actor=SYSTEM,
        case=case_a,
        place="Karaoke Hà Phong",
        start=at(day(1), "20:00"),
        end=at(day(1), "22:00"),
    )
    assert not Cluster.objects.exists()
    actions.add_landmark(
        actor=world.user("district_a"),
        case=case_a,
        venue=venue,
        start=at(day(1), "21:00"),
        end=at(day(1), "23:00"),
    )
    cluster = Cluster.objects.get()
    assert members(cluster) == {case_a.pk, case_b.pk}
    assert cluster.name == "Ổ dịch tại Karaoke Hà Phong"
    assert cluster.members.get(case=case_a).venue == venue


def test_landmarks_rebuilt_from_late_check_ins_propose_a_cluster(world):
    venue = make_venue(world.commune_a, "Siêu thị Hạ Long")
    a = make_person(world.commune_a, "Người Tải Lên Muộn")
    b = make_person(world.commune_a, "Người Quét Đúng Giờ")
    check_in(b, venue, at(day(1), "09:00"), at(day(1), "10:00"))
    case_a = confirm(a, onset_date=day(2))
    case_b = confirm(b, onset_date=day(2))
    assert not Cluster.objects.exists()
    check_in(a, venue, at(day(1), "09:30"), at(day(1), "10:30"))  # uploaded late
    counts = actions.refresh_landmarks(actor=world.user("district_a"), case=case_a)
    assert counts["added"] == 1
    assert members(Cluster.objects.get()) == {case_a.pk, case_b.pk}


def test_landmarks_rebuilt_for_a_corrected_onset_propose_a_cluster(world):
    venue = make_venue(world.commune_a, "Chợ Cột Ba")
    a = make_person(world.commune_a, "Người Sửa Ngày")
    b = make_person(world.commune_a, "Người Bán Hàng")
    check_in(a, venue, at(day(-30), "07:00"), at(day(-30), "08:00"))
    check_in(b, venue, at(day(-30), "07:00"), at(day(-30), "08:00"))
    case_b = confirm(b, onset_date=day(-29))
    case_a = confirm(a, onset_date=D)  # the market visit is before its landmark window
    assert not Cluster.objects.exists()
    actions.update_case(actor=SYSTEM, case=case_a, onset_date=day(-29))
    assert members(Cluster.objects.get()) == {case_a.pk, case_b.pk}


def test_a_case_already_in_a_cluster_brings_in_a_newly_linked_case(world, apart):
    """A and B are clustered; C (no cluster) turns out to have met A: C joins A's cluster
    rather than a second cluster being proposed for A and C."""
    actions.decide_proposal(actor=SYSTEM, case=apart["case_a"], person=apart["b"], confirm=True)
    venue = make_venue(world.commune_a, "Phòng Gym Hạ Long", kind="office")
    c = make_person(world.commune_a, "Người Tập Gym")
    check_in(c, venue, at(day(0), "17:00"), at(day(0), "18:00"))
    case_c = confirm(c, onset_date=day(1))
    actions.add_landmark(
        actor=SYSTEM,
        case=apart["case_a"],
        venue=venue,
        start=at(day(0), "17:00"),
        end=at(day(0), "18:00"),
    )
    cluster = Cluster.objects.get()
    assert members(cluster) == {apart["case_a"].pk, apart["case_b"].pk, case_c.pk}
    assert cluster.members.get(case=case_c).linked_case == apart["case_a"]


def test_a_case_of_another_district_that_joins_a_cluster_can_open_it(client_as, world):
    """An active cluster of Hạ Long keeps its unit when a Móng Cái case joins; Móng Cái
    opens it and sees its own case, and nothing of Hạ Long's cases but that they exist."""
    venue = make_venue(world.commune_a, "Nhà hàng Hồng Gai", kind="restaurant")
    a1 = make_person(world.commune_a, "Hồ Thị Hạ Long Một")
    a2 = make_person(world.commune_a, "Hồ Văn Hạ Long Hai")
    check_in(a1, venue, at(day(0), "11:00"), at(day(0), "12:00"))
    check_in(a2, venue, at(day(0), "11:00"), at(day(0), "12:00"))
    case_a1 = confirm(a1, onset_date=day(-3))
    case_a2 = confirm(a2, onset_date=day(-3))
    cluster = Cluster.objects.get()
    actions.confirm_cluster(
        actor=world.user("district_a"),
        cluster=cluster,
        name="Ổ dịch Hồng Gai",
        unit=world.commune_a,
    )
    b = make_person(world.commune_b, "Vương Móng Cái")
    case_b = confirm(b, onset_date=day(2), actor=world.user("district_b"))
    assert members(cluster) == {case_a1.pk, case_a2.pk}
    # The interview of B names the restaurant, at lunch with them.
    actions.add_landmark(
        actor=world.user("district_b"),
        case=case_b,
        venue=venue,
        start=at(day(0), "11:30"),
        end=at(day(0), "12:30"),
    )
    cluster.refresh_from_db()
    assert members(cluster) == {case_a1.pk, case_a2.pk, case_b.pk}
    assert cluster.unit == world.commune_a  # the official's choice stays
    assert cluster.last_case_date == TODAY

    client = client_as("district_b")
    assert str(cluster.public_id) in client.get("/cases/clusters/").content.decode()
    page = client.get(f"/cases/clusters/{cluster.public_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert str(case_b) in text
    assert f"/cases/{case_b.public_id}/" in text
    assert text.count("một ca bệnh ở địa bàn khác") >= 2
    for hidden in (case_a1, case_a2):
        assert f"/cases/{hidden.public_id}/" not in text
        assert f">{hidden}<" not in text
    assert day(-3).strftime("%d/%m/%Y") not in text  # Hạ Long's onset dates
    assert "Hồ Thị Hạ Long Một" not in text
    data = json.loads(client.get(f"/cases/clusters/{cluster.public_id}/chain.json").content)
    cases = [e["data"] for e in data["elements"] if e["data"].get("kind") == "case"]
    assert sorted(c["label"] for c in cases) == ["?", "?", str(case_b)]
    assert all(c["date"] == "" and c["url"] == "" for c in cases if c["label"] == "?")
    visits = [e["data"] for e in data["elements"] if e["data"].get("kind") == "visit"]
    assert {v["label"] for v in visits if v["source"] != f"c{case_b.pk}"} == {""}
    # Seeing is not managing: the cluster stays Hạ Long's to edit and close.
    edit = client.post(
        f"/cases/clusters/{cluster.public_id}/edit/",
        {"name": "Đổi tên", "unit": world.commune_b.pk, "containment_zone": ""},
    )
    assert edit.status_code == 404
    cluster.refresh_from_db()
    assert cluster.name == "Ổ dịch Hồng Gai"
    # Hà Phong, with no case in it, still sees nothing.
    assert client_as("commune_a2").get(f"/cases/clusters/{cluster.public_id}/").status_code == 404


def test_a_proposal_widens_to_the_common_unit_when_another_district_joins(world):
    venue = make_venue(world.commune_a, "Bến xe Bãi Cháy", kind="vehicle")
    a1 = make_person(world.commune_a, "Hành Khách Một")
    a2 = make_person(world.commune_a, "Hành Khách Hai")
    b = make_person(world.commune_b, "Hành Khách Móng Cái")
    for person in (a1, a2, b):
        check_in(person, venue, at(day(0), "06:00"), at(day(0), "07:00"))
    confirm(a1, onset_date=day(1))
    confirm(a2, onset_date=day(1))
    cluster = Cluster.objects.get()
    assert cluster.unit == world.commune_a
    confirm(b, onset_date=day(1))
    cluster.refresh_from_db()
    assert len(members(cluster)) == 3
    assert cluster.unit == AdminUnit.objects.get(path=world.district_a.parent.path)
    event = AuditEvent.objects.filter(verb="add_to_cluster").latest("pk")
    assert event.changes["unit"] == {"before": world.commune_a.pk, "after": cluster.unit_id}
    for persona in ("district_a", "district_b"):
        assert Cluster.objects.restrict(world.user(persona)).filter(pk=cluster.pk).exists()
