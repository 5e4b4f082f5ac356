"""Officials' pages: declarations, door to door, the follow-up queue, monitoring, forms, API."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.declarations import actions
from vungxanh.declarations.models import (
    Channel,
    Declaration,
    DiaryEntry,
    FollowUp,
    Monitoring,
)
from vungxanh.people.models import Household
from vungxanh.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NO = {"risk_area": "no", "contact_case": "no", "contact_abroad": "no", "contact_symptomatic": "no"}


def body(response):
    return response.content.decode()


def roster_of(page):
    """The members the door-to-door page was opened with (its hidden ``members`` field)."""
    found = re.search(r'name="members" value="([^"]*)"', page)
    assert found is not None
    return found.group(1)


@pytest.fixture
def family(world):
    household = Household.objects.create(unit=world.village_a, address="Số 7, ngõ 2")
    head = PersonFactory.create(
        full_name="Ngô Văn Cường",
        name_folded="ngo van cuong",
        birth_year=1970,
        residence_unit=world.village_a,
        household=household,
        relation_to_head="head",
    )
    wife = PersonFactory.create(
        full_name="Bùi Thị Lan",
        name_folded="bui thi lan",
        sex="female",
        birth_year=1974,
        residence_unit=world.village_a,
        household=household,
        relation_to_head="spouse",
    )
    household.head = head
    household.save()
    return household, head, wife


def test_declaration_list_and_detail_are_scoped_and_audited(client_as, world, family):
    _household, head, _wife = family
    declaration, _ = actions.submit_declaration(
        actor=None,
        kind="population",
        channel=Channel.PUBLIC,
        answers={**NO, "symptoms": ["cough"]},
        identity={"cccd": head.cccd, "full_name": head.full_name},
        unit=world.village_a,
    )
    page = body(client_as("commune_a").get("/declarations/?flagged=true"))
    assert "Ngô Văn Cường" in page
    assert "Ngô Văn Cường" not in body(client_as("commune_b").get("/declarations/"))
    page = body(client_as("district_a").get(f"/declarations/{declaration.public_id}/"))
    assert "Trong 14 ngày qua, anh/chị có thấy xuất hiện dấu hiệu nào sau đây không?" in page
    assert "Ho" in page
    assert AuditEvent.objects.filter(verb="view", target_id=str(declaration.public_id)).exists()
    assert client_as("commune_b").get(f"/declarations/{declaration.public_id}/").status_code == 404
    person_page = body(client_as("commune_a").get(f"/people/{head.public_id}/"))
    assert "Khai báo y tế và theo dõi" in person_page


def test_door_to_door_one_household_at_a_time(client_as, world, family):
    household, head, _wife = family
    client = client_as("community_a")
    page = body(client.get("/declarations/door-to-door/"))
    assert "Khu 1" in page
    page = body(client.get(f"/declarations/door-to-door/villages/{world.village_a.public_id}/"))
    assert "Số 7, ngõ 2" in page
    url = f"/declarations/door-to-door/households/{household.public_id}/"
    page = body(client.get(url))
    assert "Ngô Văn Cường" in page
    assert "Bùi Thị Lan" in page
    him, her = f"m-{head.public_id}", f"m-{_wife.public_id}"
    assert re.search(rf'<input[^>]*name="{him}-q_contact_case" value="no"[^>]*checked', page)
    assert not re.search(rf'<input[^>]*name="{him}-q_contact_case" value="yes"[^>]*checked', page)
    data = {
        "members": roster_of(page),
        f"{him}-present": "on",
        f"{him}-q_risk_area": "no",
        f"{him}-q_contact_case": "yes",
        f"{him}-q_contact_abroad": "no",
        f"{him}-q_contact_symptomatic": "no",
        # the wife is not at home
        f"{her}-q_risk_area": "no",
        f"{her}-q_contact_case": "no",
        f"{her}-q_contact_abroad": "no",
        f"{her}-q_contact_symptomatic": "no",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    declarations = Declaration.objects.all()
    assert [(d.person, d.channel, d.flags) for d in declarations] == [
        (head, "door_to_door", ["contact"])
    ]
    assert declarations[0].entered_by == world.user("community_a")
    assert FollowUp.objects.get().person == head
    # a missing required answer for a present member is shown, nothing saved
    page = body(client.post(url, {"members": data["members"], f"{her}-present": "on"}))
    assert "Trường này là bắt buộc." in page
    assert Declaration.objects.count() == 1
    assert client_as("commune_b").get(url).status_code == 404
    assert client_as("commune_a2").get(url).status_code == 404


def test_door_to_door_answers_stay_with_their_member(client_as, world, family):
    """Rows were matched to members by position (ordered by year of birth): a member
    re-dated, added or removed meanwhile moved the answers onto somebody else."""
    household, head, wife = family
    client = client_as("community_a")
    url = f"/declarations/door-to-door/households/{household.public_id}/"
    page = body(client.get(url))
    him, her = f"m-{head.public_id}", f"m-{wife.public_id}"
    data = {"members": roster_of(page), f"{him}-present": "on", f"{her}-present": "on"}
    for q, answer in NO.items():
        data[f"{him}-q_{q}"] = data[f"{her}-q_{q}"] = answer
    data[f"{her}-q_contact_case"] = "yes"  # she met a case, he did not
    # Meanwhile her year of birth is corrected: she now comes first on the page.
    type(wife).objects.filter(pk=wife.pk).update(birth_year=1960)
    assert client.post(url, data).status_code == 302
    assert FollowUp.objects.get().person == wife
    assert {d.person: d.flags for d in Declaration.objects.all()} == {
        head: [],
        wife: ["contact"],
    }
    # A member added meanwhile: nothing is saved, the household is shown again.
    Declaration.objects.all().delete()
    FollowUp.objects.all().delete()
    child = PersonFactory.create(
        full_name="Ngô Văn Út", birth_year=2010, residence_unit=world.village_a, household=household
    )
    response = client.post(url, data)
    assert response.status_code == 409
    page = body(response)
    assert "Thành viên của hộ này đã thay đổi kể từ khi mở trang. Chưa có gì được lưu" in page
    assert "Ngô Văn Út" in page
    assert not Declaration.objects.exists()
    # Her answer is kept on her row; the new member's row starts from the defaults.
    assert re.search(rf'<input[^>]*name="{her}-q_contact_case" value="yes"[^>]*checked', page)
    assert re.search(
        rf'<input[^>]*name="m-{child.public_id}-q_contact_case" value="no"[^>]*checked', page
    )
    assert roster_of(page) != data["members"]


def declared_today(page):
    """The village page's "declared today" figure of its (only) household."""
    found = re.search(r'<td class="num">(\d+)</td><td class="num">(\d+)</td>', page)
    assert found is not None
    return found.group(2)


def test_door_to_door_marks_only_declarations_in_scope(client_as, world, family):
    """ "Declared today" was looked up without restrict(): a declaration made elsewhere
    (another commune's checkpoint) showed on the village team's screen."""
    household, head, _wife = family
    actions.submit_declaration(
        actor=world.user("commune_b"),
        kind="population",
        channel=Channel.STAFF,
        answers=NO,
        identity={"cccd": head.cccd, "full_name": head.full_name},
        unit=world.commune_b,
    )
    url = f"/declarations/door-to-door/households/{household.public_id}/"
    village = f"/declarations/door-to-door/villages/{world.village_a.public_id}/"
    client = client_as("community_a")
    assert "đã khai hôm nay" not in body(client.get(url))
    assert declared_today(body(client.get(village))) == "0"
    for _twice in range(2):
        actions.submit_declaration(
            actor=world.user("community_a"),
            kind="population",
            channel=Channel.DOOR_TO_DOOR,
            answers=NO,
            person=head,
            unit=world.village_a,
        )
    assert "đã khai hôm nay" in body(client.get(url))
    assert declared_today(body(client.get(village))) == "1"  # one member, declared twice


def test_follow_up_page_shows_only_a_monitoring_in_scope(client_as, world, family):
    _household, head, _wife = family
    item = actions.raise_follow_up(actor=None, person=head, reason="symptoms", unit=world.village_a)
    elsewhere = Monitoring.objects.create(
        person=head,
        unit=world.commune_b,
        reason=Monitoring.Reason.SYMPTOMS,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    page = body(client_as("commune_a").get(f"/declarations/follow-ups/{item.public_id}/"))
    assert str(elsewhere.public_id) not in page
    page = body(client_as("province_officer").get(f"/declarations/follow-ups/{item.public_id}/"))
    assert str(elsewhere.public_id) in page


def test_api_declaring_somebody_of_another_area_does_not_name_them(api_as, world, family):
    """The answer carried the registry's name and id of whoever the citizen ID belonged
    to, anywhere in the province."""
    _household, head, _wife = family
    data = {
        "kind": "population",
        "cccd": head.cccd,
        "full_name": "Ngo Van Cuong",
        "unit": "06709",
        "answers": NO,
    }
    response = api_as("commune_b").post("/api/v1/declarations/", data, format="json")
    assert response.status_code == 201, response.json()
    payload = response.json()
    assert (payload["person"], payload["person_name"]) == (None, None)
    assert "Ngô Văn Cường" not in str(payload)
    assert str(head.public_id) not in str(payload)
    assert Declaration.objects.get(public_id=payload["id"]).person == head
    # nor does reading the declaration back, one by one or in the list
    again = api_as("commune_b").get(f"/api/v1/declarations/{payload['id']}/").json()
    listed = api_as("commune_b").get("/api/v1/declarations/").json()["results"]
    for row in [again, *listed]:
        assert (row["person"], row["person_name"]) == (None, None)
        assert "Ngô Văn Cường" not in str(row)
    mine = api_as("commune_a").post(
        "/api/v1/declarations/", data | {"unit": "06649-01"}, format="json"
    )
    assert (mine.json()["person"], mine.json()["person_name"]) == (
        str(head.public_id),
        "Ngô Văn Cường",
    )


def test_api_token_of_another_area_gives_nothing_back(api_as, world, family):
    _household, head, _wife = family
    token = "9a1f6c1e-6d3f-4a70-9c55-1a2b3c4d5e6f"
    first = api_as("commune_a").post(
        "/api/v1/declarations/",
        {
            "kind": "population",
            "person": str(head.public_id),
            "unit": "06649-01",
            "answers": {**NO, "symptoms": ["fever"]},
            "token": token,
        },
        format="json",
    )
    assert first.status_code == 201
    replay = api_as("commune_b").post(
        "/api/v1/declarations/",
        {
            "kind": "population",
            "phone": "0912000888",
            "full_name": "Khách Lạ",
            "birth_year": 1990,
            "sex": "male",
            "unit": "06709",
            "answers": NO,
            "token": token,
        },
        format="json",
    )
    assert replay.status_code == 400
    assert replay.json() == {
        "token": ["Mã gửi (token) này đã được dùng cho một tờ khai khác: hãy gửi với mã mới."]
    }
    assert Declaration.objects.count() == 1


def test_api_reads_of_follow_ups_monitorings_and_diaries_are_audited(api_as, world, family):
    _household, head, _wife = family
    item = actions.raise_follow_up(actor=None, person=head, reason="symptoms", unit=world.village_a)
    monitoring = actions.start_monitoring(
        actor=world.user("commune_a"), person=head, reason="symptoms", days=5
    )
    entry, _ = actions.record_diary_entry(
        actor=None, monitoring=monitoring, answers={"temperature": 36.8}
    )
    api = api_as("commune_a")
    for path, target, unit in [
        (f"follow-ups/{item.public_id}/", item, world.commune_a),
        (f"monitorings/{monitoring.public_id}/", monitoring, world.commune_a),
        (f"diary-entries/{entry.public_id}/", entry, world.commune_a),
    ]:
        response = api.get(f"/api/v1/{path}")
        assert response.status_code == 200
        event = AuditEvent.objects.get(verb="view", target_id=str(target.public_id))
        assert (event.actor, event.unit_path) == (world.user("commune_a"), unit.path)
    for path in ("follow-ups", "monitorings", "diary-entries"):
        rows = api.get(f"/api/v1/{path}/").json()["results"]
        event = AuditEvent.objects.filter(verb="list").latest("id")
        assert (event.target_label, event.extra["rows"]) == (
            {"follow-ups": "declarations.followup", "monitorings": "declarations.monitoring"}.get(
                path, "declarations.diaryentry"
            ),
            len(rows),
        )


def test_follow_up_queue(client_as, world, family):
    _household, head, wife = family
    actions.raise_follow_up(actor=None, person=head, reason="symptoms", unit=world.village_a)
    item = actions.raise_follow_up(
        actor=None, person=wife, reason="high_risk_area", unit=world.village_a
    )
    client = client_as("commune_a")
    page = body(client.get("/declarations/follow-ups/"))
    assert "Ngô Văn Cường" in page
    assert "Đã ở vùng nguy cơ cao: 1" in page
    assert "Bùi Thị Lan" not in body(client.get("/declarations/follow-ups/?reason=symptoms"))
    assert "Ngô Văn Cường" not in body(client_as("commune_b").get("/declarations/follow-ups/"))
    client = client_as("commune_a")
    client.post(f"/declarations/follow-ups/{item.public_id}/take/")
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == ("in_progress", world.user("commune_a"))
    # a start date no monitoring can have is refused on the page (9999 overflowed)
    for starts_on in ("9999-12-31", "1900-01-01"):
        page = client.post(
            f"/declarations/follow-ups/{item.public_id}/monitor/",
            {"reason": "arrival", "days": "14", "starts_on": starts_on, "note": "Về từ Hà Nội"},
        )
        assert page.status_code == 400  # the follow-up page again, the form with its error
        assert "Thời gian theo dõi bắt đầu trong khoảng" in body(page)
        assert 'value="Về từ Hà Nội"' in body(page)
    assert not Monitoring.objects.filter(person=wife).exists()
    response = client.post(
        f"/declarations/follow-ups/{item.public_id}/monitor/", {"reason": "arrival", "days": "14"}
    )
    monitoring = Monitoring.objects.get(person=wife)
    assert response["Location"] == f"/declarations/monitoring/{monitoring.public_id}/"
    assert monitoring.ends_on == timezone.localdate() + datetime.timedelta(days=13)
    page = body(
        client.post(
            f"/declarations/follow-ups/{item.public_id}/resolve/",
            {"status": "dismissed", "note": ""},
            follow=True,
        )
    )
    assert "Hãy ghi lý do không cần xử lý." in page
    client.post(
        f"/declarations/follow-ups/{item.public_id}/resolve/",
        {"status": "done", "note": "Đã hướng dẫn tự theo dõi"},
    )
    item.refresh_from_db()
    assert item.status == "done"
    assert (
        client_as("commune_b").post(f"/declarations/follow-ups/{item.public_id}/take/").status_code
        == 404
    )


def test_monitoring_pages_and_diary_entry_by_staff(client_as, world, family):
    _household, head, _wife = family
    client = client_as("commune_a")
    response = client.post(
        "/declarations/monitoring/new/",
        {"person": str(head.public_id), "reason": "contact", "days": "7"},
    )
    monitoring = Monitoring.objects.get(person=head)
    assert response["Location"] == f"/declarations/monitoring/{monitoring.public_id}/"
    page = body(client.get(response["Location"]))
    assert f"/nhat-ky/{monitoring.access_token}/" in page
    svg = client.get(f"/declarations/monitoring/{monitoring.public_id}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    client.post(
        f"/declarations/monitoring/{monitoring.public_id}/diary/",
        {"day": timezone.localdate().isoformat(), "q_temperature": "36.9", "q_symptoms": ["none"]},
    )
    entry = DiaryEntry.objects.get()
    assert entry.recorded_by == world.user("commune_a")
    page = body(client.get("/declarations/monitoring/"))
    assert "Ngô Văn Cường" in page
    assert "đã ghi" in page
    assert "Ngô Văn Cường" not in body(client_as("commune_b").get("/declarations/monitoring/"))
    client = client_as("commune_a")
    client.post(f"/declarations/monitoring/{monitoring.public_id}/end/", {"note": "Hết 7 ngày"})
    monitoring.refresh_from_db()
    assert monitoring.status == "ended"


def test_forms_are_versioned_by_province_officials(client_as, world):
    page = body(client_as("commune_a").get("/declarations/forms/"))
    assert "Khai báo y tế toàn dân" in page
    assert "đang hiệu lực" in page
    assert client_as("commune_a").get("/declarations/forms/new/").status_code == 404
    client = client_as("province_officer")
    page = body(client.get("/declarations/forms/new/?kind=place"))
    assert "flag_values" in page
    current = actions.form_in_force("place")
    mask = {"key": "mask", "type": "yes_no", "label": {"vi": "Anh/chị có đeo khẩu trang không?"}}
    questions = [*current.questions, mask]
    start = (timezone.localtime() + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/declarations/forms/new/",
        {
            "kind": "place",
            "title": "Khai báo tại địa điểm v2",
            "valid_from": start,
            "questions": json.dumps(questions),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/declarations/forms/?kind=place&version=2"
    page = body(client.get(response["Location"]))
    assert "Anh/chị có đeo khẩu trang không?" in page
    assert "đã công bố trước" in page
    page = body(
        client.post(
            "/declarations/forms/new/",
            {
                "kind": "place",
                "title": "x",
                "valid_from": start,
                "questions": "[{]",
            },
        )
    )
    assert "không phải JSON hợp lệ" in page
    page = body(
        client.post(
            "/declarations/forms/new/",
            {
                "kind": "place",
                "title": "x",
                "valid_from": start,
                "questions": json.dumps([{"key": "A b", "type": "text", "label": "x"}]),
            },
        )
    )
    assert "khóa chỉ gồm chữ thường" in page


def test_api(api_as, world, family):
    _household, head, _wife = family
    api = api_as("commune_a")
    response = api.post(
        "/api/v1/declarations/",
        {
            "kind": "population",
            "person": str(head.public_id),
            "unit": "06649-01",
            "answers": {**NO, "symptoms": ["fever"]},
            "token": "2b1f6c1e-6d3f-4a70-9c55-1a2b3c4d5e6f",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["flags"] == ["symptoms"]
    again = api.post(
        "/api/v1/declarations/",
        {
            "kind": "population",
            "person": str(head.public_id),
            "unit": "06649-01",
            "answers": NO,
            "token": "2b1f6c1e-6d3f-4a70-9c55-1a2b3c4d5e6f",
        },
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["id"] == response.json()["id"]
    bad = api.post(
        "/api/v1/declarations/",
        {
            "kind": "population",
            "person": str(head.public_id),
            "unit": "06649-01",
            "answers": {"contact_case": "maybe"},
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "contact_case" in bad.json()
    listing = api.get("/api/v1/declarations/?flagged=true").json()
    assert [d["person_name"] for d in listing["results"]] == ["Ngô Văn Cường"]
    assert api_as("commune_b").get("/api/v1/declarations/").json()["results"] == []
    follow_ups = api.get("/api/v1/follow-ups/?status=pending").json()
    assert follow_ups["results"][0]["reason"] == "symptoms"
    forms = api.get("/api/v1/declaration-forms/?kind=diary").json()
    assert forms["results"][0]["questions"][0]["key"] == "temperature"
    monitoring = actions.start_monitoring(
        actor=world.user("commune_a"), person=head, reason="symptoms", days=5
    )
    api = api_as("commune_a")
    entry = api.post(
        "/api/v1/diary-entries/",
        {
            "monitoring": str(monitoring.public_id),
            "answers": {"temperature": 37.6},
        },
        format="json",
    )
    assert entry.status_code == 201, entry.json()
    assert entry.json()["flags"] == ["fever"]
    assert (
        api_as("commune_b")
        .post(
            "/api/v1/diary-entries/",
            {
                "monitoring": str(monitoring.public_id),
                "answers": {"temperature": 37.0},
            },
            format="json",
        )
        .status_code
        == 404
    )


def test_queue_and_list_take_a_fixed_number_of_queries(
    client_as, world, django_assert_max_num_queries
):
    for _i in range(20):
        person = PersonFactory.create(residence_unit=world.village_a)
        actions.submit_declaration(
            actor=None,
            kind="population",
            channel=Channel.PUBLIC,
            answers={**NO, "contact_case": "yes"},
            identity={"cccd": person.cccd, "full_name": person.full_name},
            unit=world.village_a,
        )
    client = client_as("commune_a")
    client.get("/declarations/")
    with django_assert_max_num_queries(8):
        assert client.get("/declarations/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/declarations/follow-ups/").status_code == 200
