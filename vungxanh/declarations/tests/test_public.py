"""The public declaration page and the resident's diary, as a phone would use them."""

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from vungxanh.declarations import ratelimit
from vungxanh.declarations.models import Declaration, FollowUp, Monitoring
from vungxanh.people.models import Person
from vungxanh.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NO = {
    "q_risk_area": "no",
    "q_contact_case": "no",
    "q_contact_abroad": "no",
    "q_contact_symptomatic": "no",
}


def body(response):
    return response.content.decode()


@pytest.fixture(autouse=True)
def fresh_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def form_data(world, **extra):
    return {
        "token": str(uuid.uuid4()),
        "full_name": "Lê Thị Hồng",
        "birth": "1991",
        "sex": "female",
        "phone": "0977 123 456",
        "unit": world.commune_a.pk,
        "address": "Số 3, tổ 5",
        **NO,
        **extra,
    }


def test_landing_offers_the_three_kinds_and_sets_a_device_cookie(client, world):
    response = client.get("/khai-bao/")
    page = body(response)
    assert "Khai báo y tế toàn dân" in page
    assert "Khai báo di chuyển nội địa" in page
    assert "Tại địa điểm, chốt kiểm soát" in page
    assert "vx_device" in response.cookies
    assert client.get("/khai-bao/?ma=CHO-01")["Location"] == "/khai-bao/dia-diem/?ma=CHO-01"
    assert client.get("/khai-bao/khong-co/").status_code == 404


def test_the_form_shows_the_questions_in_force(client, world):
    page = body(client.get("/khai-bao/toan-dan/"))
    assert (
        "Trong 14 ngày qua, anh/chị có tiếp xúc với người bệnh hoặc nghi ngờ mắc COVID-19" in page
    )
    assert 'name="token"' in page
    assert "Phường Hà Khánh – Thành phố Hạ Long" in page
    client.cookies["vungxanh_language"] = "en"
    page = body(client.get("/khai-bao/toan-dan/"))
    assert "have you been in contact with a person ill with or suspected of COVID-19" in page


def test_a_resident_declares_and_gets_a_receipt(client, world):
    response = client.post("/khai-bao/toan-dan/", form_data(world, q_symptoms=["fever", "cough"]))
    assert response.status_code == 302
    assert response["Location"] == "/khai-bao/da-gui/"
    person = Person.objects.get(name_folded="le thi hong")
    assert person.is_self_declared
    declaration = Declaration.objects.get(person=person)
    assert declaration.channel == "public"
    assert declaration.answers["symptoms"] == ["fever", "cough"]
    receipt = body(client.get("/khai-bao/da-gui/"))
    assert "Đã nhận tờ khai" in receipt
    assert "Lê T. H." in receipt
    assert "Lê Thị Hồng" not in receipt
    assert "Trạm y tế xã/phường sẽ liên hệ với bạn" in receipt
    assert FollowUp.objects.get(person=person).unit == world.commune_a


def test_sending_the_same_form_twice_records_one_declaration(client, world):
    data = form_data(world)
    first = client.post("/khai-bao/toan-dan/", data)
    second = client.post("/khai-bao/toan-dan/", data)
    assert first["Location"] == second["Location"] == "/khai-bao/da-gui/"
    assert Declaration.objects.count() == 1


def test_an_existing_resident_is_found_by_citizen_id(client, world):
    person = PersonFactory.create(
        full_name="Phạm Văn Toàn", name_folded="pham van toan", residence_unit=world.village_a
    )
    data = form_data(world, cccd=person.cccd, full_name="Pham Van Toan", phone="", birth="", sex="")
    assert client.post("/khai-bao/toan-dan/", data).status_code == 302
    assert Declaration.objects.get().person == person
    assert Person.objects.count() == 1


def test_mistakes_are_explained_and_nothing_is_recorded(client, world):
    page = body(client.post("/khai-bao/toan-dan/", form_data(world, phone="0123", birth="")))
    assert "Hãy khai số CCCD, hoặc số điện thoại kèm năm sinh." in page
    page = body(client.post("/khai-bao/toan-dan/", form_data(world, phone="0123")))
    assert "không phải là số điện thoại di động Việt Nam" in page
    page = body(client.post("/khai-bao/toan-dan/", form_data(world, q_contact_case="")))
    assert "Trường này là bắt buộc." in page
    page = body(client.post("/khai-bao/toan-dan/", form_data(world, sex="")))
    assert "Hãy chọn nam hoặc nữ." in page
    page = body(
        client.post(
            "/khai-bao/toan-dan/", form_data(world, cccd="022185000001", birth="1991", sex="female")
        )
    )
    assert "Chữ số thứ 5-6 của số căn cước công dân (85)" in page
    assert Declaration.objects.count() == 0
    assert not Person.objects.exists()


def test_csrf_is_required(world):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/khai-bao/toan-dan/", form_data(world))
    assert response.status_code == 403
    assert Declaration.objects.count() == 0


def test_declarations_are_limited_per_device_and_per_address(client, world, monkeypatch):
    monkeypatch.setattr(ratelimit, "DEVICE", ratelimit.Limit("device", 3, 3600))
    monkeypatch.setattr(ratelimit, "ADDRESS", ratelimit.Limit("ip", 5, 3600))
    client.get("/khai-bao/")  # receives its device cookie
    codes = [client.post("/khai-bao/toan-dan/", form_data(world)).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    page = body(client.post("/khai-bao/toan-dan/", form_data(world)))
    assert "Có quá nhiều tờ khai được gửi từ điện thoại hoặc mạng này" in page
    other = Client()
    other.get("/khai-bao/")
    codes = [other.post("/khai-bao/toan-dan/", form_data(world)).status_code for _ in range(3)]
    assert codes == [302, 302, 429]  # same address: 3 + 2 = its limit of 5
    assert Declaration.objects.count() == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_the_limit_holds_under_concurrent_requests(world):
    limit = ratelimit.Limit("test", 5, 3600)
    barrier = threading.Barrier(12)
    admitted = []

    def hit():
        barrier.wait()
        admitted.append(ratelimit.hit(limit, "same-device"))
        connection.close()

    threads = [threading.Thread(target=hit) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 5


def test_someone_elses_token_shows_only_what_this_resident_sent(client, world):
    """A token already used answered with the receipt of the first declaration: the other
    resident's (shortened) name and the follow-ups their answers raised."""
    first = form_data(world, q_symptoms=["fever"])
    assert client.post("/khai-bao/toan-dan/", first).status_code == 302
    stranger = Client()
    response = stranger.post(
        "/khai-bao/toan-dan/",
        form_data(world, token=first["token"], full_name="Vương Văn Lạ", phone="0977000999"),
    )
    assert response["Location"] == "/khai-bao/da-gui/"
    receipt = body(stranger.get("/khai-bao/da-gui/"))
    assert "Vương V. L." in receipt
    assert "Lê T. H." not in receipt
    assert "Trạm y tế xã/phường sẽ liên hệ với bạn" not in receipt  # no symptoms sent
    assert Declaration.objects.count() == 1
    # A token alone (nothing else filled in) shows the form's errors, nothing else.
    page = body(Client().post("/khai-bao/toan-dan/", {"token": first["token"]}))
    assert "Lê T. H." not in page
    assert "Trường này là bắt buộc." in page


def test_arrival_before_departure_is_refused_on_the_page(client, world):
    page = body(client.get("/khai-bao/di-chuyen-noi-dia/"))
    assert "Đến tỉnh/thành phố" in page
    data = form_data(
        world,
        q_means="bus",
        q_departure_date="2021-10-20",
        q_arrival_date="2021-10-18",
        q_origin_province="01",
        q_destination_province="22",
    )
    del data["q_risk_area"]
    response = client.post("/khai-bao/di-chuyen-noi-dia/", data)
    assert response.status_code == 200
    assert "Ngày đến nơi không được trước Ngày khởi hành (20/10/2021)." in body(response)
    assert not Declaration.objects.exists()


def test_domestic_and_place_declarations(client, world):
    data = form_data(
        world,
        q_means="plane",
        q_vehicle_number="VN1234",
        q_departure_date="2021-10-20",
        q_arrival_date="2021-10-20",
        q_origin_province="79",
        q_destination_province="22",
    )
    del data["q_risk_area"]
    assert client.post("/khai-bao/di-chuyen-noi-dia/", data).status_code == 302
    declaration = Declaration.objects.get()
    assert declaration.kind == "domestic"
    assert declaration.flags == ["high_risk_area"]
    page = body(client.get("/khai-bao/dia-diem/?ma=CHOT-193"))
    assert "CHOT-193" in page
    data = form_data(world, place_code="CHOT-193", q_temperature="37.9")
    assert client.post("/khai-bao/dia-diem/", data).status_code == 302
    place = Declaration.objects.get(kind="place")
    assert place.place_code == "CHOT-193"
    assert place.flags == ["fever"]


def test_the_diary_link(client, world):
    person = PersonFactory.create(
        full_name="Đỗ Văn Kiên", name_folded="do van kien", residence_unit=world.village_a
    )
    today = timezone.localdate()
    monitoring = Monitoring.objects.create(
        person=person,
        unit=world.commune_a,
        reason="arrival",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=12),
    )
    url = f"/nhat-ky/{monitoring.access_token}/"
    page = body(client.get(url))
    assert "Nhật ký sức khỏe · Đỗ V. K." in page
    page = body(client.post(url, {"q_temperature": "38.1", "q_symptoms": ["cough"]}))
    assert "Đã lưu." in page
    assert "Trạm y tế sẽ liên hệ với bạn." in page
    entry = monitoring.entries.get()
    assert (str(entry.temperature), entry.recorded_by) == ("38.1", None)
    assert set(FollowUp.objects.filter(person=person).values_list("reason", flat=True)) == {
        "fever",
        "symptoms",
    }
    page = body(client.post(url, {"q_temperature": "50"}))
    assert "nhỏ hơn hoặc bằng với 43.0" in page
    assert client.get("/nhat-ky/not-a-real-key/").status_code == 404
    monitoring.status = Monitoring.Status.ENDED
    monitoring.save()
    assert "Nhật ký này đã đóng." in body(client.get(url))
