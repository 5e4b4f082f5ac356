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
        identity={"cccd": head.cccd},
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
    assert re.search(r'<input[^>]*name="m0-q_contact_case" value="no"[^>]*checked', page)
    assert not re.search(r'<input[^>]*name="m0-q_contact_case" value="yes"[^>]*checked', page)
    data = {
        "m0-present": "on",
        "m0-q_risk_area": "no",
        "m0-q_contact_case": "yes",
        "m0-q_contact_abroad": "no",
        "m0-q_contact_symptomatic": "no",
        # the wife is not at home
        "m1-q_risk_area": "no",
        "m1-q_contact_case": "no",
        "m1-q_contact_abroad": "no",
        "m1-q_contact_symptomatic": "no",
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
    page = body(client.post(url, {"m1-present": "on"}))
    assert "Trường này là bắt buộc." in page
    assert Declaration.objects.count() == 1
    assert client_as("commune_b").get(url).status_code == 404
    assert client_as("commune_a2").get(url).status_code == 404


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
            identity={"cccd": person.cccd},
            unit=world.village_a,
        )
    client = client_as("commune_a")
    client.get("/declarations/")
    with django_assert_max_num_queries(8):
        assert client.get("/declarations/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/declarations/follow-ups/").status_code == 200
