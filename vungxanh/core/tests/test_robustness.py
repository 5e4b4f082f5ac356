"""Malformed input on the foundation's pages (units, users, audit, jobs) with the fuzzer of
vungxanh/core/tests/fuzz.py, and regression tests of what it and schemathesis found in
core, geo and accounts."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from django.test import Client

from vungxanh.accounts.models import User
from vungxanh.core import audit
from vungxanh.core.models import AuditEvent, Job
from vungxanh.core.tabular import TableError, read_table
from vungxanh.core.tests import fuzz
from vungxanh.geo.models import AdminUnit

pytestmark = pytest.mark.django_db


def test_no_foundation_page_fails_on_malformed_input(client_as, world):
    job = Job.objects.create(
        kind="vungxanh.geo.imports.import_populations",
        label="x",
        actor=world.user("province_admin"),
    )
    urls = [
        "/",
        "/audit/",
        f"/jobs/{job.public_id}/",
        "/units/",
        "/units/?q=Hà",
        f"/units/{world.commune_a.public_id}/",
        f"/units/{world.commune_a.public_id}/population/",
        f"/units/{world.commune_a.public_id}/villages/new/",
        "/units/import/populations/",
        "/units/import/villages/",
        "/units/facilities/",
        "/accounts/users/",
        "/accounts/users/new/",
        f"/accounts/users/{world.user('commune_a').public_id}/",
        "/accounts/me/",
    ]
    foreign = [str(world.commune_b.pk), str(world.commune_b.public_id), "22", "-1"]
    findings = fuzz.walk(
        client_as("province_admin"),
        urls,
        extra_choices=foreign,
        skip_actions=[r"/password/$", r"/end/$"],  # a new password page; ending assignments
    )
    assert not findings, "\n".join(map(str, findings))


# --- the API ----------------------------------------------------------------------------------


def test_an_address_no_api_route_matches_answers_json(api_as, world):
    """``/api/v1/units/0.5/`` matched no route and answered the HTML 404 page, where the
    schema promises JSON."""
    response = api_as("district_a").get("/api/v1/units/0.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Không tìm thấy."}
    assert "text/html" in Client().get("/units/0.5/")["Content-Type"]


def test_an_email_less_user_matches_the_schema(api_as, world):
    """``"email": ""`` was documented as an email address (format: email)."""
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    email = schema["components"]["schemas"]["User"]["properties"]["email"]
    assert "format" not in email
    assert api_as("commune_a").get("/api/v1/me/").json()["email"] == ""
    me = schema["paths"]["/api/v1/me/"]["get"]["responses"]
    assert {"200", "401", "403", "404"} <= set(me)


def test_api_validation_messages_are_vietnamese(api_as, world):
    """DRF's own Vietnamese catalogue lacks most validation messages (the project's
    catalogue supplies them, vungxanh/core/messages.py)."""
    response = api_as("province_admin").post(
        "/api/v1/users/",
        {"username": "x.y", "full_name": "X", "role": "viewer", "unit": "22", "password": 5},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["password"] == ["Hãy bảo đảm trường này có ít nhất 10 ký tự."]
    response = api_as("province_admin").get("/api/v1/units/?page=0")
    assert response.json() == {"detail": "Trang không hợp lệ."}


# --- imports: files that cannot be read -------------------------------------------------------


def test_a_csv_cell_over_the_csv_modules_limit_is_a_clear_refusal():
    """csv.Error escaped read_table: the job failed as "an internal error"."""
    with pytest.raises(TableError, match="dòng 2"):
        read_table(b"name,code\n" + b"A" * 200_000 + b",1\n", "units.csv")


def test_an_excel_file_whose_sheet_breaks_while_read_is_a_clear_refusal():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="applic'
            'ation/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr("xl/workbook.xml", "<workbook>not really")
    with pytest.raises(TableError):
        read_table(data.getvalue(), "units.xlsx")


# --- the audit log --------------------------------------------------------------------------------


def test_the_audit_log_takes_text_with_nul_characters(world):
    """PostgreSQL refuses NUL in text and jsonb: a filter typed with one made the export's
    audit event, and so the export, fail."""
    event = audit.record(
        actor=world.user("district_a"),
        verb="export",
        target_label="a\x00b",
        extra={"filters": "q=a\x00b", "k\x00": ["\x00"]},
    )
    event.refresh_from_db()
    assert event.target_label == "a\ufffdb"
    assert event.extra == {"filters": "q=a\ufffdb", "k\ufffd": ["\ufffd"]}


# --- a stale CSRF token on an official's form -------------------------------------------------


def test_an_expired_form_says_so_in_vietnamese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("district_a"))
    response = client.post("/units/import/populations/", {"csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Biểu mẫu đã hết hạn" in page
    assert "tải lại trang rồi gửi lại" in page


# --- refused forms keep what was typed; double submits do the work once ---------------------------


def test_a_refused_user_edit_keeps_what_was_typed(client_as, world):
    subject = world.user("commune_a")
    response = client_as("province_admin").post(
        f"/accounts/users/{subject.public_id}/edit/",
        {"full_name": "Trần Văn Sửa Tên", "email": "not-an-address", "is_active": "on"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Trần Văn Sửa Tên"' in page
    assert "Nhập địa chỉ email" in page or "email hợp lệ" in page
    subject.refresh_from_db()
    assert subject.full_name != "Trần Văn Sửa Tên"


def test_creating_a_user_twice_creates_one_account(client_as, world):
    client = client_as("province_admin")
    page = client.get("/accounts/users/new/").content.decode()
    key = fuzz.field_value(page, "submission")
    data = {
        "submission": key,
        "username": "hai.lan",
        "full_name": "Hai Lần",
        "role": "viewer",
        "unit": world.province.pk,
        "read_only": "on",
    }
    first = client.post("/accounts/users/new/", data)
    assert first.status_code == 200
    assert "Mật khẩu" in first.content.decode() or "password" in first.content.decode()
    second = client.post("/accounts/users/new/", data)
    user = User.objects.get(username="hai.lan")
    assert second.status_code == 302
    assert second["Location"] == f"/accounts/users/{user.public_id}/"


def test_creating_a_village_twice_creates_one(client_as, world):
    client = client_as("commune_a")
    url = f"/units/{world.commune_a.public_id}/villages/new/"
    data = {"submission": str(uuid.uuid4()), "name": "Thôn Hai Lần", "kind": "thon"}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert AdminUnit.objects.filter(name="Thôn Hai Lần").count() == 1
    # without the key (an old page), the action's own check still refuses a second one
    response = client.post(url, {"name": "Thôn Hai Lần", "kind": "thon"})
    assert response.status_code == 200
    assert "đã có thôn" in response.content.decode().lower()


def test_the_audit_of_the_fuzz_run_stays_readable(client_as, world):
    """Events written from malformed input are shown on the audit page like any other."""
    audit.record(
        actor=world.user("district_a"),
        verb="export",
        target_label="<b>\x00</b>",
        unit_path=world.commune_a.path,
    )
    page = client_as("province_admin").get("/audit/?q=%3Cb%3E").content.decode()
    assert "&lt;b&gt;\ufffd&lt;/b&gt;" in page
    assert AuditEvent.objects.filter(target_label="<b>\ufffd</b>").exists()
