"""No input makes a testing page answer 5xx: every URL of the app gets malformed queries,
forms and uploads (see ``vungxanh.core.tests.fuzz_urls``) from officials and technicians in and
out of scope, and each form filled correctly but for one field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vungxanh.core.tests.fuzz_urls import bad_values, form_field_names, fuzz_app, mutate, payloads
from vungxanh.labs import actions, forms
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    Run,
    Sample,
    SamplingSite,
    SamplingTask,
    TestingRuleSet,
)
from vungxanh.labs.tests.factories import PersonFactory, lab_of, make_sample


@pytest.fixture
def objects(world, lab):
    tech = world.user("lab_tech")
    for _ in range(3):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    (pool,) = actions.build_pools(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("30"))
    single = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason="symptomatic"
    )
    waiting = make_sample(
        PersonFactory.create(residence_unit=world.commune_a), lab=lab, reason="symptomatic"
    )
    run = actions.create_run(actor=tech, lab=lab)
    actions.record_result(actor=tech, target=single, result="negative")
    site = actions.create_sampling_site(
        actor=world.user("province_officer"),
        name="Trạm y tế thử lỗi",
        kind=SamplingSite.Kind.HEALTH_STATION,
        unit=world.commune_a,
        default_lab=lab,
    )
    other_lab = lab_of("T-LAB-B")
    return {
        Laboratory: lab,
        Pool: pool,
        Sample: single,
        "waiting": waiting,
        Run: run,
        SamplingTask: SamplingTask.objects.filter(pool=pool).first(),
        SamplingSite: site,
        TestingRuleSet: TestingRuleSet.objects.first(),
        "other": other_lab,
    }


@pytest.mark.parametrize(
    "persona", ["lab_tech", "commune_a", "province_officer", "lab_tech_b", "district_b"]
)
def test_no_malformed_input_makes_a_testing_page_fail(client_as, world, objects, persona):
    bodies = payloads(form_field_names(forms), world.commune_b.pk, str(objects["other"].public_id))
    failures = fuzz_app(client_as(persona), "labs", objects, bodies)
    assert not failures, "\n\n".join(failures)


def test_valid_forms_with_one_wrong_field_never_fail(client_as, world, objects):
    lab, pool, sample, task = (
        objects[Laboratory],
        objects[Pool],
        objects[Sample],
        objects[SamplingTask],
    )
    person = PersonFactory.create(residence_unit=world.commune_a)
    values = bad_values(world.commune_b.pk, str(objects["other"].public_id))
    by_persona = {
        "commune_a": {
            "/labs/samples/new/": {
                "person": person.cccd,
                "test_kind": "rapid_antigen",
                "reason": "screening",
                "quarantine_day": "",
                "site": "",
                "unit": world.commune_a.pk,
                "lab": "",
                "collected_at": "",
                "single_only": "",
                "pool_group": "",
                "rapid_result": "negative",
                "performed_by": "staff",
                "note": "",
            },
            "/labs/screening/": {
                "site": objects[SamplingSite].pk,
                "unit": "",
                "lab": lab.pk,
                "reason": "screening",
                "collected_at": "",
                "pool_group": "",
                "people": person.cccd,
            },
            f"/labs/tasks/{task.public_id}/cancel/": {"reason": "Đã chuyển đi"},
        },
        "lab_tech": {
            "/labs/samples/receive/": {"lab": str(lab.public_id), "codes": sample.code},
            "/labs/pools/build/": {"lab": str(lab.public_id), "size": "5", "limit": ""},
            f"/labs/samples/{objects['waiting'].public_id}/result/": {
                "result": "positive",
                "ct": "25",
            },
            f"/labs/samples/{sample.public_id}/correct/": {
                "result": "positive",
                "ct": "25",
                "reason": "Nhập sai",
                "expected": "negative",
            },
            f"/labs/pools/{pool.public_id}/correct/": {
                "result": "negative",
                "ct": "",
                "reason": "Nhập sai",
                "expected": "positive",
            },
            f"/labs/samples/{objects['waiting'].public_id}/reject/": {"reason": "Ống vỡ"},
            f"/labs/laboratories/{lab.public_id}/": {
                "single_capacity": "1000",
                "pooled_capacity": "5000",
                "plate_wells": "96",
                "control_wells": "2",
                "is_active": "on",
            },
            "/labs/runs/new/": {"lab": str(lab.public_id)},
        },
        "province_officer": {
            "/labs/sites/": {
                "name": "Điểm lấy mẫu lưu động",
                "kind": "mobile_team",
                "unit": world.commune_a.pk,
                "default_lab": lab.pk,
            },
            "/labs/rules/": {
                "code": "thu-loi",
                "name": "Thử lỗi",
                "unit": world.province.pk,
                "valid_from": "2031-01-01T00:00",
                "source": "",
                "max_pool_size": "8",
                "single_test_reasons": "f1",
                "priority_order": "f1\nsymptomatic\nscreening",
                "sample_validity_hours": "48",
                "retest_due_hours": "12",
                "max_reruns": "1",
                "province_single_target": "10000",
                "province_pooled_target": "50000",
                "assay_sensitivity": "0.95",
                "assay_specificity": "0.99",
                "positivity_window_days": "7",
            },
        },
    }
    failures: list[str] = []
    for persona, pages in by_persona.items():
        client = client_as(persona)
        for url, baseline in pages.items():
            failures += mutate(client, url, baseline, values)
    assert not failures, "\n\n".join(failures)


def test_the_planner_answers_any_query(client_as, world):
    client = client_as("lab_tech")
    for query in (
        "prevalence=abc",
        "prevalence=99.99&sensitivity=50&specificity=50&samples=10000000",
        "prevalence=0&samples=1",
        "prevalence=NaN&sensitivity=Infinity",
        "prevalence=1e999&samples=99999999999999999999",
        "prevalence=-1&sensitivity=101",
    ):
        response = client.get(f"/labs/planner/?{query}")
        assert response.status_code == 200, query
