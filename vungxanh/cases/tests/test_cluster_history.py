"""A cluster's own history: discarding a case removes it from its clusters (a proposal left
with one case is dismissed) and reinstating the case puts everything back, each step an
event on the cluster; and officials add a case they know belongs from the cluster page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Cluster, ClusterMember
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core import audit
from vungxanh.core.models import AuditEvent

pytestmark = pytest.mark.django_db

D = timezone.localdate() - datetime.timedelta(days=4)


def members(cluster: Cluster) -> set[int]:
    return set(
        cluster.members.filter(removed_by_case__isnull=True).values_list("case_id", flat=True)
    )


def history(cluster: Cluster) -> list[AuditEvent]:
    return list(audit.events_for(cluster).order_by("pk"))


@pytest.fixture
def pair(world):
    """Two cases of Hạ Long at one market at the same time: a proposed cluster."""
    market = make_venue(world.commune_a, "Chợ Cột 3", kind="market")
    first = make_person(world.commune_a, "Ca Đầu Tiên")
    second = make_person(world.commune_a2, "Ca Thứ Hai")
    check_in(first, market, at(D, "07:00"), at(D, "08:00"))
    check_in(second, market, at(D, "07:30"), at(D, "08:30"))
    case_1 = confirm(first, onset_date=D)
    case_2 = confirm(second, onset_date=D)
    cluster = Cluster.objects.get()
    assert cluster.status == Cluster.Status.PROPOSED
    return {"cluster": cluster, "case_1": case_1, "case_2": case_2, "market": market}


def test_discarding_and_reinstating_a_case_are_events_on_the_cluster(world, pair):
    official = world.user("district_a")
    cluster, case_2 = pair["cluster"], pair["case_2"]
    seen = len(history(cluster))
    actions.discard_case(actor=official, case=case_2, reason="Dương tính giả")
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.DISMISSED
    removed, dismissed = history(cluster)[seen:]
    assert removed.verb == "remove_from_cluster"
    assert removed.actor == official
    assert removed.extra == {"case": str(case_2.public_id), "reason": "case_discarded"}
    assert dismissed.verb == "dismiss_cluster"
    assert dismissed.changes["status"] == {"before": "proposed", "after": "dismissed"}
    assert dismissed.extra["reason"] == "case_discarded"
    assert dismissed.unit_path == cluster.unit.path

    seen = len(history(cluster))
    actions.reinstate_case(actor=official, case=case_2)
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.PROPOSED
    assert members(cluster) == {pair["case_1"].pk, case_2.pk}
    restored, added = history(cluster)[seen:]
    assert restored.verb == "restore_cluster"
    assert restored.changes["status"] == {"before": "dismissed", "after": "proposed"}
    assert restored.extra == {"case": str(case_2.public_id), "reason": "case_reinstated"}
    assert added.verb == "add_to_cluster"
    assert added.extra == {"case": str(case_2.public_id), "reason": "case_reinstated"}


def test_a_case_leaving_an_active_cluster_is_recorded_and_the_cluster_stays(world, pair):
    official = world.user("district_a")
    cluster = pair["cluster"]
    actions.confirm_cluster(
        actor=official, cluster=cluster, name="Ổ dịch Chợ Cột 3", unit=world.district_a
    )
    seen = len(history(cluster))
    actions.discard_case(actor=official, case=pair["case_2"], reason="Trùng hồ sơ")
    cluster.refresh_from_db()
    assert cluster.status == Cluster.Status.ACTIVE
    assert [e.verb for e in history(cluster)[seen:]] == ["remove_from_cluster"]


# --- adding a case by hand ---------------------------------------------------------------


@pytest.fixture
def lone(world):
    """A confirmed case of Hạ Long that shares no place and no contact with the pair."""
    return confirm(make_person(world.commune_a2, "Ca Riêng Lẻ"), onset_date=D)


def page(client, cluster: Cluster) -> str:
    return client.get(f"/cases/clusters/{cluster.public_id}/").content.decode()


def test_an_official_adds_a_case_they_know_belongs(client_as, world, pair, lone):
    cluster = pair["cluster"]
    client = client_as("district_a")
    assert "Thêm vào ổ dịch" in page(client, cluster)
    response = client.post(
        f"/cases/clusters/{cluster.public_id}/add-case/",
        {"add-case": f"bn{lone.number}", "add-note": "Dự cùng đám cưới (phỏng vấn)"},
        follow=True,
    )
    html = response.content.decode()
    assert f"BN{lone.number} đã thuộc ổ dịch." in html
    assert f">BN{lone.number}</a>" in html
    assert "Do cán bộ bổ sung" in html
    member = ClusterMember.objects.get(cluster=cluster, case=lone)
    assert member.link == ClusterMember.Link.MANUAL
    assert members(cluster) == {pair["case_1"].pk, pair["case_2"].pk, lone.pk}
    event = history(cluster)[-1]
    assert event.verb == "add_to_cluster"
    assert event.actor == world.user("district_a")
    assert event.extra == {
        "case": str(lone.public_id),
        "link": "manual",
        "note": "Dự cùng đám cưới (phỏng vấn)",
    }
    # Adding it again changes nothing.
    client.post(f"/cases/clusters/{cluster.public_id}/add-case/", {"add-case": str(lone.number)})
    assert ClusterMember.objects.filter(case=lone).count() == 1
    assert history(cluster)[-1].pk == event.pk


def test_bad_or_unknown_numbers_get_a_message(client_as, world, pair, lone):
    cluster = pair["cluster"]
    client = client_as("district_a")
    url = f"/cases/clusters/{cluster.public_id}/add-case/"
    html = client.post(url, {"add-case": "ca số ba"}, follow=True).content.decode()
    assert "Hãy nhập số ca bệnh, ví dụ BN12." in html
    html = client.post(url, {"add-case": ""}, follow=True).content.decode()
    assert "Trường này là bắt buộc." in html
    for odd in ("BN", "bn-1", "1e3", "9" * 10, "x" * 500, "BN\u0663", "\U0001f600"):
        response = client.post(url, {"add-case": odd, "add-note": odd * 10})
        assert response.status_code == 302, odd
    assert members(cluster) == {pair["case_1"].pk, pair["case_2"].pk}
    # A Móng Cái case is answered exactly like a number that does not exist.
    far = confirm(make_person(world.commune_b, "Ca Móng Cái"), onset_date=D)
    for number in (far.number, 999_999_999):
        html = client.post(url, {"add-case": f"BN{number}"}, follow=True).content.decode()
        assert f"Không có ca BN{number} trong các ca bệnh bạn được xem." in html
    # A discarded case, and a case already in another open cluster, are refused.
    actions.discard_case(actor=world.user("district_a"), case=lone, reason="Dương tính giả")
    html = client.post(url, {"add-case": f"BN{lone.number}"}, follow=True).content.decode()
    assert "Chỉ ca bệnh đã xác định mới thuộc ổ dịch." in html
    assert members(cluster) == {pair["case_1"].pk, pair["case_2"].pk}


def test_a_case_belongs_to_one_open_cluster(client_as, world, pair):
    market = make_venue(world.commune_a2, "Chợ Hà Phong", kind="market")
    x, y = make_person(world.commune_a2, "Ca X"), make_person(world.commune_a2, "Ca Y")
    check_in(x, market, at(D, "09:00"), at(D, "10:00"))
    check_in(y, market, at(D, "09:00"), at(D, "10:00"))
    case_x = confirm(x, onset_date=D)
    confirm(y, onset_date=D)
    assert Cluster.objects.count() == 2
    response = client_as("district_a").post(
        f"/cases/clusters/{pair['cluster'].public_id}/add-case/",
        {"add-case": f"BN{case_x.number}"},
        follow=True,
    )
    assert "Ca bệnh này đã thuộc một ổ dịch khác đang mở." in response.content.decode()
    assert not ClusterMember.objects.filter(cluster=pair["cluster"], case=case_x).exists()


def test_closed_clusters_and_other_areas_cannot_add(client_as, world, pair, lone):
    cluster = pair["cluster"]
    url = f"/cases/clusters/{cluster.public_id}/add-case/"
    for persona in ("district_b", "commune_b"):
        assert client_as(persona).post(url, {"add-case": str(lone.number)}).status_code == 404
    # The commune sees the cluster of its cases, but may not change it.
    commune = client_as("commune_a")
    assert "Thêm vào ổ dịch" not in page(commune, cluster)
    assert commune.post(url, {"add-case": str(lone.number)}).status_code == 404
    actions.dismiss_cluster(actor=world.user("district_a"), cluster=cluster)
    client = client_as("district_a")
    assert "Thêm vào ổ dịch" not in page(client, cluster)
    html = client.post(url, {"add-case": str(lone.number)}, follow=True).content.decode()
    assert "Ổ dịch này đã đóng." in html
    assert not ClusterMember.objects.filter(case=lone).exists()


def test_a_case_from_another_district_widens_a_proposal(client_as, world, pair):
    far = confirm(make_person(world.commune_b, "Ca Móng Cái"), onset_date=D)
    cluster = pair["cluster"]
    assert client_as("district_b").get(f"/cases/clusters/{cluster.public_id}/").status_code == 404
    client_as("province_admin").post(
        f"/cases/clusters/{cluster.public_id}/add-case/", {"add-case": f"BN{far.number}"}
    )
    cluster.refresh_from_db()
    assert cluster.unit == world.province
    assert client_as("district_b").get(f"/cases/clusters/{cluster.public_id}/").status_code == 200
