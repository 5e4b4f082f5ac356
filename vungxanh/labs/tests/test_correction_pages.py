"""The correction page and API: what the technician is told before and after, the history on
the sample and pool pages, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vungxanh.labs import actions, bridge
from vungxanh.labs.models import ResultCorrection, SamplingTask
from vungxanh.labs.tests.factories import PersonFactory, make_sample

CASES = pytest.mark.skipif(
    not bridge.available("discard_case"), reason="the tracing capability is not installed"
)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def positive_pool(world, lab):
    for _ in range(3):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    actions.record_result(
        actor=world.user("lab_tech"), target=pool, result="positive", ct=Decimal("29")
    )
    return pool


def test_a_pool_is_corrected_in_the_browser_form(client_as, world, positive_pool):
    pool = positive_pool
    client = client_as("lab_tech")
    detail = text(client.get(f"/labs/pools/{pool.public_id}/"))
    assert "Sửa kết quả này" in detail
    page = client.get(f"/labs/pools/{pool.public_id}/correct/")
    assert page.status_code == 200
    assert "3 nhiệm vụ lấy mẫu lại chưa thực hiện sẽ bị hủy" in text(page)
    assert 'name="expected" value="positive"' in text(page)

    response = client.post(
        f"/labs/pools/{pool.public_id}/correct/",
        {"result": "negative", "ct": "", "reason": "Nhập nhầm giếng", "expected": "positive"},
        follow=True,
    )
    page = text(response)
    assert response.redirect_chain[-1][0] == f"/labs/pools/{pool.public_id}/"
    assert "Đã sửa kết quả từ “Dương tính” thành “Âm tính”." in page
    assert "Đã hủy 3 nhiệm vụ lấy mẫu lại chưa thực hiện." in page
    assert "Nhập nhầm giếng" in page  # the history on the pool page
    assert set(SamplingTask.objects.values_list("status", flat=True)) == {"cancelled"}


def test_bad_input_on_the_correction_form_is_explained(client_as, world, positive_pool):
    client = client_as("lab_tech")
    url = f"/labs/pools/{positive_pool.public_id}/correct/"
    for data, message in [
        ({"result": "negative", "reason": ""}, "Trường này là bắt buộc."),
        ({"result": "positive", "ct": "NaN", "reason": "x"}, "NaN không phải giá trị Ct."),
        ({"result": "positive", "ct": "99", "reason": "x"}, "Giá trị Ct phải"),
        ({"result": "pending", "reason": "x"}, "Hãy chọn một lựa chọn hợp lệ."),
        (
            {"result": "negative", "reason": "x", "expected": "negative"},
            "Kết quả đã thay đổi trong lúc bạn sửa",
        ),
        ({"result": "positive", "ct": "29", "reason": "x" * 300}, "tối đa 255 kí tự"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert message in text(response), data
    assert not ResultCorrection.objects.exists()


def test_other_laboratories_and_officials_cannot_correct(client_as, world, positive_pool):
    url = f"/labs/pools/{positive_pool.public_id}/correct/"
    assert client_as("lab_tech_b").get(url).status_code == 404
    assert (
        client_as("district_a").post(url, {"result": "negative", "reason": "x"}).status_code == 404
    )
    assert not ResultCorrection.objects.exists()


@CASES
def test_the_page_warns_before_discarding_the_case_a_positive_confirmed(client_as, world, lab):
    from vungxanh.cases.models import Case

    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    actions.record_result(
        actor=world.user("lab_tech"), target=sample, result="positive", ct=Decimal("20")
    )
    case = Case.objects.get()
    url = f"/labs/samples/{sample.public_id}/correct/"
    # The province officer, who may see the case, reads its number.
    page = text(client_as("province_officer").get(url))
    assert f"Kết quả dương tính này đã xác nhận ca {case}" in page
    # The laboratory has no access to cases: the same warning, without the case's number.
    client = client_as("lab_tech")
    page = text(client.get(url))
    assert "Kết quả dương tính này đã xác nhận ca bệnh của người này" in page
    assert str(case) not in page
    response = client.post(
        url, {"result": "negative", "reason": "Nhầm ống", "expected": "positive"}, follow=True
    )
    page = text(response)
    assert "Ca bệnh của người này đã được xác nhận bởi kết quả này và nay bị loại" in page
    assert str(case) not in page
    case.refresh_from_db()
    assert case.is_discarded
    history = page.split('id="corrections"')[1]
    assert "ca bệnh: đã loại" in history  # the history line says what became of the case
    history = text(client_as("province_officer").get(f"/labs/samples/{sample.public_id}/"))
    assert f"ca bệnh {case}: đã loại" in history.split('id="corrections"')[1]


def test_the_api_corrects_and_refuses_like_the_page(api_as, world, positive_pool):
    api = api_as("lab_tech")
    url = f"/api/v1/labs/pools/{positive_pool.public_id}/correct/"
    response = api.post(url, {"result": "negative", "reason": "Nhập nhầm"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["result_before"], body["result_after"]) == ("positive", "negative")
    assert body["consequences"]["tasks_cancelled"] == 3
    response = api.post(url, {"result": "negative", "reason": "Lần nữa"}, format="json")
    assert response.status_code == 400
    assert "Đây đã là kết quả của mẫu gộp." in response.json()["non_field_errors"]
    assert api.post(url, {"result": "maybe"}, format="json").status_code == 400
    other = api_as("lab_tech_b")
    assert other.post(url, {"result": "positive", "ct": 30, "reason": "x"}).status_code == 404


def test_a_nan_ct_on_the_result_form_is_a_message_not_an_error(client_as, world, lab):
    """Regression: ``NaN`` parsed as a Decimal made the Ct range check raise (a 500)."""
    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    client = client_as("lab_tech")
    for ct in ("NaN", "sNaN", "Infinity", "-inf", "1e999999"):
        response = client.post(
            f"/labs/samples/{sample.public_id}/result/",
            {"result": "positive", "ct": ct},
            follow=True,
        )
        assert response.status_code == 200, ct
        assert "không phải giá trị Ct" in text(response), ct
    sample.refresh_from_db()
    assert sample.result == "pending"


@CASES
def test_the_api_names_the_case_only_to_those_who_may_see_it(api_as, world, lab):
    from vungxanh.cases.models import Case

    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    actions.record_result(
        actor=world.user("lab_tech"), target=sample, result="positive", ct=Decimal("20")
    )
    case = Case.objects.get()
    url = f"/api/v1/labs/samples/{sample.public_id}/correct/"
    # The laboratory has no access to cases: what became of it, not which case it was.
    response = api_as("lab_tech").post(
        url, {"result": "negative", "reason": "Nhầm ống", "expected": "positive"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["consequences"]["case"] == {"outcome": "discarded"}
    assert body["case_ref"] is None
    text = response.content.decode()
    assert str(case.public_id) not in text
    assert str(case) not in text
    # The province officer, who may see the case, reads its id and number.
    response = api_as("province_officer").post(
        url,
        {"result": "positive", "ct": "20", "reason": "Đúng là dương tính", "expected": "negative"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["consequences"]["case"] == {
        "case": str(case.public_id),
        "case_label": str(case),
        "outcome": "reinstated",
    }
    assert body["case_ref"] == str(case.public_id)
