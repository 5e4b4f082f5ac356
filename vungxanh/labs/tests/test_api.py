"""The testing API: scoped lists with the pages' filters, result entry, the planner."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vungxanh.core.models import AuditEvent
from vungxanh.labs import actions
from vungxanh.labs.models import Result, Sample, SamplingTask
from vungxanh.labs.tests.factories import PersonFactory, make_sample


def test_samples_api_is_scoped_and_filtered(api_as, world, lab):
    ours = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason="f1")
    make_sample(PersonFactory.create(residence_unit=world.commune_b), lab=lab)
    body = api_as("district_a").get("/api/v1/labs/samples/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["code"] == ours.code
    assert row["reason"] == "f1"
    assert row["single_only"] is True
    assert row["lab"] == "T-LAB-P"
    assert api_as("lab_tech").get("/api/v1/labs/samples/?reason=f1").json()["count"] == 1
    assert api_as("lab_tech_b").get("/api/v1/labs/samples/").json()["count"] == 0
    assert api_as("district_b").get(f"/api/v1/labs/samples/{ours.public_id}/").status_code == 404
    api_as("district_a").get(f"/api/v1/labs/samples/{ours.public_id}/")
    assert AuditEvent.objects.filter(verb="view", target_id=str(ours.person.public_id)).exists()
    assert api_as("lab_tech").get("/api/v1/labs/samples/?result=nope").status_code == 400


def test_samples_api_says_who_collected_and_where(api_as, world, lab):
    officer = world.user("commune_a")
    officer.full_name = "Lê Thị Hoa"
    officer.save(update_fields=["full_name"])
    site = actions.create_sampling_site(
        actor=world.user("province_officer"),
        name="Chốt lấy mẫu KCN Cái Lân",
        kind="workplace",
        unit=world.commune_a,
        default_lab=lab,
    )
    at_site = actions.collect_sample(
        actor=officer,
        person=PersonFactory.create(residence_unit=world.commune_a),
        test_kind="pcr",
        reason="worker_screening",
        site=site,
    )
    unknown = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    api = api_as("district_a")
    rows = {r["code"]: r for r in api.get("/api/v1/labs/samples/").json()["results"]}
    row = rows[at_site.code]
    assert row["collected_by"] == "Lê Thị Hoa"
    assert row["site"] == str(site.public_id)
    assert row["site_name"] == "Chốt lấy mẫu KCN Cái Lân"
    assert row["site_kind"] == "workplace"
    assert row["unit_code"] == world.commune_a.code
    assert row["lab"] == "T-LAB-P"  # the site's laboratory
    # a sample recorded without a collector or a site (bulk data) says so
    assert {k: rows[unknown.code][k] for k in ("collected_by", "site", "site_name")} == {
        "collected_by": None,
        "site": None,
        "site_name": None,
    }
    one = api.get(f"/api/v1/labs/samples/{at_site.public_id}/").json()
    assert (one["collected_by"], one["site_name"]) == ("Lê Thị Hoa", "Chốt lấy mẫu KCN Cái Lân")


def test_samples_api_list_does_not_query_per_row(api_as, world, lab):
    site = actions.create_sampling_site(
        actor=world.user("province_officer"), name="Trạm", kind="mobile_team", unit=world.commune_a
    )

    def collect():
        actions.collect_sample(
            actor=world.user("commune_a"),
            person=PersonFactory.create(residence_unit=world.commune_a),
            test_kind="pcr",
            reason="screening",
            site=site,
        )

    api = api_as("district_a")
    api.get("/api/v1/labs/samples/")  # the session and the user's scope, loaded once
    collect()
    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/labs/samples/").json()["count"] == 1
    for _ in range(4):
        collect()
    with CaptureQueriesContext(connection) as five:
        assert api.get("/api/v1/labs/samples/").json()["count"] == 5
    assert len(five) == len(one)


def test_pool_result_through_the_api(api_as, world, lab):
    for _ in range(4):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    api = api_as("lab_tech")
    url = f"/api/v1/labs/pools/{pool.public_id}/result/"
    response = api.post(url, {"result": "positive"}, format="json")
    assert response.status_code == 400
    assert "cần giá trị Ct" in str(response.json())
    assert api_as("lab_tech_b").post(url, {"result": "negative"}, format="json").status_code == 404
    response = api.post(url, {"result": "positive", "ct": "25.0"}, format="json")
    assert response.status_code == 200
    assert response.json()["tasks_created"] == 4
    tasks = api_as("commune_a").get("/api/v1/labs/tasks/").json()
    assert tasks["count"] == 4
    assert {t["origin_sample"] for t in tasks["results"]} == set(
        pool.members.values_list("code", flat=True)
    )
    assert api_as("commune_b").get("/api/v1/labs/tasks/").json()["count"] == 0
    assert SamplingTask.objects.count() == 4
    assert set(Sample.objects.values_list("result", flat=True)) == {Result.PENDING}


def test_planner_api(api_as, world):
    api = api_as("district_a")
    body = api.get(
        "/api/v1/labs/planner/?prevalence=0.02&sensitivity=1&specificity=1&samples=50000"
    ).json()
    assert body["recommended"]["size"] == 8
    assert body["max_size"] == 10
    assert len(body["rows"]) == 32
    five = body["rows"][4]
    assert five["size"] == 5
    assert abs(five["reactions"] - 14_804) <= 2
    assert body["prevalence_from_recent_positivity"] is False
    assert api.get("/api/v1/labs/planner/?prevalence=2").status_code == 400
    assert api.get("/api/v1/labs/planner/?sensitivity=0.1").status_code == 400
    default = api.get("/api/v1/labs/planner/").json()
    assert default["prevalence_from_recent_positivity"] is True


def test_laboratories_api(api_as, world, lab, lab_b):
    codes = {
        r["code"] for r in api_as("district_b").get("/api/v1/labs/laboratories/").json()["results"]
    }
    assert codes == {"T-LAB-P", "T-LAB-B"}  # the province's and their own
    mine = api_as("lab_tech_b").get("/api/v1/labs/laboratories/").json()["results"]
    assert [r["code"] for r in mine] == ["T-LAB-B"]
    assert mine[0]["single_capacity"] == 2_000


def test_samples_api_refuses_a_collection_day_outside_2000_to_2100(api_as, world, lab):
    sample = make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    api = api_as("lab_tech")
    day = timezone.localdate(sample.collected_at).isoformat()
    body = api.get(f"/api/v1/labs/samples/?day={day}").json()
    assert [row["code"] for row in body["results"]] == [sample.code]
    for day in ("9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"):
        response = api.get(f"/api/v1/labs/samples/?day={day}")
        assert response.status_code == 400, day
        assert "Nhập ngày trong khoảng từ 2000 đến 2100" in str(response.json()), day
