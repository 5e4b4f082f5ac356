from django.core.files.uploadedfile import SimpleUploadedFile

from vungxanh.geo.models import AdminUnit


def test_unit_list_shows_the_users_area(client_as, world):
    page = client_as("district_a").get("/units/").content.decode()
    assert "Đơn vị hành chính" in page
    assert "Thành phố Hạ Long" in page
    assert "Thành phố Móng Cái" not in page


def test_unit_search_finds_only_units_in_scope(client_as, world):
    client = client_as("district_b")
    page = client.get("/units/?q=Hà Khánh").content.decode()
    assert "Hà Khánh" not in page.split("<tbody>")[1]
    page = client.get("/units/?q=Ka Long").content.decode()
    assert "Phường Ka Long" in page


def test_unit_detail_lists_children_with_population_total(client_as, world):
    for code, pop in (("06649", 20_000), ("06652", 15_000)):
        AdminUnit.objects.filter(code=code).update(population=pop)
    page = client_as("district_a").get(f"/units/{world.district_a.public_id}/").content.decode()
    assert "Phường Hà Khánh" in page
    assert "35.000" in page
    assert client_as("district_b").get(f"/units/{world.commune_a.public_id}/").status_code == 404


def test_population_edit_validates_and_saves(client_as, world):
    client = client_as("district_a")
    url = f"/units/{world.commune_a.public_id}/population/"
    response = client.post(url, {"population": "-5", "population_year": "2020"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "lớn hơn hoặc bằng với 0" in body
    response = client.post(url, {"population": "100", "population_year": "2020"})
    assert "Cho biết số liệu lấy từ đâu." in response.content.decode()
    response = client.post(
        url, {"population": "24500", "population_source": "Niên giám", "population_year": "2020"}
    )
    assert response.status_code == 302
    unit = AdminUnit.objects.get(pk=world.commune_a.pk)
    assert unit.population == 24500
    # another district cannot even open the form
    assert client_as("district_b").get(url).status_code == 404
    # a read-only viewer cannot either
    assert client_as("viewer").get(url).status_code == 404


def test_commune_officer_adds_a_village(client_as, world):
    client = client_as("commune_a")
    url = f"/units/{world.commune_a.public_id}/villages/new/"
    response = client.post(url, {"name": "Khu 7", "kind": "khu", "population": "800"})
    assert response.status_code == 302
    village = AdminUnit.objects.get(parent=world.commune_a, name="Khu 7")
    assert village.level == AdminUnit.Level.VILLAGE
    assert village.path.startswith(world.commune_a.path)
    response = client.post(url, {"name": "Khu 7", "kind": "khu"})
    assert "đã có thôn/khu tên Khu 7" in response.content.decode()
    assert client_as("commune_a2").get(url).status_code == 404


def test_a_village_population_or_code_out_of_bounds_is_a_clear_error(client_as, world):
    client = client_as("commune_a")
    url = f"/units/{world.commune_a.public_id}/villages/new/"
    for population in ("99999999999999999999", "3000000000"):
        response = client.post(url, {"name": "Khu 8", "kind": "khu", "population": population})
        assert response.status_code == 200
        assert "nhỏ hơn hoặc bằng với 150000000" in response.content.decode()
    assert not AdminUnit.objects.filter(name="Khu 8").exists()


def test_imported_village_codes_must_be_path_safe_and_unique(world):
    import pytest
    from django.core.exceptions import ValidationError

    from vungxanh.geo import actions

    actor = world.user("commune_a")
    actions.create_village(actor=actor, commune=world.commune_a, name="Khu 9", code="HK-09")
    for code, message in (("a/b", "chỉ được gồm chữ cái"), ("HK-09", "đã có mã HK-09")):
        with pytest.raises(ValidationError) as caught:
            actions.create_village(actor=actor, commune=world.commune_a, name="Khu 10", code=code)
        assert message in " ".join(caught.value.messages)
    assert not AdminUnit.objects.filter(name="Khu 10").exists()


def test_villages_import_creates_villages(client_as, world, django_capture_on_commit_callbacks):
    client = client_as("commune_a")
    csv = "commune_code,name,kind\n06649,Tổ dân phố 9,Tổ dân phố\n06649,Bản Nà Lộc,Bản\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/units/import/villages/",
            {"file": SimpleUploadedFile("v.csv", csv.encode(), content_type="text/csv")},
        )
    names = set(AdminUnit.objects.filter(parent=world.commune_a).values_list("name", "kind"))
    assert ("Tổ dân phố 9", "to_dan_pho") in names
    assert ("Bản Nà Lộc", "ban") in names


def test_import_template_downloads(client_as, world):
    response = client_as("province_admin").get("/units/import/populations/template.csv")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("unit_code,population,source,year")


def test_units_api_is_scoped_filtered_and_paginated(api_as, world):
    api = api_as("district_a")
    body = api.get("/api/v1/units/?level=3&page_size=10").json()
    assert body["count"] == 33
    assert len(body["results"]) == 10
    assert all(r["path"].startswith("/22/193/") for r in body["results"])
    body = api.get("/api/v1/units/?code=06709").json()
    assert body["count"] == 0
    one = api.get(f"/api/v1/units/{world.commune_a.public_id}/").json()
    assert one["name"] == "Phường Hà Khánh"
    assert one["parent_code"] == "193"
    assert api.get(f"/api/v1/units/{world.commune_b.public_id}/").status_code == 404
    assert api.get("/api/v1/units/?level=9").status_code == 400


def test_facilities_api_shows_facilities_serving_the_area(api_as, world):
    codes = {f["code"] for f in api_as("commune_a").get("/api/v1/facilities/").json()["results"]}
    assert "T-TYT-A" in codes  # in the commune
    assert "T-LAB-P" in codes  # provincial, serves everyone
    assert "T-TYT-B" not in codes  # another district's health station
