"""Input no person types (NUL characters, lone surrogates, absurd nesting) and values the
database refuses are answered 400 with a message that says what was wrong, on every page and
every API endpoint (vungxanh.core.middleware.InputSafetyMiddleware, vungxanh.core.drf)."""

from __future__ import annotations

import json

import pytest
from django.db import DataError
from django.test import RequestFactory, override_settings

from vungxanh.core.middleware import InputSafetyMiddleware
from vungxanh.people.models import Person

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Yêu cầu chứa ký tự NUL, là ký tự không được phép. Không có gì được lưu."


@pytest.mark.parametrize(
    "url",
    ["/nhat-ky/%00/", "/moc-dich-te/?huyen=%00", "/q/AB%00CD/x/", "/khai-bao/?a%00=1"],
)
def test_a_nul_in_a_public_address_is_a_clear_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_saved(client_as, world):
    client = client_as("commune_a")
    before = Person.objects.count()
    response = client.post(
        "/people/new/", {"full_name": "Nguyễn Văn\x00An", "birth_year": "1980", "sex": "male"}
    )
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert Person.objects.count() == before


def test_the_api_answers_json_for_a_nul_in_the_query(api_as, world):
    response = api_as("commune_a").get("/api/v1/persons/?q=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"full_name": "A\\u0000B"}', "ký tự NUL"),
        ('{"full_name": "\\ud800"}', "ký tự không hợp lệ"),
        ("[" * 40 + "]" * 40, "lồng nhau quá sâu"),
        ("[" * 100_000 + "]" * 100_000, "lồng nhau quá sâu"),
    ],
)
def test_json_bodies_no_client_should_send_are_400(api_as, world, body, message):
    response = api_as("commune_a").generic(
        "POST", "/api/v1/persons/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert message in json.dumps(response.json(), ensure_ascii=False)


def test_ordinary_nesting_and_text_still_pass_the_parser():
    from vungxanh.core.parsers import check_json

    check_json({"items": [{"answers": {"places": ["Hạ Long", "Cẩm Phả"]}}], "note": "Tốt 😀"})


def _request():
    request = RequestFactory().post("/people/new/", {"full_name": "x"})
    request.LANGUAGE_CODE = "vi"
    return request


@override_settings(INPUT_SAFETY_NET=True)
@pytest.mark.parametrize("error", [DataError("integer out of range"), OverflowError("year")])
def test_the_safety_net_answers_400_for_a_value_out_of_range(error, caplog):
    middleware = InputSafetyMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    response = middleware.process_exception(_request(), error)
    assert response is not None
    assert response.status_code == 400
    assert "nằm ngoài phạm vi" in response.content.decode()
    assert any("safety net" in r.getMessage() for r in caplog.records)  # logged for a fix


@override_settings(INPUT_SAFETY_NET=False)
def test_the_test_suite_sees_such_gaps_as_failures():
    middleware = InputSafetyMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(_request(), DataError("x")) is None
    assert middleware.process_exception(_request(), ValueError("x")) is None
