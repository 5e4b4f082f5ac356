"""POST /api/v1/checkins/: one or a batch, retries, clear refusals; venues read API."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from vungxanh.core.scoping import SYSTEM
from vungxanh.venues import actions, rules
from vungxanh.venues.models import CheckIn
from vungxanh.venues.signing import person_qr_text
from vungxanh.venues.tests.factories import make_checkin, make_person, make_staff, make_venue

pytestmark = pytest.mark.django_db
URL = "/api/v1/checkins/"


def item(venue, person, **extra):
    return {
        "uuid": str(uuid.uuid4()),
        "venue": venue.code,
        "qr": person_qr_text(person.public_id),
        "check_in": (timezone.localtime() - datetime.timedelta(minutes=30)).isoformat(),
        **extra,
    }


def test_anonymous_and_roles_without_check_in_rights_are_refused(world, api_as):
    assert APIClient().post(URL, {}, format="json").status_code in (401, 403)
    response = api_as("lab_tech").post(URL, {"items": []}, format="json")
    assert response.status_code == 403
    assert "không có quyền ghi nhận check-in" in response.json()["detail"]


def test_one_check_in_then_its_retry(world, api_as):
    venue = make_venue(world.commune_a, kind="restaurant")
    person = make_person(world.commune_a)
    api = api_as("commune_a")
    body = item(venue, person)
    first = api.post(URL, body, format="json")
    assert first.status_code == 201
    assert first.json()["status"] == "created"
    assert first.json()["checkout_is_automatic"] is True
    retry = api.post(URL, body, format="json")
    assert retry.status_code == 200
    assert retry.json()["status"] == "duplicate"
    assert CheckIn.objects.count() == 1
    stored = CheckIn.objects.get()
    assert stored.source == "staff_scan"
    assert stored.recorded_by == world.user("commune_a")


def test_a_refused_single_item_answers_400_with_its_reason(world, api_as):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    response = api_as("commune_a").post(
        URL,
        item(
            venue,
            person,
            check_in=(timezone.localtime() + datetime.timedelta(hours=2)).isoformat(),
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "future"
    assert "nằm trong tương lai" in response.json()["message"]


def test_a_batch_answers_per_item(world, api_as):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    items = [item(venue, person) for _ in range(3)]
    items.append(
        {
            **item(venue, person),
            "qr": "VXP1.00000000000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAA",
        }
    )
    items.append(item(venue, person, check_out="2021-01-01T00:00:00+07:00"))
    response = api_as("commune_a").post(URL, {"items": items}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["created"], data["duplicate"], data["refused"]) == (3, 0, 2)
    assert [r["status"] for r in data["results"]] == ["created"] * 3 + ["refused"] * 2
    assert data["results"][3]["reason"] == "bad_qr"
    assert data["results"][4]["reason"] == "checkout_before_checkin"
    # a plain list is accepted too, and retrying it changes nothing
    again = api_as("commune_a").post(URL, items[:3], format="json")
    assert again.json()["duplicate"] == 3
    assert CheckIn.objects.count() == 3


def test_bad_bodies_get_clear_messages(world, api_as):
    api = api_as("commune_a")
    too_many = api.post(URL, {"items": [{}] * 501}, format="json")
    assert too_many.status_code == 400
    assert "tối đa 500" in too_many.json()["detail"]
    assert api.post(URL, "not json", content_type="application/json").status_code == 400
    assert api.post(URL, {"items": "x"}, format="json").status_code == 400
    empty = api.post(URL, [], format="json")
    assert empty.status_code == 400


def test_venue_staff_token_records_only_at_their_venue(world):
    from vungxanh.accounts.actions import issue_token

    mine = make_venue(world.commune_a)
    other = make_venue(world.commune_a)
    staff = make_staff(world, mine)
    _token, raw = issue_token(actor=staff, user=staff, name="scanner")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    person = make_person(world.commune_a)
    response = api.post(URL, [item(mine, person), item(other, person)], format="json")
    assert [r["status"] for r in response.json()["results"]] == ["created", "refused"]
    venues = api.get("/api/v1/venues/").json()
    assert [v["code"] for v in venues["results"]] == [mine.code]


def test_venues_api_is_restricted_and_filtered(world, api_as):
    make_venue(world.commune_a, name="Chợ A", kind="market")
    make_venue(world.commune_b, name="Chợ B", kind="market")
    names = [
        v["name"] for v in api_as("district_a").get("/api/v1/venues/?kind=market").json()["results"]
    ]
    assert names == ["Chợ A"]


def test_purge_command_and_task(world):
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    now = timezone.now()
    make_checkin(venue, person, at=now - datetime.timedelta(days=40))
    kept = make_checkin(venue, person, at=now - datetime.timedelta(days=1))
    call_command("purge_checkins")
    assert list(CheckIn.objects.all()) == [kept]
    from vungxanh.venues.tasks import purge_checkins_task

    make_checkin(venue, person, at=now - datetime.timedelta(days=29))
    result = purge_checkins_task.enqueue()  # the immediate backend in tests
    assert result.return_value == 1
    assert rules.retention_days() == 28
    assert actions.purge_checkins(actor=SYSTEM) == 0


def test_the_upload_is_documented_in_the_openapi_schema(client, world):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/checkins/" in schema
    assert "CheckInUpload" in schema


def _card(person, name: str, birth: str = "15031985") -> str:
    return f"{person.cccd}||{name}|{birth}|Nam|Tổ 1, Phường Hà Khánh, Thành phố Hạ Long|01012021"


def test_id_card_scans_pause_after_too_many_that_do_not_match(client, world):
    """Staff could otherwise try name after name against a citizen ID number on the scan
    page or through the API until one is accepted. After CARD_MISMATCHES.limit mismatches
    in an hour (both paths together), every ID card QR of that user is refused, the
    matching ones too; personal QRs and other users go on."""
    from vungxanh.accounts.actions import issue_token

    limit = actions.CARD_MISMATCHES.limit
    assert limit == 20
    venue = make_venue(world.commune_a)
    staff = make_staff(world, venue, "nv.doan", owner=False)
    person = make_person(world.commune_a, "Nguyễn Văn Thật", birth_year=1985)
    _token, raw = issue_token(actor=staff, user=staff, name="scanner")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.force_login(staff)
    scan = f"/venues/{venue.public_id}/scan/"

    def scan_text(text):
        return client.post(scan, {"text": text}, HTTP_ACCEPT="application/json")

    # half of the tries on the scan page, half through the API
    for i in range(limit // 2):
        answer = scan_text(_card(person, f"Lê Văn Đoán {i}"))
        assert (answer.status_code, answer.json()["reason"]) == (400, "card_mismatch")
    batch = [item(venue, person, qr=_card(person, f"Lê Thị Thử {i}")) for i in range(limit // 2)]
    results = api.post(URL, batch, format="json").json()["results"]
    assert {r["reason"] for r in results} == {"card_mismatch"}

    genuine = _card(person, "Nguyễn Văn Thật")
    answer = scan_text(genuine)
    assert answer.status_code == 429
    assert answer.json()["reason"] == "card_limit"
    assert "Đã quét quá nhiều mã QR căn cước không khớp với hồ sơ" in answer.json()["message"]
    assert "Thật" not in str(answer.json())
    (refused,) = api.post(URL, [item(venue, person, qr=genuine)], format="json").json()["results"]
    assert (refused["status"], refused["reason"]) == ("refused", "card_limit")
    assert not CheckIn.objects.exists()

    # the visitor's personal QR still checks them in; another member of staff is not paused
    assert scan_text(person_qr_text(person.public_id)).json()["ok"]
    colleague = make_staff(world, venue, "nv.khac", owner=False)
    client.force_login(colleague)
    assert scan_text(genuine).json()["created"] is False  # already inside: same visit
    assert CheckIn.objects.count() == 1


def test_a_batch_of_mismatched_id_cards_is_cut_off_at_the_limit(world):
    venue = make_venue(world.commune_a)
    staff = make_staff(world, venue, "nv.lo", owner=False)
    person = make_person(world.commune_a, "Nguyễn Văn Thật", birth_year=1985)
    limit = actions.CARD_MISMATCHES.limit
    batch = [item(venue, person, qr=_card(person, f"Lê Văn {i}")) for i in range(limit + 3)]
    results = actions.record_checkins(actor=staff, items=batch)
    assert [r.reason for r in results] == ["card_mismatch"] * limit + ["card_limit"] * 3
    # the count outlives the upload: the scan page refuses too
    with pytest.raises(ValidationError) as info:
        actions.check_in_scanned(actor=staff, venue=venue, text=_card(person, "Nguyễn Văn Thật"))
    assert info.value.code == "card_limit"
