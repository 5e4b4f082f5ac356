"""Interview contacts who are not in the registry yet: the form finds them (citizen ID, or
phone with name and year of birth) or registers them, within the official's area only,
and keeps nothing when any part fails."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Contact, TracingTask
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.cases.tests.factories import confirm, make_person
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import OutOfScope
from vungxanh.people.models import Person

TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def case(world):
    load_default_rule_sets()
    return confirm(make_person(world.commune_a, "Ca Được Phỏng Vấn"), onset_date=D)


def post(client, case, **data):
    form = {
        "identifier": "",
        "exposure_type": "workplace",
        "within_2m": "yes",
        "masked": "no",
        "confirm": "on",
    }
    form.update({k: str(v) for k, v in data.items()})
    return client.post(f"/cases/{case.public_id}/contacts/new/", form, follow=True)


def text(response) -> str:
    return response.content.decode()


def test_a_contact_not_in_the_registry_is_registered_and_traced(client_as, world, case):
    client = client_as("commune_a")
    page = client.get(f"/cases/{case.public_id}/contacts/new/")
    assert "Chưa có trong cơ sở dữ liệu dân cư?" in text(page)
    response = post(
        client,
        case,
        full_name="trần   thị đồng nghiệp",
        birth_year=1990,
        sex="female",
        phone="0912 345 678",
        residence_unit=world.village_a.pk,
        address="Tổ 3",
    )
    assert response.redirect_chain[-1][0] == f"/cases/{case.public_id}/"
    person = Person.objects.get(phone="+84912345678")
    assert (person.full_name, person.birth_year, person.sex) == (
        "Trần Thị Đồng Nghiệp",
        1990,
        "female",
    )
    assert person.residence_unit == world.village_a
    assert person.is_self_declared
    contact = Contact.objects.get(case=case, person=person)
    assert (contact.status, contact.origin, contact.unit) == (
        "confirmed",
        "interview",
        world.commune_a,
    )
    assert TracingTask.objects.get(person=person).unit == world.commune_a
    created = AuditEvent.objects.get(verb="create_person", target_id=str(person.public_id))
    assert created.extra["source"] == "case_interview"
    assert created.actor == world.user("commune_a")
    page = text(response)
    assert "Trần Thị Đồng Nghiệp chưa có trong cơ sở dữ liệu dân cư và nay đã được đăng ký" in page
    assert "Đã xác nhận F1" in page


def test_a_registered_person_is_found_by_phone_name_and_year(client_as, world, case):
    known = make_person(world.commune_a2, "Phạm Văn Quen")
    known.phone = "+84900000777"
    known.save(update_fields=["phone"])
    response = post(
        client_as("district_a"),
        case,
        full_name="Pham Van Quen",
        birth_year=known.birth_year,
        sex="male",
        phone=known.phone,
        residence_unit=world.commune_a.pk,
    )
    assert response.status_code == 200
    assert Person.objects.filter(phone=known.phone).count() == 1
    assert Contact.objects.get(case=case).person == known
    assert "chưa có trong cơ sở dữ liệu" not in text(response)


def test_a_registered_person_elsewhere_is_found_by_citizen_id(client_as, world, case):
    """Contacts live anywhere: a Móng Cái resident named in a Hạ Long interview."""
    elsewhere = make_person(world.commune_b, "Hoàng Văn Móng Cái")
    elsewhere.cccd = "022085000123"
    elsewhere.save(update_fields=["cccd"])
    response = post(
        client_as("commune_a"),
        case,
        full_name="Hoàng Văn Móng Cái",
        cccd="022085000123",
        birth_year=1985,
        sex="male",
    )
    assert response.status_code == 200
    contact = Contact.objects.get(case=case)
    assert contact.person == elsewhere
    assert TracingTask.objects.get(person=elsewhere).unit == world.commune_b


def test_registering_someone_living_outside_the_area_is_refused_clearly(client_as, world, case):
    response = post(
        client_as("commune_a"),
        case,
        full_name="Người Ở Móng Cái",
        birth_year=1970,
        sex="male",
        phone="0987000111",
        residence_unit=world.commune_b.pk,
    )
    assert response.status_code == 200
    assert "Hãy chọn xã hoặc thôn trong địa bàn của bạn" in text(response)
    assert not Person.objects.filter(phone="+84987000111").exists()
    assert not Contact.objects.filter(case=case).exists()


def test_the_action_refuses_a_residence_outside_the_area_with_a_message(world, case):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        actions.add_interview_contact(
            actor=world.user("commune_a"),
            case=case,
            identity=actions.NewContactPerson(
                full_name="Người Ở Móng Cái",
                birth_year=1970,
                sex="male",
                phone="0987000222",
                residence_unit=world.commune_b,
            ),
            exposure_type="household",
        )
    assert (
        "chỉ có thể đăng ký người sống trong địa bàn" in exc.value.message_dict["residence_unit"][0]
    )
    assert not Person.objects.filter(phone="+84987000222").exists()
    with pytest.raises(OutOfScope):  # an official who may not change the case: nothing at all
        actions.add_interview_contact(
            actor=world.user("district_b"),
            case=case,
            identity=actions.NewContactPerson(
                full_name="Ai Đó", birth_year=1970, sex="male", phone="0987000333"
            ),
            exposure_type="household",
        )
    assert not Person.objects.filter(phone="+84987000333").exists()


def test_missing_details_are_asked_for_field_by_field(client_as, world, case):
    client = client_as("commune_a")
    response = post(client, case, full_name="Chỉ Có Tên", residence_unit=world.commune_a.pk)
    page = text(response)
    assert response.status_code == 200
    assert "Hãy nhập năm sinh." in page
    assert "Hãy nhập số điện thoại hoặc số CCCD." in page
    assert "Chỉ Có Tên" in page  # what was typed is kept
    response = post(
        client,
        case,
        full_name="Chỉ Có Tên",
        birth_year=1960,
        phone="0911222333",
        residence_unit=world.commune_a.pk,
    )
    assert "Hãy chọn nam hoặc nữ." in text(response)
    response = post(client, case, full_name="Chỉ Có Tên", birth_year=1960, phone="0911222333")
    assert "Hãy chọn xã/phường nơi bạn đang ở." in text(response)
    assert not Person.objects.filter(phone="+84911222333").exists()


def test_nothing_is_kept_when_the_contact_is_refused(client_as, world, case):
    response = post(
        client_as("commune_a"),
        case,
        full_name="Đứng Xa Ba Mét",
        birth_year=1999,
        sex="female",
        phone="0933444555",
        residence_unit=world.commune_a.pk,
        within_2m="no",
    )
    assert response.status_code == 200
    assert "Tiếp xúc ở khoảng cách trên 2 m không phải F1." in text(response)
    assert not Person.objects.filter(phone="+84933444555").exists()
    assert not AuditEvent.objects.filter(verb="create_person").exists()


def test_an_unknown_identifier_tells_how_to_register(client_as, world, case):
    response = post(client_as("commune_a"), case, identifier="0944555666")
    assert response.status_code == 200
    assert "hãy điền họ tên, năm sinh, giới tính và nơi ở bên dưới" in text(response)
