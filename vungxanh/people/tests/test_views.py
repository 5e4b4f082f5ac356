"""Registry pages and API as officials use them: search, records, the exact-match offer,
the ID card QR, households, who lives here, duplicates, import and export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from vungxanh.core.models import AuditEvent, Job
from vungxanh.people.models import DuplicateCandidate, Household, Person
from vungxanh.people.tests.factories import PersonFactory, cccd_for

pytestmark = pytest.mark.django_db


def body(response):
    return response.content.decode()


@pytest.fixture
def an(world):
    return PersonFactory.create(
        full_name="Nguyễn Văn An",
        name_folded="nguyen van an",
        birth_year=1985,
        residence_unit=world.village_a,
        phone="+84912345678",
        cccd="022085012345",
    )


# --- search --------------------------------------------------------------------------------------


def test_search_finds_a_name_typed_without_diacritics_only_in_scope(client_as, world, an):
    PersonFactory.create(
        full_name="Nguyễn Văn Anh", name_folded="nguyen van anh", residence_unit=world.commune_b
    )
    page = body(client_as("commune_a").get("/people/?q=nguyen van an"))
    assert "Nguyễn Văn An" in page
    assert "Nguyễn Văn Anh" not in page  # Ka Long is not Hà Khánh's
    assert "Họ tên có chứa “nguyen van an”" in page
    page = body(client_as("commune_b").get("/people/?q=nguyen van an"))
    assert "Nguyễn Văn Anh" in page
    assert "Nguyễn Văn An<" not in page


def test_search_by_phone_and_cccd(client_as, world, an):
    client = client_as("district_a")
    page = body(client.get("/people/?q=0912 345 678"))
    assert "Đang tìm số điện thoại +84912345678." in page
    assert "Nguyễn Văn An" in page
    response = client.get("/people/?q=022 085 012 345")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{an.public_id}/"
    assert client_as("district_b").get("/people/?q=022085012345").status_code == 200


def test_list_pages_without_counting(client_as, world):
    for i in range(55):
        PersonFactory.create(
            residence_unit=world.commune_a2,
            full_name=f"Lê Thị Mục {i}",
            name_folded=f"le thi muc {i}",
            sex="female",
        )
    client = client_as("commune_a2")
    page = body(client.get("/people/"))
    assert "Dòng 1–50" in page
    assert "page=2" in page
    page = body(client.get("/people/?page=2"))
    assert "Dòng 51–55" in page
    assert body(client.get("/people/?page=abc")).count("Lê Thị Mục") == 50


def test_viewer_without_registry_rights_gets_404(client_as, world):
    assert client_as("viewer").get("/people/").status_code == 404
    assert client_as("lab_tech").get("/people/").status_code == 404


# --- the record ------------------------------------------------------------------------------


def test_reading_a_record_is_audited_and_shown_to_readers(client_as, world, an):
    client = client_as("commune_a")
    client.get(f"/people/{an.public_id}/")
    page = body(client_as("district_a").get(f"/people/{an.public_id}/"))
    assert "Ai đã xem hồ sơ này" in page
    section = page.split("Ai đã xem hồ sơ này")[1].split("</section>")[0]
    assert "commune_a" in section
    assert "district_a" in section
    views = AuditEvent.objects.filter(verb="view", target_id=str(an.public_id))
    assert views.count() == 2
    assert {v.unit_path for v in views} == {world.village_a.path}
    assert client_as("district_b").get(f"/people/{an.public_id}/").status_code == 404
    assert views.count() == 2  # a refused read records nothing


def test_create_offers_the_exact_match_before_creating(client_as, world, an):
    client = client_as("commune_a")
    form = {
        "full_name": "nguyen van an",
        "birth": "1985",
        "sex": "male",
        "phone": "0912345678",
        "residence_unit": world.commune_a.pk,
    }
    page = body(client.post("/people/new/", form))
    assert "Đã có người đăng ký với cùng số điện thoại, họ tên và năm sinh này." in page
    assert f"/people/{an.public_id}/" in page
    assert Person.objects.filter(name_folded="nguyen van an").count() == 1
    response = client.post("/people/new/", form | {"confirm_new": "on"})
    assert response.status_code == 302
    assert Person.objects.filter(name_folded="nguyen van an").count() == 2


def test_create_explains_a_wrong_cccd(client_as, world):
    client = client_as("commune_a")
    page = body(
        client.post(
            "/people/new/",
            {
                "full_name": "Trần Thị Bình",
                "birth": "12/05/1990",
                "sex": "male",
                "cccd": "022190000001",
                "residence_unit": world.commune_a.pk,
            },
        )
    )
    assert "Chữ số thứ 4 của số căn cước công dân (1)" in page
    page = body(
        client.post(
            "/people/new/",
            {
                "full_name": "Trần Thị Bình",
                "birth": "31/02/1990",
                "sex": "female",
                "residence_unit": world.commune_a.pk,
            },
        )
    )
    assert "không phải là một ngày có thật" in page
    # a commune outside the user's area is not even offered
    page = body(
        client.post(
            "/people/new/",
            {
                "full_name": "Trần Thị Bình",
                "birth": "1990",
                "sex": "female",
                "residence_unit": world.commune_b.pk,
            },
        )
    )
    assert "Hãy chọn một lựa chọn hợp lệ" in page
    assert not Person.objects.filter(name_folded="tran thi binh").exists()


def an_edited(world, **changes):
    """The edit form of Nguyễn Văn An as it comes filled in, with ``changes``."""
    return {
        "full_name": "Nguyễn Văn An",
        "birth": "15/03/1985",
        "sex": "male",
        "cccd": "022085012345",
        "phone": "0912345678",
        "residence_unit": world.village_a.pk,
        **changes,
    }


def test_edit_changes_and_records_the_diff(client_as, world, an):
    client = client_as("commune_a")
    page = body(client.get(f"/people/{an.public_id}/edit/"))
    assert 'value="0912345678"' in page
    # The edit form shows the whole record: reading it is recorded like opening the page.
    view = AuditEvent.objects.get(verb="view", target_id=str(an.public_id))
    assert (view.actor, view.unit_path) == (world.user("commune_a"), world.village_a.path)
    response = client.post(
        f"/people/{an.public_id}/edit/",
        an_edited(world, occupation="Thợ mỏ", comorbidities=["diabetes"]),
    )
    assert response.status_code == 302
    an.refresh_from_db()
    assert (an.occupation, an.comorbidities, str(an.birth_date)) == (
        "Thợ mỏ",
        ["diabetes"],
        "1985-03-15",
    )
    page = body(client.get(f"/people/{an.public_id}/"))
    assert "Đái tháo đường" in page
    assert client_as("commune_a2").get(f"/people/{an.public_id}/edit/").status_code == 404


# --- chip ID card QR -----------------------------------------------------------------------------


def test_scanning_an_id_card_opens_or_prefills(client_as, world, an):
    client = client_as("commune_a")
    qr = "022085012345|123456789|Nguyễn Văn An|15031985|Nam|Khu 1, Hà Khánh|01012021"
    response = client.post("/people/scan/", {"qr": qr})
    assert response["Location"] == f"/people/{an.public_id}/"
    new = "022195000777|   |Phạm Thị Hoa|02021995|Nữ|Số 3, Hà Khánh, Hạ Long|01012022"
    response = client.post("/people/scan/", {"qr": new})
    assert response["Location"] == "/people/new/"
    page = body(client.get("/people/new/"))
    assert 'value="Phạm Thị Hoa"' in page
    assert 'value="02/02/1995"' in page
    assert 'value="022195000777"' in page
    page = body(client.post("/people/scan/", {"qr": "022195000777|x|Hoa"}))
    assert "phải có 7 trường" in page
    # a card registered elsewhere is not opened, and its owner is not named
    page = body(client_as("commune_b").post("/people/scan/", {"qr": qr}))
    assert "đã được đăng ký ở địa bàn khác" in page
    assert "Nguyễn Văn An" not in page.split("<form")[1].split("</form>")[0].split("value=")[0]


# --- households and who lives here -------------------------------------------------------------


def test_household_pages_and_who_lives_here(client_as, world, an):
    client = client_as("community_a")
    response = client.post(
        "/people/households/new/", {"unit": world.village_a.pk, "address": "Số 12, ngõ 3"}
    )
    household = Household.objects.get(address="Số 12, ngõ 3")
    assert response["Location"] == f"/people/households/{household.public_id}/"
    page = body(client.get(f"/people/households/{household.public_id}/?q=nguyen van an"))
    assert "Nguyễn Văn An" in page
    client.post(
        f"/people/households/{household.public_id}/members/",
        {"person": str(an.public_id), "relation": "head"},
    )
    household.refresh_from_db()
    assert household.head == an
    response = client.post(
        "/people/new/",
        {
            "household": str(household.public_id),
            "relation": "child",
            "full_name": "Nguyễn Văn Bé",
            "birth": "2015",
            "sex": "male",
            "residence_unit": world.village_a.pk,
        },
    )
    assert response.status_code == 302
    child = Person.objects.get(name_folded="nguyen van be")
    assert (child.household, child.relation_to_head) == (household, "child")
    page = body(client.get(f"/people/units/{world.village_a.public_id}/"))
    assert "Ai đang sống ở đây · Khu 1" in page
    assert "Số 12, ngõ 3" in page
    assert "Nguyễn Văn Bé" in page
    assert "Chủ hộ" in page
    assert AuditEvent.objects.filter(verb="view_residents").exists()
    commune_page = body(client_as("commune_a").get(f"/people/units/{world.commune_a.public_id}/"))
    assert "Khu 1" in commune_page
    assert (
        client_as("commune_b").get(f"/people/units/{world.village_a.public_id}/").status_code == 404
    )
    client_as("community_a").post(
        f"/people/households/{household.public_id}/members/remove/",
        {"person": str(child.public_id)},
    )
    child.refresh_from_db()
    assert child.household is None


# --- duplicates ----------------------------------------------------------------------------------


def test_duplicates_queue_merge_and_dismiss(client_as, world, django_capture_on_commit_callbacks):
    a = PersonFactory.create(
        residence_unit=world.commune_a,
        cccd=None,
        full_name="Vũ Văn Tài",
        name_folded="vu van tai",
        birth_year=1960,
    )
    b = PersonFactory.create(
        residence_unit=world.commune_a,
        full_name="Vũ Văn Tài",
        name_folded="vu van tai",
        birth_year=1960,
    )
    c = PersonFactory.create(
        residence_unit=world.commune_a,
        cccd=None,
        full_name="Vũ Văn Tải",
        name_folded="vu van tai",
        birth_year=1960,
    )
    client = client_as("commune_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/duplicates/scan/")
    job = Job.objects.latest("created_at")
    assert response["Location"] == f"/jobs/{job.public_id}/"
    assert job.status == "succeeded", job.message
    page = body(client.get("/people/duplicates/"))
    assert page.count("Vũ Văn Tài") >= 2
    pair = DuplicateCandidate.objects.get(person_a=a, person_b=b)
    page = body(client.get(f"/people/duplicates/{pair.public_id}/"))
    assert "Đây có phải cùng một người?" in page
    response = client.post(
        f"/people/duplicates/{pair.public_id}/merge/", {"keep": str(a.public_id)}
    )
    assert response["Location"] == f"/people/{a.public_id}/"
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.merged_into == a
    assert a.cccd is not None
    other = DuplicateCandidate.objects.get(status="open")
    assert {other.person_a_id, other.person_b_id} == {a.pk, c.pk}
    client.post(f"/people/duplicates/{other.public_id}/distinct/", {"note": "cha con"})
    other.refresh_from_db()
    assert other.status == "not_duplicate"
    assert "Không có cặp nào cần xem xét." in body(client.get("/people/duplicates/"))
    assert client_as("commune_b").get(f"/people/duplicates/{pair.public_id}/").status_code == 404


# --- import and export ---------------------------------------------------------------------------


def _upload(client, text, name="people.csv"):
    return client.post("/people/import/", {"file": SimpleUploadedFile(name, text.encode())})


def test_import_creates_households_and_persons(
    client_as, world, django_capture_on_commit_callbacks
):
    client = client_as("commune_a")
    csv = (
        "full_name,birth,sex,cccd,phone,unit_code,address,household,relation,comorbidities\n"
        f"Lò Văn Sáng,1970,Nam,{cccd_for(1970, 'male')},0987000111,06649-01,Số 4,H1,Chủ hộ,\n"
        'Lò Thị Nở,03/04/1972,Nữ,,,06649-01,Số 4,H1,Vợ,"diabetes, hypertension"\n'
        "Lò Văn Tí,2012,nam,,,06649-01,Số 4,H1,Con,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv)
    job = Job.objects.latest("created_at")
    assert job.status == "succeeded", job.message
    assert "Đã nhập 3 người và 1 hộ gia đình." in body(client.get(f"/jobs/{job.public_id}/"))
    household = Household.objects.get(address="Số 4")
    assert household.head is not None
    assert household.head.full_name == "Lò Văn Sáng"
    wife = Person.objects.get(name_folded="lo thi no")
    assert wife.comorbidities == ["diabetes", "hypertension"]
    assert wife.relation_to_head == "spouse"


def test_import_with_errors_imports_nothing_and_reports_each_row(
    client_as, world, an, django_capture_on_commit_callbacks
):
    client = client_as("commune_a")
    csv = (
        "full_name,birth,sex,cccd,phone,unit_code\n"
        "Đinh Văn Một,1980,Nam,,,06649\n"  # fine
        "Đinh Văn Hai,1980,Nam,022085012345,,06649\n"  # CCCD of An, and wrong year
        "Đinh Văn Ba,1981,Nam,,0212345678,06709\n"  # not a mobile; commune B
        "Đinh Văn Bốn,1982,Không rõ,,,06649\n"  # sex
    )
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv)
    job = Job.objects.latest("created_at")
    assert job.status == "failed"
    assert not Person.objects.filter(name_folded__startswith="dinh van").exists()
    report = client.get(f"/jobs/{job.public_id}/download/").content.decode("utf-8-sig")
    assert (
        "4,unit_code,Không có xã/phường hoặc thôn/khu nào mã 06709 trong địa bàn của bạn." in report
    )
    assert "5,sex,Hãy ghi Nam hoặc Nữ." in report
    csv = "full_name,birth,sex,cccd,phone,unit_code\nĐinh Văn Hai,1980,Nam,022085012345,,06649\n"
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv)
    job = Job.objects.latest("created_at")
    report = client.get(f"/jobs/{job.public_id}/download/").content.decode("utf-8-sig")
    assert "2,cccd" in report
    assert "1980" in report


def test_import_template_is_an_excel_file(client_as, world):
    response = client_as("commune_a").get("/people/import/template/")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["full_name", "birth", "sex"]


def test_export_is_audited_and_large_exports_are_jobs(
    client_as, world, an, monkeypatch, django_capture_on_commit_callbacks
):
    client = client_as("commune_a")
    page = body(client.get("/people/export/?q=nguyen"))
    assert "Có 1 người phù hợp với bộ lọc" in page
    response = client.post("/people/export/", {"query": "q=nguyen"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.values)
    assert rows[0][0] == "Họ và tên"
    assert rows[1][:4] == ("Nguyễn Văn An", "1985", "Nam", "022085012345")
    event = AuditEvent.objects.get(verb="export")
    assert event.extra == {"what": "people.person", "filters": "q=nguyen", "rows": 1}
    monkeypatch.setattr("vungxanh.people.views.EXPORT_INLINE_LIMIT", 0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/people/export/", {"query": ""})
    job = Job.objects.latest("created_at")
    assert response["Location"] == f"/jobs/{job.public_id}/"
    assert job.status == "succeeded"
    assert job.output_name.endswith(".xlsx")
    assert AuditEvent.objects.filter(verb="export").count() == 2


def test_invisible_characters_are_dropped_on_entry_and_never_break_an_export(client_as, world, an):
    """A control character pasted into an address (or sent by a hostile form) made every
    Excel export of the area fail: spreadsheets refuse them."""
    client = client_as("commune_a")
    response = client.post(
        f"/people/{an.public_id}/edit/",
        an_edited(world, occupation="Công\x01 nhân\u200b", workplace="Mỏ \x1bthan"),
    )
    assert response.status_code == 302
    an.refresh_from_db()
    assert (an.occupation, an.workplace) == ("Công nhân", "Mỏ than")
    # stored before the cleaning (or by a source that does not clean): the export still works
    Person.objects.filter(pk=an.pk).update(residence_address="Số 5\x01 tổ 3")
    response = client.post("/people/export/", {"query": ""})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].values)
    assert "Số 5 tổ 3" in rows[1]


# --- API -----------------------------------------------------------------------------------------


def test_api_persons_are_scoped_searchable_and_audited(api_as, world, an):
    api = api_as("district_a")
    data = api.get("/api/v1/persons/?q=nguyen van an").json()
    assert data["count"] is None
    assert [p["full_name"] for p in data["results"]] == ["Nguyễn Văn An"]
    assert api_as("district_b").get("/api/v1/persons/?q=nguyen van an").json()["results"] == []
    one = api.get(f"/api/v1/persons/{an.public_id}/").json()
    assert one["cccd"] == "022085012345"
    assert one["residence_unit"] == "06649-01"
    assert AuditEvent.objects.filter(verb="view", target_id=str(an.public_id)).count() == 1
    assert AuditEvent.objects.filter(verb="list", actor_label="district_a").exists()
    assert api_as("district_b").get(f"/api/v1/persons/{an.public_id}/").status_code == 404


def test_api_create_update_and_identify(api_as, world, an):
    api = api_as("commune_a")
    response = api.post(
        "/api/v1/persons/",
        {
            "full_name": "Đào Thị Mận",
            "sex": "female",
            "birth_year": 1999,
            "residence_unit": "06649",
            "phone": "0933 444 555",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["phone"] == "+84933444555"
    response = api.post(
        "/api/v1/persons/",
        {
            "full_name": "Dao Thi Man",
            "sex": "female",
            "birth_year": 1999,
            "residence_unit": "06649",
            "phone": "0933444555",
        },
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["matches"] == [created["id"]]
    response = api.post(
        "/api/v1/persons/",
        {
            "full_name": "X",
            "sex": "female",
            "birth_year": 1999,
            "residence_unit": "06649",
            "cccd": "022099",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "12 chữ số" in response.json()["cccd"][0]
    response = api.patch(
        f"/api/v1/persons/{created['id']}/", {"occupation": "Giáo viên"}, format="json"
    )
    assert response.json()["occupation"] == "Giáo viên"
    response = api.post(
        "/api/v1/persons/identify/",
        {"cccd": "022085012345", "full_name": "nguyen van an"},
        format="json",
    )
    assert (response.status_code, response.json()["id"]) == (200, str(an.public_id))
    response = api.post(
        "/api/v1/persons/identify/",
        {
            "phone": "0944555666",
            "full_name": "Mạc Văn Khá",
            "birth_year": 1977,
            "sex": "male",
            "residence_unit": "06649-01",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["is_self_declared"] is True
    assert (
        api_as("commune_b")
        .patch(f"/api/v1/persons/{created['id']}/", {"occupation": "x"}, format="json")
        .status_code
        == 404
    )


def test_api_identify_finds_only_in_your_area_and_reveals_nobody_else(api_as, world, an):
    """The endpoint checked only the permission and found anybody in the province: any
    commune official could read a stranger's whole record from a citizen ID alone."""
    url = "/api/v1/persons/identify/"
    outsider = api_as("commune_b")
    nobody_cccd = cccd_for(1985, "male")
    answers = {}
    for label, data in {
        "their cccd": {"cccd": an.cccd, "full_name": "Nguyễn Văn An"},
        "a free cccd": {"cccd": nobody_cccd, "full_name": "Nguyễn Văn An"},
        "their phone": {"phone": "0912345678", "full_name": "Nguyễn Văn An", "birth_year": 1985},
        "a free phone": {"phone": "0912000999", "full_name": "Nguyễn Văn An", "birth_year": 1985},
    }.items():
        response = outsider.post(url, data, format="json")
        answers[label] = (response.status_code, response.json())
    # Found elsewhere answers exactly like found nowhere: nothing to tell them apart.
    assert answers["their cccd"] == answers["a free cccd"]
    assert answers["their phone"] == answers["a free phone"]
    status, payload = answers["their cccd"]
    assert status == 404
    assert (
        payload["detail"] == "Không có ai với các thông tin này được đăng ký trong địa bàn của bạn."
    )
    assert set(payload["missing"]) == {"birth_year", "sex", "residence_unit"}
    assert str(an.public_id) not in str(answers)
    assert "+84912345678" not in str(answers)
    # A citizen ID alone is not enough: the name must agree with it.
    response = outsider.post(url, {"cccd": an.cccd}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "full_name": ["Hãy nhập cả họ tên: số căn cước được đối chiếu với họ tên."]
    }
    # With what registering needs, the caller learns only that the person is registered
    # in another area, and whom to ask; nobody is created twice.
    register = {
        "cccd": an.cccd,
        "full_name": "Nguyễn Văn An",
        "birth_year": 1985,
        "sex": "male",
        "residence_unit": "06709",
        "phone": "0987000111",
    }
    response = outsider.post(url, register, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Người này đã được đăng ký ở địa bàn khác. Hãy đề nghị xã/phường nơi "
        "người đó được đăng ký ghi nhận việc người đó sống hoặc lưu trú tại địa bàn của bạn."
    }
    assert Person.objects.filter(name_folded="nguyen van an").count() == 1
    an.refresh_from_db()
    assert an.other_phone == ""  # an outsider never writes the record
    assert not AuditEvent.objects.filter(target_id=str(an.public_id)).exists()
    # In the area: found, blanks filled, and the read recorded like opening the page.
    response = api_as("commune_a").post(url, register | {"residence_unit": "06649"}, format="json")
    assert (response.status_code, response.json()["id"]) == (200, str(an.public_id))
    an.refresh_from_db()
    assert an.other_phone == "+84987000111"
    view = AuditEvent.objects.get(verb="view", target_id=str(an.public_id))
    assert view.actor == world.user("commune_a")
    assert view.unit_path == world.village_a.path


def test_api_patch_answers_the_record_and_records_the_read(api_as, world, an):
    """A PATCH that changes nothing returned the whole record with no audit event."""
    api = api_as("commune_a")
    response = api.patch(f"/api/v1/persons/{an.public_id}/", {}, format="json")
    assert (response.status_code, response.json()["phone"]) == (200, "+84912345678")
    events = AuditEvent.objects.filter(target_id=str(an.public_id))
    assert [(e.verb, e.actor) for e in events] == [("view", world.user("commune_a"))]


def test_api_households_list_only_members_in_scope(api_as, world, an):
    """The households API prefetched members without restrict(): a lodger registered
    elsewhere was listed to the village team with the household."""
    household = Household.objects.create(unit=world.village_a, address="Số 2")
    Person.objects.filter(pk=an.pk).update(household=household)
    PersonFactory.create(
        full_name="Lò Văn Ngoài",
        name_folded="lo van ngoai",
        residence_unit=world.commune_b,
        household=household,
    )
    data = api_as("community_a").get("/api/v1/households/").json()
    (row,) = [h for h in data["results"] if h["id"] == str(household.public_id)]
    assert [m["full_name"] for m in row["members"]] == ["Nguyễn Văn An"]
    data = api_as("province_officer").get("/api/v1/households/").json()
    (row,) = [h for h in data["results"] if h["id"] == str(household.public_id)]
    assert {m["full_name"] for m in row["members"]} == {"Nguyễn Văn An", "Lò Văn Ngoài"}


def test_api_households(api_as, world, an):
    api = api_as("community_a")
    response = api.post(
        "/api/v1/households/", {"unit": "06649-01", "address": "Số 1"}, format="json"
    )
    assert response.status_code == 201
    Person.objects.filter(pk=an.pk).update(household=Household.objects.get(address="Số 1"))
    data = api.get("/api/v1/households/").json()
    assert data["results"][0]["members"][0]["full_name"] == "Nguyễn Văn An"
    assert api_as("commune_b").get("/api/v1/households/").json()["count"] == 0
    response = api.post("/api/v1/households/", {"unit": "06709", "address": "x"}, format="json")
    assert response.status_code == 404


def test_list_pages_take_a_fixed_number_of_queries(client_as, world, django_assert_max_num_queries):
    household = Household.objects.create(unit=world.village_a, address="Số 1")
    for i in range(30):
        PersonFactory.create(
            residence_unit=world.village_a,
            household=household,
            full_name=f"Hà Văn Số {i}",
            name_folded=f"ha van so {i}",
        )
    client = client_as("commune_a")
    client.get("/people/")
    with django_assert_max_num_queries(8):
        assert client.get("/people/").status_code == 200
    with django_assert_max_num_queries(12):  # exact, prefix, contains, then the rows
        assert client.get("/people/?q=ha+van").status_code == 200
    with django_assert_max_num_queries(16):  # households, members, lodgers: never per row
        assert client.get(f"/people/units/{world.village_a.public_id}/").status_code == 200


def test_the_unit_filter_offers_the_users_own_units(client_as, world, an):
    page = body(client_as("commune_a").get("/people/"))
    assert f'<option value="{world.village_a.public_id}"' in page
    assert str(world.commune_b.public_id) not in page
    page = body(client_as("district_a").get(f"/people/?unit={world.village_a.public_id}"))
    assert "Nguyễn Văn An" in page
    page = body(client_as("district_a").get(f"/people/?unit={world.commune_a2.public_id}"))
    assert "Nguyễn Văn An" not in page


def test_name_search_ranks_exact_then_prefix_then_contains_across_pages(world):
    from vungxanh.people.search import RankedNames, search_q

    names = ["Trần Lê Văn An", "Lê Văn Anh", "Lê Văn An", "Lê Văn An", "Đỗ Lê Văn An Bình"]
    made = [
        PersonFactory.create(full_name=n, name_folded=n.lower(), residence_unit=world.village_a)
        for n in names
    ]
    for person in made:  # the factory's name_folded kept diacritics; fold properly
        person.set_name(person.full_name)
        person.save()
    query = search_q("le van an")
    ranked = RankedNames(Person.objects.all(), query)
    everything = [p.full_name for p in ranked[0:10]]
    assert everything == [
        "Lê Văn An",
        "Lê Văn An",
        "Lê Văn Anh",
        "Đỗ Lê Văn An Bình",
        "Trần Lê Văn An",
    ]
    assert [p.full_name for p in ranked[2:4]] == ["Lê Văn Anh", "Đỗ Lê Văn An Bình"]
    assert [p.pk for p in ranked[0:2]] == sorted(p.pk for p in made if p.full_name == "Lê Văn An")
    assert [
        p.full_name for p in RankedNames(Person.objects.all(), search_q("le van an 1985"))[0:10]
    ] == everything
    assert RankedNames(Person.objects.all(), search_q("le van an 1990"))[0:10] == []
