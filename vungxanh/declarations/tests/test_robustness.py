"""Malformed input on every declarations page, the public ones included (see
vungxanh/core/tests/fuzz.py): no answer of 500, a clear message, nothing typed lost; a stale
CSRF token on the public pages; double submits. Cases found by the fuzzer and by
schemathesis on the API are kept as regression tests."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from vungxanh.core.tests import fuzz
from vungxanh.declarations import actions, ratelimit
from vungxanh.declarations.models import (
    Channel,
    Declaration,
    FollowUp,
    FormKind,
    Monitoring,
)
from vungxanh.people.models import Household
from vungxanh.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NO = {
    "q_risk_area": "no",
    "q_contact_case": "no",
    "q_contact_abroad": "no",
    "q_contact_symptomatic": "no",
}


@pytest.fixture(autouse=True)
def generous_limits(monkeypatch):
    """The fuzzer sends hundreds of forms from one device."""
    cache.clear()
    monkeypatch.setattr(ratelimit, "DEVICE", ratelimit.Limit("device", 100_000, 3600))
    monkeypatch.setattr(ratelimit, "ADDRESS", ratelimit.Limit("ip", 100_000, 3600))
    monkeypatch.setattr(ratelimit, "DIARY", ratelimit.Limit("diary", 100_000, 3600))
    yield
    cache.clear()


@pytest.fixture
def area(world):
    household = Household.objects.create(unit=world.village_a, address="Số 9, ngõ 4")
    head = PersonFactory.create(
        full_name="Đỗ Văn Hùng", residence_unit=world.village_a, household=household
    )
    PersonFactory.create(
        full_name="Đỗ Thị Mai", sex="female", residence_unit=world.village_a, household=household
    )
    declaration, _ = actions.submit_declaration(
        actor=world.user("commune_a"),
        kind=FormKind.POPULATION,
        answers={**{k.removeprefix("q_"): "no" for k in NO}, "contact_case": "yes"},
        channel=Channel.STAFF,
        person=head,
        unit=world.village_a,
    )
    follow_up = FollowUp.objects.get(person=head)
    monitoring = actions.start_monitoring(
        actor=world.user("commune_a"), person=head, reason=Monitoring.Reason.CONTACT, days=14
    )
    elsewhere = PersonFactory.create(full_name="Lâm Văn Xa", residence_unit=world.commune_b)
    return {
        "household": household,
        "head": head,
        "declaration": declaration,
        "follow_up": follow_up,
        "monitoring": monitoring,
        "foreign": [
            str(world.commune_b.pk),
            str(world.district_b.pk),
            str(world.commune_b.public_id),
            str(elsewhere.public_id),
        ],
    }


def staff_urls(area, world) -> list[str]:
    return [
        "/declarations/",
        f"/declarations/{area['declaration'].public_id}/",
        "/declarations/door-to-door/",
        f"/declarations/door-to-door/villages/{world.village_a.public_id}/",
        f"/declarations/door-to-door/households/{area['household'].public_id}/",
        "/declarations/follow-ups/",
        f"/declarations/follow-ups/{area['follow_up'].public_id}/",
        "/declarations/monitoring/",
        f"/declarations/monitoring/new/?person={area['head'].public_id}",
        f"/declarations/monitoring/{area['monitoring'].public_id}/",
        "/declarations/forms/",
        "/declarations/forms/?kind=population&version=1",
        "/declarations/forms/new/",
        "/declarations/forms/new/?kind=diary",
    ]


@pytest.mark.parametrize("persona", ["commune_a", "community_a"])
def test_no_staff_page_fails_on_malformed_input(client_as, world, area, persona):
    findings = fuzz.walk(client_as(persona), staff_urls(area, world), extra_choices=area["foreign"])
    assert not findings, "\n".join(map(str, findings))


def test_no_form_page_fails_for_a_province_officer(client_as, world, area):
    urls = ["/declarations/forms/new/", "/declarations/forms/new/?kind=domestic"]
    findings = fuzz.walk(client_as("province_officer"), urls, extra_choices=area["foreign"])
    assert not findings, "\n".join(map(str, findings))


def test_no_public_page_fails_on_malformed_input(client, world, area):
    urls = [
        "/khai-bao/",
        "/khai-bao/toan-dan/",
        "/khai-bao/di-chuyen-noi-dia/",
        "/khai-bao/dia-diem/?ma=CHO-01",
        "/khai-bao/da-gui/",
        f"/nhat-ky/{area['monitoring'].access_token}/",
        "/nhat-ky/not-a-key/",
        "/nhat-ky/%00/",
    ]
    findings = fuzz.walk(client, urls, extra_choices=area["foreign"], fresh_fields=["token"])
    assert not findings, "\n".join(map(str, findings))


# --- the public pages: a stale CSRF token loses nothing ---------------------------------------


def public_form(world, **extra):
    return {
        "token": str(uuid.uuid4()),
        "full_name": "Phan Thị Hết Hạn",
        "birth": "1988",
        "sex": "female",
        "phone": "0977 555 111",
        "unit": world.commune_a.pk,
        "address": "Số 12, tổ 4",
        **NO,
        "q_symptoms": ["cough"],
        **extra,
    }


def test_a_stale_csrf_token_shows_the_declaration_again_filled_in(world):
    """The form was opened before the phone's cookies were cleared (or days ago): the
    declaration is not recorded, and every answer is still there with a fresh token."""
    resident = Client(enforce_csrf_checks=True)
    page = resident.get("/khai-bao/toan-dan/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    resident.cookies.clear()  # the cookies are gone; the page (and its token) is not
    data = {**public_form(world), "csrfmiddlewaretoken": "x" * 64}
    response = resident.post("/khai-bao/toan-dan/", data)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Trang này đã mở quá lâu hoặc cookie của trình duyệt đã bị xóa" in page
    assert 'value="Phan Thị Hết Hạn"' in page
    assert 'value="Số 12, tổ 4"' in page
    assert 'value="0977 555 111"' in page
    assert re.search(r'value="cough"[^>]*checked', page)
    assert Declaration.objects.count() == 0
    # sending the page it was given again works
    token = fuzz.field_value(page, "csrfmiddlewaretoken")
    data["csrfmiddlewaretoken"] = token
    assert resident.post("/khai-bao/toan-dan/", data).status_code == 302
    assert Declaration.objects.get().person.full_name == "Phan Thị Hết Hạn"


def test_csrf_is_still_required_on_the_public_pages(world, area):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/khai-bao/toan-dan/", public_form(world)).status_code == 403
    diary = f"/nhat-ky/{area['monitoring'].access_token}/"
    response = strict.post(diary, {"q_temperature": "38.5"})
    assert response.status_code == 403
    assert 'value="38.5"' in response.content.decode()
    assert not area["monitoring"].entries.exists()
    assert Declaration.objects.count() == 1  # the fixture's


def test_a_place_code_with_a_line_break_is_carried_safely(client, world):
    """``/khai-bao/?ma=a%0Ab`` put the raw code into a Location header (a 500)."""
    response = client.get("/khai-bao/", {"ma": "CHO 01\nX&y=1"})
    assert response.status_code == 302
    assert response["Location"] == "/khai-bao/dia-diem/?ma=CHO+01%0AX%26y%3D1"


# --- officials' pages: refused forms stay on screen --------------------------------------------


def test_a_refused_follow_up_closing_keeps_the_note(client_as, world, area):
    item = area["follow_up"]
    url = f"/declarations/follow-ups/{item.public_id}/resolve/"
    response = client_as("commune_a").post(url, {"status": "dismissed", "note": " "})
    assert response.status_code == 400
    assert "Hãy ghi lý do không cần xử lý" in response.content.decode()
    response = client_as("commune_a").post(url, {"status": "wrong", "note": "Đã gọi điện"})
    assert response.status_code == 400
    assert "Đã gọi điện" in response.content.decode()
    item.refresh_from_db()
    assert item.is_pending


def test_a_refused_diary_day_keeps_the_answers(client_as, world, area):
    monitoring = area["monitoring"]
    url = f"/declarations/monitoring/{monitoring.public_id}/diary/"
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client_as("commune_a").post(url, {"day": future, "q_temperature": "37.9"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ngày này ở tương lai" in page or "tương lai" in page
    assert 'value="37.9"' in page
    assert not monitoring.entries.exists()


def test_ending_monitoring_with_a_nul_or_a_long_note(client_as, world, area):
    """The note went from the request to the database as it came: PostgreSQL refuses NUL."""
    monitoring = area["monitoring"]
    client = client_as("commune_a")
    url = f"/declarations/monitoring/{monitoring.public_id}/end/"
    response = client.post(url, {"note": "Chuyển đi " + "z" * 300})
    assert response.status_code == 400
    assert "Chuyển đi zzz" in response.content.decode()
    response = client.post(url, {"note": "a\x00b"})
    assert response.status_code == 400
    assert "Yêu cầu chứa ký tự NUL" in response.content.decode()  # the site's answer
    monitoring.refresh_from_db()
    assert monitoring.status == Monitoring.Status.ACTIVE
    assert client.post(url, {"note": "Hết 14 ngày"}).status_code == 302
    monitoring.refresh_from_db()
    assert monitoring.status == Monitoring.Status.ENDED


def test_a_form_version_written_with_other_digits_is_ignored(client_as, world):
    """``?version=²`` passed ``str.isdigit`` and failed ``int()`` (a 500)."""
    client = client_as("commune_a")
    for version in ["²", "٣", "99999999999999999999999", "-1"]:
        assert client.get("/declarations/forms/", {"kind": "population", "version": version})


# --- double submits -----------------------------------------------------------------------------


def test_saving_a_household_twice_declares_each_member_once(client_as, world, area):
    household = area["household"]
    client = client_as("community_a")
    url = f"/declarations/door-to-door/households/{household.public_id}/"
    page = client.get(url).content.decode()
    key = fuzz.field_value(page, "submission")
    roster = fuzz.field_value(page, "members")
    data = {"submission": key, "members": roster}
    for member in roster.split(","):
        data[f"m-{member}-present"] = "on"
        for q in NO:
            data[f"m-{member}-{q}"] = "no"
    before = Declaration.objects.count()
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Declaration.objects.count() == before + 2


def test_a_household_is_declared_all_or_none(world, area):
    """A refused member saves nobody, so sending the corrected household again does not
    declare the others twice."""
    from django.core.exceptions import ValidationError

    household = area["household"]
    members = list(household.members.order_by("id"))
    answers = {k.removeprefix("q_"): "no" for k in NO}
    before = Declaration.objects.count()
    with pytest.raises(ValidationError):
        actions.submit_household_declarations(
            actor=world.user("community_a"),
            household=household,
            entries=[(members[0], answers), (members[1], {**answers, "risk_area": "maybe"})],
        )
    assert Declaration.objects.count() == before


def test_publishing_a_form_twice_makes_one_version(client_as, world):
    from vungxanh.declarations.models import FormDefinition

    client = client_as("province_officer")
    page = client.get("/declarations/forms/new/?kind=diary").content.decode()
    key = fuzz.field_value(page, "submission")
    data = {
        "submission": key,
        "kind": "diary",
        "title": "Nhật ký v2",
        "valid_from": (timezone.localtime() + datetime.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "questions": fuzz.field_value(page, "questions"),
    }
    first = client.post("/declarations/forms/new/", data)
    second = client.post("/declarations/forms/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert FormDefinition.objects.filter(kind="diary", title="Nhật ký v2").count() == 1


# --- the API ------------------------------------------------------------------------------------


def test_the_api_documents_the_answers_of_a_repeat(world):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    for path in ("/api/v1/declarations/", "/api/v1/diary-entries/"):
        assert {"200", "201", "400", "401", "403", "404"} <= set(
            schema["paths"][path]["post"]["responses"]
        )
    mine = (
        *("units", "facilities", "users", "me", "persons", "households", "declaration"),
        *("follow-ups", "monitorings", "diary-entries"),
    )
    for path, operations in schema["paths"].items():
        if not path.removeprefix("/api/v1/").startswith(mine):
            continue
        for method, operation in operations.items():
            if method in ("get", "post", "patch", "put", "delete"):
                assert "404" in operation["responses"], f"{method} {path}"


#: A JSON value of each other type, for every question type (the API's answers are free).
WRONG_TYPES = {
    "yes_no": [1, 0.5, ["yes"], {"yes": True}],
    "choice": [79, 1.5, True, ["plane"], {"value": "plane"}],
    "multi": ["fever", 3, True, {"fever": True}, [1], [["fever"]], [True]],
    "text": [1234, 1.5, False, ["VN123"], {"n": 1}],
    "date": [20211020, 2021.1, True, ["2021-10-20"], {"day": "2021-10-20"}],
    "number": [True, ["1"], {"n": 1}],
    "temperature": [False, [37.5], {"c": 37.5}],
}
TYPE_MESSAGES = {
    "yes_no": 'Hãy trả lời "yes" hoặc "no" (hoặc true hoặc false).',
    "choice": "Hãy gửi giá trị của một lựa chọn (dạng văn bản).",
    "multi": "Hãy gửi một danh sách các giá trị đã chọn (dạng văn bản).",
    "text": "Hãy gửi câu trả lời dưới dạng văn bản.",
    "date": "Hãy gửi ngày dưới dạng văn bản, ví dụ 2021-10-20.",
    "number": "Hãy gửi một số.",
    "temperature": "Hãy gửi một số.",
}


def test_answers_of_the_wrong_json_type_are_refused_for_every_question_type():
    """A date sent as a number (or a list, a bool, an object) reached Django's DateField,
    which calls ``.strip()`` on it: AttributeError, a 500 from the API."""
    from django.core.exceptions import ValidationError

    from vungxanh.declarations.questions import check_answers

    choices = [{"value": "plane", "label": "Máy bay"}, {"value": "fever", "label": "Sốt"}]
    for kind, values in WRONG_TYPES.items():
        question = {"key": "q", "type": kind, "label": "Q", "required": True, "choices": choices}
        for value in values:
            with pytest.raises(ValidationError) as info:
                check_answers([question], {"q": value})
            assert info.value.message_dict == {"q": [TYPE_MESSAGES[kind]]}, (kind, value)
    # The right types still pass.
    good = {"yes_no": True, "choice": "plane", "multi": ["fever"], "text": "VN1", "number": 3}
    for kind, value in {**good, "date": "2021-10-20", "temperature": "37.5"}.items():
        question = {"key": "q", "type": kind, "label": "Q", "choices": choices}
        assert set(check_answers([question], {"q": value})) == {"q"}


def test_the_api_refuses_a_date_sent_as_a_number(api_as, world):
    api = api_as("commune_a")
    answers = {
        "means": "bus",
        "departure_date": 20211020,
        "arrival_date": ["2021-10-20"],
        "origin_province": "79",
        "destination_province": "22",
        "vehicle_number": {"plate": "14A"},
        "contact_case": "no",
        "contact_abroad": "no",
        "contact_symptomatic": "no",
    }
    response = api.post(
        "/api/v1/declarations/",
        {
            "kind": "domestic",
            "full_name": "Hà Văn Số",
            "phone": "0912000777",
            "birth_year": 1980,
            "sex": "male",
            "unit": "06649",
            "answers": answers,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "departure_date": ["Hãy gửi ngày dưới dạng văn bản, ví dụ 2021-10-20."],
        "arrival_date": ["Hãy gửi ngày dưới dạng văn bản, ví dụ 2021-10-20."],
        "vehicle_number": ["Hãy gửi câu trả lời dưới dạng văn bản."],
    }
    assert not Declaration.objects.filter(kind="domestic").exists()
