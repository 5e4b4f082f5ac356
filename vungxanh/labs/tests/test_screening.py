"""A sampling team's screening session: a list of people scanned or typed at a site, one
sample each, F1 recognised in one query, per-line errors and nothing half-recorded."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM
from vungxanh.labs import actions, bridge
from vungxanh.labs.models import Sample
from vungxanh.labs.tests.factories import PersonFactory
from vungxanh.venues.signing import person_qr_text

URL = "/labs/screening/"


def text(response) -> str:
    return response.content.decode()


def chip_qr(person) -> str:
    born = f"0101{person.birth_year}"
    sex = "Nam" if person.sex == "male" else "Nữ"
    return f"{person.cccd}||{person.full_name}|{born}|{sex}|Hà Khánh, Hạ Long|01012021"


def post(client, lines, lab=None, **extra):
    data = {"unit": "", "reason": "screening", "people": "\n".join(lines)}
    data.update(extra)
    if lab is not None:
        data["lab"] = lab.pk
    return client.post(URL, data, follow=True)


def test_a_session_records_one_sample_per_person_from_any_identifier(client_as, world, lab):
    people = [PersonFactory.create(residence_unit=world.village_a) for _ in range(5)]
    client = client_as("commune_a")
    page = client.get(URL)
    assert "Phiên lấy mẫu sàng lọc" in text(page)
    lines = [
        people[0].cccd,
        f"  {people[1].phone.replace('+84', '0')}  ",  # as people say it, with spaces
        str(people[2].public_id),
        person_qr_text(people[3].public_id),  # the resident's QR card
        chip_qr(people[4]),  # the chip ID card's QR
    ]
    response = post(client, lines, lab=lab, unit=world.commune_a.pk)
    page = text(response)
    assert response.status_code == 200
    assert "Đã ghi nhận 5 mẫu. Hãy in nhãn." in page
    samples = list(Sample.objects.order_by("code"))
    assert [s.person for s in samples] == people
    assert {(s.test_kind, s.reason, s.unit, s.lab) for s in samples} == {
        ("pcr", "screening", world.commune_a, lab)
    }
    for sample in samples:
        assert sample.code in page
    assert AuditEvent.objects.filter(verb="collect_screening_batch").count() == 1
    batch = response.redirect_chain[-1][0].split("batch=")[1]
    labels = client.get(f"/labs/screening/labels.pdf?batch={batch}")
    assert labels["Content-Type"] == "application/pdf"
    assert labels.content.startswith(b"%PDF")


def test_every_wrong_line_is_named_and_nothing_is_recorded(client_as, world, lab):
    mine = PersonFactory.create(residence_unit=world.commune_a)
    elsewhere = PersonFactory.create(residence_unit=world.commune_b)
    lines = [
        mine.cccd,
        "022099999999",  # nobody
        "xin chào",  # not an identifier
        elsewhere.cccd,  # another district's resident: not visible to Hà Khánh
        mine.cccd,  # twice
        "VXP1.00000000000000000000000000000000.forged",
    ]
    response = post(client_as("commune_a"), lines, lab=lab, unit=world.commune_a.pk)
    page = text(response)
    assert response.status_code == 200
    assert "Dòng 2 (022099999999): không có ai bạn được xem trong cơ sở dữ liệu" in page
    assert "Dòng 3 (xin chào): Không phải số CCCD (12 chữ số)" in page
    assert f"Dòng 4 ({elsewhere.cccd}): không có ai bạn được xem" in page
    assert f"Dòng 5 ({mine.cccd}): trùng người ở dòng 1." in page
    assert "Dòng 6" in page
    assert "Mã QR cá nhân không hợp lệ." in page
    assert "xin chào" in page  # the list is kept to correct it
    assert not Sample.objects.exists()
    assert not AuditEvent.objects.filter(verb="collect_screening_batch").exists()


def test_a_double_submit_records_the_list_once(client_as, world, lab):
    people = [PersonFactory.create(residence_unit=world.commune_a) for _ in range(3)]
    client = client_as("commune_a")
    key = "6a1f5e1e-5b0e-4f3e-9f59-3d1f4c1e2a10"
    for _ in range(2):
        response = post(
            client, [p.cccd for p in people], lab=lab, unit=world.commune_a.pk, batch_key=key
        )
    assert "Danh sách này đã được ghi nhận" in text(response)
    assert Sample.objects.count() == 3


def _local(days: int) -> str:
    return (timezone.localtime() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: _local(2), "Thời điểm lấy mẫu nằm trong tương lai."),
        (lambda: _local(-5), "quá ba ngày"),
        (lambda: "2999-01-01T08:00", "Nhập ngày trong khoảng từ 2000 đến 2100."),
        (lambda: "1900-01-01T08:00", "Nhập ngày trong khoảng từ 2000 đến 2100."),
        (lambda: "not a date", "Nhập một ngày/thời gian hợp lệ."),
    ],
)
def test_collection_times_in_the_future_or_far_past_are_refused(
    client_as, world, lab, when, message
):
    when = when()
    person = PersonFactory.create(residence_unit=world.commune_a)
    response = post(
        client_as("commune_a"), [person.cccd], lab=lab, unit=world.commune_a.pk, collected_at=when
    )
    assert response.status_code == 200
    assert message in text(response)
    assert not Sample.objects.exists()


def test_other_communes_and_laboratories_cannot_record_here(client_as, world, lab):
    person = PersonFactory.create(residence_unit=world.commune_a)
    response = post(client_as("commune_b"), [person.cccd], unit=world.commune_a.pk)
    assert "Hãy chọn một lựa chọn hợp lệ." in text(response)
    assert not Sample.objects.exists()
    assert client_as("lab_tech").get(URL).status_code == 404  # labs do not see people
    assert client_as("viewer").get(URL).status_code == 404


@pytest.mark.skipif(
    not bridge.available("f1_person_ids"), reason="the tracing capability is not installed"
)
def test_f1_are_recognised_in_one_query_for_the_whole_list(world, lab):
    from vungxanh.cases import actions as case_actions
    from vungxanh.cases.tests.factories import confirm

    index = PersonFactory.create(residence_unit=world.commune_a)
    case = confirm(index, sample_date=timezone.localdate() - datetime.timedelta(days=1))
    contact = PersonFactory.create(residence_unit=world.commune_a)
    case_actions.add_contact(actor=SYSTEM, case=case, person=contact, exposure_type="household")
    officer = world.user("commune_a")

    def run(n: int) -> tuple[list[Sample], int]:
        persons = [PersonFactory.create(residence_unit=world.commune_a) for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            samples = actions.collect_screening_batch(
                actor=officer, persons=persons, unit=world.commune_a, lab=lab
            )
        return samples, len(queries.captured_queries)

    run(1)  # the first batch creates the code sequence
    _few, few_queries = run(3)
    _many, many_queries = run(30)
    assert few_queries == many_queries  # no query per person

    samples = actions.collect_screening_batch(
        actor=officer, persons=[contact, index], unit=world.commune_a, lab=lab
    )
    assert [s.is_f1 for s in samples] == [True, False]
    assert samples[0].single_only
    assert samples[0].priority < samples[1].priority


def test_a_huge_or_binary_list_is_answered_with_a_message(client_as, world, lab):
    client = client_as("commune_a")
    lines = [f"09{n:08d}" for n in range(1_200)]
    response = post(client, lines, lab=lab, unit=world.commune_a.pk)
    assert "tối đa 1000 người" in text(response)
    # Bytes that are not UTF-8 in the posted form: the form answers.
    body = f"unit={world.commune_a.pk}&reason=screening&people=%FF%FE%C3%28abc".encode()
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert not Sample.objects.exists()
    # A NUL is refused before the page (the site's input safety), with a message.
    body = f"unit={world.commune_a.pk}&reason=screening&people=%FF%FE%00%C3%28abc".encode()
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "ký tự NUL" in text(response)
    assert not Sample.objects.exists()
