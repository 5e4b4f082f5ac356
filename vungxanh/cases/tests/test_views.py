"""The case pages, the task board, clusters, the public landmark list and the API: what each
official sees (and does not see), bad input, htmx fragments, query counts."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Case, Cluster, Contact, RuleSet, TracingTask
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM, OutOfScope


def task_of(contact: Contact) -> TracingTask:
    assert contact.task is not None
    return contact.task


TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def scene(world):
    load_default_rule_sets()
    a = make_person(world.commune_a, "Đỗ Thị Ca")
    b = make_person(world.commune_a, "Bùi Văn Bàn Bên")
    c = make_person(world.commune_b, "Hà Văn Móng Cái")
    venue = make_venue(world.commune_a, "Quán Bia Hơi Hạ Long", kind="restaurant")
    check_in(a, venue, at(D, "18:00"), at(D, "20:00"))
    check_in(b, venue, at(D, "18:00"), at(D, "19:30"))
    check_in(c, venue, at(D, "19:00"), at(D, "20:00"))
    return {"a": a, "b": b, "c": c, "venue": venue}


def body(response) -> str:
    return response.content.decode()


def test_registering_a_case_in_the_browser_form(client_as, world, scene):
    client = client_as("district_a")
    page = client.get("/cases/new/")
    assert "Ghi nhận ca bệnh" in body(page)
    results = client.get("/cases/people/search/", {"person_q": "do thi ca"})
    assert str(scene["a"].public_id) in body(results)
    response = client.post(
        "/cases/new/",
        {
            "person": str(scene["a"].public_id),
            "classification": "confirmed",
            "basis": "pcr_positive",
            "onset_date": D.isoformat(),
            "isolated_at": f"{(D + datetime.timedelta(days=1)).isoformat()}T08:00",
        },
    )
    case = Case.objects.get(person=scene["a"])
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.public_id}/"
    detail = body(client.get(response["Location"]))
    assert "BN1" in detail
    assert "Quán Bia Hơi Hạ Long" in detail  # the landmark
    # Proposals, strongest first: 90 min indoor restaurant before 60 min.
    assert detail.index("Bùi Văn Bàn Bên") < detail.index("Hà Văn Móng Cái")
    assert "Xác nhận F1" in detail
    assert AuditEvent.objects.filter(verb="view", target_id=str(case.public_id)).exists()
    assert AuditEvent.objects.filter(verb="view_proposals").exists()


def test_bad_input_gets_messages_not_errors(client_as, world, scene):
    client = client_as("district_a")
    response = client.post("/cases/new/", {"classification": "confirmed", "basis": "pcr_positive"})
    assert response.status_code == 200
    text = body(response)
    assert "Hãy chọn người từ kết quả tìm kiếm" in text
    assert "Hãy nhập ngày lấy mẫu dương tính hoặc ngày khởi phát triệu chứng." in text
    response = client.post(
        "/cases/new/",
        {
            "person": "not-a-uuid",
            "identifier": "012345678901",
            "classification": "confirmed",
            "basis": "rapid_positive",
            "sample_date": "31/02/2021",
        },
    )
    assert response.status_code == 200
    assert not Case.objects.exists()
    response = client.post(
        "/cases/new/",
        {
            "person": str(scene["a"].public_id),
            "classification": "confirmed",
            "basis": "rapid_positive",
            "sample_date": D.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "không đủ để xác định ca bệnh" in body(response)


def test_english_is_one_click_away(client_as, world, scene):
    client = client_as("district_a")
    client.cookies["vungxanh_language"] = "en"
    assert "Register a case" in body(client.get("/cases/new/"))


def test_show_more_and_decisions_with_htmx(client_as, world, scene):
    case = confirm(
        scene["a"], onset_date=D, isolated_at=at(D + datetime.timedelta(days=1), "08:00")
    )
    for i in range(30):
        check_in(
            make_person(world.commune_a2, f"Khách Quán Số {i}"), scene["venue"], at(D, "19:45")
        )
    client = client_as("district_a")
    detail = body(client.get(f"/cases/{case.public_id}/"))
    assert detail.count('class="proposal"') == 25
    assert "Xem thêm (đã hiện 25 trên 32)" in detail
    more = client.get(f"/cases/{case.public_id}/proposals/?offset=25", HTTP_HX_REQUEST="true")
    assert body(more).count('class="proposal"') == 7
    assert "Xem thêm" not in body(more)
    assert "<html" not in body(more)
    decided = client.post(
        f"/cases/{case.public_id}/proposals/decide/",
        {"person": str(scene["c"].public_id), "decision": "confirm"},
        HTTP_HX_REQUEST="true",
    )
    assert "giao nhiệm vụ cho Phường Ka Long" in body(decided)
    assert TracingTask.objects.get(person=scene["c"]).unit == world.commune_b
    bad = client.post(
        f"/cases/{case.public_id}/proposals/decide/",
        {
            "person": str(make_person(world.commune_a, "Không Liên Quan").public_id),
            "decision": "confirm",
        },
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 200
    assert "Không tìm thấy lần tiếp xúc nào" in body(bad)
    assert "?offset=" in body(client.get(f"/cases/{case.public_id}/proposals/?offset=abc"))


def test_out_of_scope_officials_see_only_what_their_tasks_need(client_as, world, scene):
    case = confirm(scene["a"], onset_date=D)
    contact = actions.decide_proposal(
        actor=world.user("district_a"), case=case, person=scene["c"], confirm=True
    )
    client = client_as("commune_b")
    assert client.get(f"/cases/{case.public_id}/").status_code == 404
    assert client.get(f"/cases/{case.public_id}/proposals/").status_code == 404
    assert "Đỗ Thị Ca" not in body(client.get("/cases/"))
    board = body(client.get("/cases/tasks/"))
    assert "Hà Văn Móng Cái" in board
    assert "BN1" in board
    assert f"/cases/{case.public_id}/" not in board  # the case is named, never linked
    task_page = body(client.get(f"/cases/tasks/{task_of(contact).public_id}/"))
    assert "Quán Bia Hơi Hạ Long" in task_page
    assert "Đỗ Thị Ca" not in task_page
    exposure = client.get(f"/cases/contacts/{contact.public_id}/")
    assert exposure.status_code == 200
    assert "Đỗ Thị Ca" not in body(exposure)
    # Móng Cái's neighbour commune in the same district sees the task too; Hà Phong does not.
    assert (
        client_as("district_b").get(f"/cases/tasks/{task_of(contact).public_id}/").status_code
        == 200
    )
    assert (
        client_as("commune_a2").get(f"/cases/tasks/{task_of(contact).public_id}/").status_code
        == 404
    )
    # The case's district follows the task and its link.
    board_a = body(client_as("district_a").get("/cases/tasks/"))
    assert f"/cases/{case.public_id}/" in board_a
    # Ka Long traces its F1, not the case: the F1's F2, and the case's other contacts
    # (proposed, dismissed, F2) living in Ka Long, are not Ka Long's to read or write.
    neighbour = make_person(world.commune_b, "Lương Hàng Xóm")
    far = make_person(world.commune_b, "Lâm Đã Loại")
    f2 = actions.decide_f2(actor=SYSTEM, f1=contact, person=scene["b"], confirm=True)
    assert f2.unit == world.commune_a
    Contact.objects.filter(pk=f2.pk).update(unit=world.commune_b)  # as if B lived in Ka Long
    proposed = actions.add_contact(
        actor=SYSTEM, case=case, person=neighbour, exposure_type="other", confirm=False
    )
    actions.add_contact(actor=SYSTEM, case=case, person=far, exposure_type="other", confirm=False)
    dismissed = actions.decide_proposal(actor=SYSTEM, case=case, person=far, confirm=False)
    assert "Bùi Văn Bàn Bên" in body(
        client_as("district_a").get(f"/cases/contacts/{contact.public_id}/")
    )
    client = client_as("commune_b")  # the test client is shared: log in again
    for hidden in (f2, proposed, dismissed):
        assert client.get(f"/cases/contacts/{hidden.public_id}/").status_code == 404
    exposure = body(client.get(f"/cases/contacts/{contact.public_id}/"))
    assert "Hà Văn Móng Cái" in exposure
    assert "Tìm F2" not in exposure
    assert "Bùi Văn Bàn Bên" not in exposure  # the F2 recorded through this F1
    assert client.get(f"/cases/contacts/{contact.public_id}/f2/").status_code == 404
    response = client.post(
        f"/cases/contacts/{contact.public_id}/f2/decide/",
        {"person": str(neighbour.public_id), "decision": "confirm"},
    )
    assert response.status_code == 404
    with pytest.raises(OutOfScope):
        actions.decide_f2(actor=world.user("commune_b"), f1=contact, person=neighbour, confirm=True)
    assert not Contact.objects.filter(person=neighbour, degree=2).exists()
    # The case's own officials do trace F2 there.
    client = client_as("district_a")
    assert client.get(f"/cases/contacts/{contact.public_id}/f2/").status_code == 200


def test_task_board_highlights_overdue_and_records_steps(client_as, world, scene):
    case = confirm(scene["a"], onset_date=D)
    task = task_of(
        actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    )
    TracingTask.objects.filter(pk=task.pk).update(
        notify_due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    client = client_as("commune_a")
    board = body(client.get("/cases/tasks/"))
    assert "row-overdue" in board
    assert '<strong class="big" id="overdue-count">1</strong>' in board
    row = client.post(
        f"/cases/tasks/{task.public_id}/step/", {"step": "notified"}, HTTP_HX_REQUEST="true"
    )
    assert "row-overdue" not in body(row)
    assert "đã thông báo" in body(row)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        f"/cases/tasks/{task.public_id}/step/",
        {"step": "sampled", "at": tomorrow.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.notified_at is not None
    assert task.sampled_at is None
    assert "Thời điểm không thể ở tương lai." in body(client.get(response["Location"]))
    response = client.post(
        f"/cases/tasks/{task.public_id}/step/", {"step": "sampled", "at": "2999-01-01T00:00"}
    )
    task.refresh_from_db()
    assert task.sampled_at is None
    assert "Nhập ngày trong khoảng từ 2000 đến 2100." in body(client.get(response["Location"]))


def test_clusters_and_the_chain_data(client_as, world, scene):
    case = confirm(scene["a"], onset_date=D)
    second = confirm(scene["b"], onset_date=D + datetime.timedelta(days=1))
    actions.decide_proposal(actor=SYSTEM, case=case, person=scene["b"], confirm=True)
    cluster = Cluster.objects.get()
    client = client_as("district_a")
    assert "Ổ dịch tại Quán Bia Hơi Hạ Long" in body(client.get("/cases/clusters/"))
    response = client.post(
        f"/cases/clusters/{cluster.public_id}/edit/",
        {"name": "Ổ dịch Bia Hơi", "unit": world.commune_a.pk, "containment_zone": "Khu 3"},
    )
    assert response.status_code == 302
    cluster.refresh_from_db()
    assert (cluster.status, cluster.name) == ("active", "Ổ dịch Bia Hơi")
    data = json.loads(client.get(f"/cases/clusters/{cluster.public_id}/chain.json").content)
    nodes = {e["data"]["id"]: e for e in data["elements"] if e["group"] == "nodes"}
    edges = [e["data"] for e in data["elements"] if e["group"] == "edges"]
    assert {n["data"]["label"] for n in nodes.values()} == {"BN1", "BN2", "Quán Bia Hơi Hạ Long"}
    assert nodes[f"c{second.pk}"]["position"]["x"] > nodes[f"c{case.pk}"]["position"]["x"]
    assert {"kind": "contact", "source": f"c{case.pk}", "target": f"c{second.pk}"}.items() <= next(
        e for e in edges if e["kind"] == "contact"
    ).items()
    assert sum(e["kind"] == "visit" for e in edges) == 2
    assert "cytoscape.min.js" in body(client.get(f"/cases/clusters/{cluster.public_id}/chain/"))
    assert (
        client_as("district_b").get(f"/cases/clusters/{cluster.public_id}/chain.json").status_code
        == 404
    )
    client = client_as("district_a")
    close = client.post(f"/cases/clusters/{cluster.public_id}/close/")
    assert "có thể kết thúc từ" in body(client.get(close["Location"]))


def test_public_landmarks_never_name_the_case(client, world, scene):
    case = confirm(scene["a"], onset_date=D)
    landmark = case.landmarks.get()
    assert "Quán Bia Hơi Hạ Long" not in body(client.get("/moc-dich-te/"))
    actions.publish_landmark(actor=SYSTEM, landmark=landmark, public_note="Tầng 2")
    page = body(client.get("/moc-dich-te/"))
    assert "Quán Bia Hơi Hạ Long" in page
    assert "Tầng 2" in page
    assert "Trạm Y tế Hà Khánh (test)" in page
    assert "Đỗ Thị Ca" not in page
    assert "BN1" not in page
    data = json.loads(client.get("/moc-dich-te.json").content)
    assert data["count"] == 1
    assert data["landmarks"][0]["place"] == "Quán Bia Hơi Hạ Long"
    assert data["landmarks"][0]["start"].endswith("+07:00")
    assert "Quán Bia Hơi" not in body(client.get("/moc-dich-te/?huyen=194"))
    actions.withdraw_landmark(actor=SYSTEM, landmark=landmark)
    assert json.loads(client.get("/moc-dich-te.json").content)["count"] == 0


def test_a_place_in_a_village_names_the_health_station_of_its_commune(client, world, scene):
    case = confirm(scene["a"], onset_date=D)
    landmark = actions.add_landmark(
        actor=SYSTEM,
        case=case,
        place="Nhà văn hóa thôn",
        unit=world.village_a,
        start=at(D, "08:00"),
        end=at(D, "10:00"),
    )
    actions.publish_landmark(actor=SYSTEM, landmark=landmark)
    data = json.loads(client.get("/moc-dich-te.json").content)
    (row,) = data["landmarks"]
    assert row["place"] == "Nhà văn hóa thôn"
    assert row["health_station"] == "Trạm Y tế Hà Khánh (test)"
    assert "Trạm Y tế Hà Khánh (test)" in body(client.get("/moc-dich-te/"))


def test_discard_and_reinstate_from_the_page(client_as, world, scene):
    case = confirm(scene["a"], onset_date=D)
    client = client_as("district_a")
    response = client.post(f"/cases/{case.public_id}/discard/", {"reason": ""})
    case.refresh_from_db()
    assert case.classification == "confirmed"
    client.post(f"/cases/{case.public_id}/discard/", {"reason": "Trùng hồ sơ"})
    case.refresh_from_db()
    assert case.classification == "discarded"
    assert "Đã loại lúc" in body(client.get(f"/cases/{case.public_id}/"))
    client.post(f"/cases/{case.public_id}/reinstate/")
    case.refresh_from_db()
    assert case.classification == "confirmed"
    assert response.status_code == 302


def test_interview_contacts_and_landmarks_from_the_pages(client_as, world, scene):
    case = confirm(scene["a"], onset_date=D)
    client = client_as("commune_a")
    response = client.post(
        f"/cases/{case.public_id}/contacts/new/",
        {
            "identifier": "",
            "person": str(scene["b"].public_id),
            "exposure_type": "workplace",
            "within_2m": "yes",
            "masked": "no",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.get(case=case, person=scene["b"]).origin == "interview"
    response = client.post(
        f"/cases/{case.public_id}/landmarks/new/",
        {"place": "", "venue_code": "KHONGCO", "start": "", "end": ""},
    )
    assert response.status_code == 200
    assert "Không có địa điểm nào có mã này." in body(response)
    response = client.post(
        f"/cases/{case.public_id}/landmarks/new/",
        {
            "place": "Xe khách Hạ Long – Hà Nội",
            "vehicle": "Xe khách 14B-123.45",
            "route": "Bãi Cháy – Mỹ Đình",
            "start": f"{D.isoformat()}T06:00",
            "end": f"{D.isoformat()}T10:00",
            "unit": world.commune_a.pk,
        },
    )
    assert response.status_code == 302
    assert "Xe khách 14B-123.45" in body(client.get(f"/cases/{case.public_id}/"))


def test_rule_sets_page_and_a_new_version(client_as, world, scene):
    assert "Định nghĩa ca bệnh từ 29/12/2021" in body(client_as("commune_a").get("/cases/rules/"))
    assert client_as("district_a").get("/cases/rules/new/").status_code == 404
    client = client_as("province_officer")
    form = body(client.get("/cases/rules/new/"))
    assert "confirming_bases" in form
    response = client.post(
        "/cases/rules/new/",
        {"code": "qn-test", "name": "Thử", "valid_from": "2999-01-01T00:00", "parameters": "{oops"},
    )
    assert "Đây không phải JSON hợp lệ" in body(response)
    # Numbers JSON can spell but the rules cannot use: a message, never an error page.
    for bad in ('{"f2_cap": 1e400}', '{"cluster_quiet_days": Infinity}', '{"indoor_weight": NaN}'):
        key = bad.split('"')[1]
        response = client.post(
            "/cases/rules/new/",
            {"code": "qn-test", "name": "Thử", "valid_from": "2999-01-01T00:00", "parameters": bad},
        )
        assert response.status_code == 200
        assert f"Tham số “{key}” có giá trị không hợp lệ." in body(response)
    assert not RuleSet.objects.filter(code="qn-test").exists()


def test_list_pages_do_not_grow_queries_with_rows(
    client_as, world, scene, django_assert_max_num_queries
):
    for i in range(12):
        person = make_person(world.commune_a, f"Ca Số {i}")
        check_in(person, scene["venue"], at(D, "19:00"), at(D, "19:30"))
        case = confirm(person, onset_date=D)
        actions.decide_proposal(actor=SYSTEM, case=case, person=scene["c"], confirm=True)
    client = client_as("district_a")
    with django_assert_max_num_queries(20):
        assert client.get("/cases/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get("/cases/tasks/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/cases/clusters/").status_code == 200


def test_api_reads_through_scope_and_confirms_through_the_action(api_as, world, scene):
    confirm(scene["a"], onset_date=D)
    assert api_as("district_a").get("/api/v1/cases/").json()["count"] == 1
    assert api_as("district_b").get("/api/v1/cases/").json()["count"] == 0
    response = api_as("district_a").post(
        "/api/v1/cases/",
        {
            "person": str(scene["b"].public_id),
            "basis": "pcr_positive",
            "sample_date": D.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["label"] == "BN2"
    bad = api_as("district_a").post(
        "/api/v1/cases/",
        {
            "person": str(scene["b"].public_id),
            "basis": "rapid_positive",
            "sample_date": D.isoformat(),
        },
        format="json",
    )
    assert bad.status_code == 400
    bad = api_as("district_a").post(
        "/api/v1/cases/",
        {
            "person": str(make_person(world.commune_a, "Chưa Có Ngày").public_id),
            "basis": "pcr_positive",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["sample_date"] == [
        "Hãy nhập ngày lấy mẫu dương tính hoặc ngày khởi phát triệu chứng."
    ]
    assert (
        api_as("district_b")
        .post(
            "/api/v1/cases/",
            {
                "person": str(scene["a"].public_id),
                "basis": "pcr_positive",
                "sample_date": D.isoformat(),
            },
            format="json",
        )
        .status_code
        == 404
    )
    assert api_as("commune_a").get("/api/v1/landmarks/").json()["count"] == 2
    assert api_as("commune_b").get("/api/v1/landmarks/").json()["count"] == 0


# --- ids from another area typed into forms; what other areas' officials see --------------


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_person_id_from_another_area_reveals_nothing_in_the_decisions(client_as, world, scene):
    """The decision forms take a person's id from the body: someone the official may not
    see and who is no proposal of the case is answered like an id that does not exist."""
    import uuid

    case = confirm(scene["a"], onset_date=D)
    stranger = make_person(world.commune_b, "Người Lạ Móng Cái")
    client = client_as("district_a")
    url = f"/cases/{case.public_id}/proposals/decide/"
    for decision in ("x", "confirm", "dismiss"):
        foreign = client.post(
            url, {"person": str(stranger.public_id), "decision": decision}, HTTP_HX_REQUEST="true"
        )
        missing = client.post(
            url, {"person": str(uuid.uuid4()), "decision": decision}, HTTP_HX_REQUEST="true"
        )
        assert foreign.status_code == missing.status_code == 200
        assert "Người Lạ Móng Cái" not in body(foreign)
        assert body(foreign) == body(missing)
        assert "Hãy chọn người và quyết định." in body(foreign)
    assert not Contact.objects.filter(person=stranger).exists()
    # A proposal living in Móng Cái is the case's business: named, and decided.
    named = client.post(
        url, {"person": str(scene["c"].public_id), "decision": "x"}, HTTP_HX_REQUEST="true"
    )
    assert "Hà Văn Móng Cái" in body(named)
    confirmed = client.post(
        url, {"person": str(scene["c"].public_id), "decision": "confirm"}, HTTP_HX_REQUEST="true"
    )
    assert "Hà Văn Móng Cái" in body(confirmed)
    assert Contact.objects.get(person=scene["c"]).status == Contact.Status.CONFIRMED

    # "Confirm the N strongest" with a foreign id slipped into the list.
    response = client.post(
        f"/cases/{case.public_id}/proposals/confirm-top/",
        {"n": "2", "shown": f"{stranger.public_id},{scene['b'].public_id}"},
        follow=True,
    )
    shown = " ".join(messages_of(response))
    assert "Người Lạ Móng Cái" not in body(response)
    assert "1 người không phải là đề xuất của ca bệnh này nên đã bị bỏ qua." in shown
    assert Contact.objects.get(person=scene["b"]).status == Contact.Status.CONFIRMED
    assert not Contact.objects.filter(person=stranger).exists()

    # F2 of a confirmed F1: the same rule.
    f1 = Contact.objects.get(person=scene["b"])
    f2_url = f"/cases/contacts/{f1.public_id}/f2/decide/"
    response = client.post(
        f2_url, {"person": str(stranger.public_id), "decision": "x"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404
    assert "Người Lạ Móng Cái" not in body(response)
    assert (
        client.post(
            f2_url, {"person": str(uuid.uuid4()), "decision": "x"}, HTTP_HX_REQUEST="true"
        ).status_code
        == 404
    )


def test_proposals_and_sources_name_only_cases_the_official_may_open(
    client_as, api_as, world, scene
):
    """Hạ Long's case A met C, a case of Móng Cái: Hạ Long sees that C is already a case
    and that a case of another area was with A, but neither its number, place nor time."""
    # At the bia hơi (day D) for the look-back; at a café yesterday for the proposals.
    cafe = make_venue(world.commune_a, "Cà phê Bạch Đằng", kind="restaurant")
    yesterday = TODAY - datetime.timedelta(days=1)
    check_in(scene["a"], cafe, at(yesterday, "09:00"), at(yesterday, "10:00"))
    check_in(scene["c"], cafe, at(yesterday, "09:00"), at(yesterday, "10:00"))
    case_c = confirm(scene["c"], onset_date=D - datetime.timedelta(days=1))
    case_a = confirm(scene["a"], onset_date=TODAY)
    Cluster.objects.all().delete()  # not what this test is about
    assert str(case_c) == "BN1"
    client = client_as("district_a")
    proposals = body(client.get(f"/cases/{case_a.public_id}/proposals/"))
    assert "Hà Văn Móng Cái" in proposals
    assert "đã là một ca bệnh ở địa bàn khác" in proposals
    assert "BN1" not in proposals
    sources = body(client.get(f"/cases/{case_a.public_id}/sources/", HTTP_HX_REQUEST="true"))
    assert "1 ca bệnh ở địa bàn khác đã có mặt cùng nơi, cùng lúc" in sources
    assert "BN1" not in sources
    assert "Quán Bia Hơi Hạ Long" not in sources
    assert f"/cases/{case_c.public_id}/" not in sources
    assert "Không tìm thấy ca bệnh xác định nào" not in sources
    # The province sees the case, its place and time.
    client = client_as("province_admin")
    assert "đã là BN1" in body(client.get(f"/cases/{case_a.public_id}/proposals/"))
    sources = body(client.get(f"/cases/{case_a.public_id}/sources/", HTTP_HX_REQUEST="true"))
    assert "BN1" in sources
    assert "Quán Bia Hơi Hạ Long" in sources


def test_api_reads_of_cases_and_tasks_are_audited(api_as, world, scene):
    case = confirm(scene["a"], onset_date=D)
    check_in(scene["c"], scene["venue"], at(D, "19:00"), at(D, "19:30"))
    actions.decide_proposal(actor=SYSTEM, case=case, person=scene["c"], confirm=True)
    task = TracingTask.objects.get(case=case, person=scene["c"])
    api = api_as("district_a")
    assert api.get(f"/api/v1/cases/{case.public_id}/").status_code == 200
    assert api.get(f"/api/v1/tracing-tasks/{task.public_id}/").status_code == 200
    assert api.get("/api/v1/tracing-tasks/").json()["count"] == 1
    viewed = AuditEvent.objects.filter(verb="view", actor=world.user("district_a"))
    assert {e.target_id for e in viewed} == {str(case.public_id), str(task.public_id)}
    listed = AuditEvent.objects.get(verb="list", target_label="cases.tracingtask")
    assert listed.extra["rows"] == 1
