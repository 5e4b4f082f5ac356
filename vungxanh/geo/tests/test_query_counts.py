"""List pages keep a constant number of queries however many rows they show."""

from vungxanh.geo.models import AdminUnit, Facility


def test_unit_list_and_detail_query_counts(client_as, world, django_assert_max_num_queries):
    client = client_as("province_admin")
    with django_assert_max_num_queries(8):
        assert client.get("/units/?level=3").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/units/{world.district_a.public_id}/").status_code == 200
    AdminUnit.objects.filter(level=3).update(population=1000)
    with django_assert_max_num_queries(8):
        assert client.get("/units/?level=3&page=2").status_code == 200


def test_facility_and_user_lists_query_counts(client_as, world, django_assert_max_num_queries):
    for i in range(30):
        Facility.objects.create(
            code=f"QC-{i}", name=f"Trạm {i}", kind="health_station", unit=world.commune_a
        )
    client = client_as("province_admin")
    with django_assert_max_num_queries(8):
        assert client.get("/units/facilities/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/accounts/users/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/users/?page_size=100").status_code == 200
