"""No input makes a case page answer 5xx: every URL of the app gets malformed queries and
forms (see ``vungxanh.core.tests.fuzz_urls``) from officials in and out of scope, and the
public pages from anonymous visitors."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases import actions, forms
from vungxanh.cases.models import Case, Cluster, Contact, Landmark, TracingTask
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.scoping import SYSTEM
from vungxanh.core.tests.fuzz_urls import bad_values, form_field_names, fuzz_app, mutate, payloads

D = timezone.localdate() - datetime.timedelta(days=2)


@pytest.fixture
def objects(world):
    load_default_rule_sets()
    venue = make_venue(world.commune_a, "Quán Thử Lỗi", kind="restaurant")
    a = make_person(world.commune_a, "Ca Thử Lỗi")
    b = make_person(world.commune_a, "F Một Thử Lỗi")
    for person in (a, b):
        check_in(person, venue, at(D, "10:00"), at(D, "11:00"))
    case = confirm(a, onset_date=D)
    contact = actions.decide_proposal(actor=SYSTEM, case=case, person=b, confirm=True)
    assert contact.task is not None
    cluster = Cluster.objects.create(name="Ổ dịch thử lỗi", unit=world.commune_a)
    other = confirm(make_person(world.commune_b, "Ca Huyện Khác"), sample_date=D)
    later = make_person(world.commune_a, "Sẽ Là Ca")
    c = make_person(world.commune_a, "F Một Thứ Hai")
    check_in(c, venue, at(D, "10:00"), at(D, "11:00"))
    return {
        "venue": venue,
        "later": later,
        "proposal": c,
        "f1": b,
        Case: case,
        Landmark: case.landmarks.first(),
        Contact: contact,
        TracingTask: contact.task,
        Cluster: cluster,
        "other": other,
    }


@pytest.mark.parametrize("persona", ["district_a", "commune_a", "province_officer", "district_b"])
def test_no_malformed_input_makes_a_case_page_fail(client_as, world, objects, persona):
    bodies = payloads(form_field_names(forms), world.commune_b.pk, str(objects["other"].public_id))
    client = client_as(persona)
    failures = fuzz_app(client, "cases", objects, bodies)
    assert not failures, "\n\n".join(failures)


def test_no_malformed_query_makes_the_public_landmark_pages_fail(client, world, objects):
    landmark = objects[Landmark]
    actions.publish_landmark(actor=SYSTEM, landmark=landmark)
    failures = fuzz_app(client, "cases_public", objects, [], post=False)
    for query in ("?huyen=%00", "?huyen=" + "9" * 40, "?xa=abc&huyen=-1", "?q=%ff%fe"):
        for url in ("/moc-dich-te/", "/moc-dich-te.json"):
            response = client.get(url + query)
            if response.status_code >= 500:
                failures.append(f"GET {url}{query}: {response.status_code}")
    assert not failures, "\n\n".join(failures)
    assert "Quán Thử Lỗi" in client.get("/moc-dich-te/").content.decode()


def test_valid_forms_with_one_wrong_field_never_fail(client_as, world, objects):
    """Each form filled correctly but for one field (missing, or each wrong value): the
    wrong value reaches the action's own checks."""
    from vungxanh.cases.rules import rule_set_in_force

    case, contact, task = objects[Case], objects[Contact], objects[TracingTask]
    day = D.isoformat()
    values = bad_values(world.commune_b.pk, str(objects["other"].public_id))
    forms_ = {
        "/cases/new/": {
            "person": str(objects["later"].public_id),
            "identifier": "",
            "classification": "suspected",
            "basis": "symptoms",
            "sample_date": "",
            "onset_date": day,
            "source": "",
            "responsible_unit": world.commune_a.pk,
            "isolated_at": f"{day}T12:00",
            "lab_reference": "",
            "note": "",
        },
        f"/cases/{case.public_id}/edit/": {
            "sample_date": "",
            "onset_date": day,
            "isolated_at": f"{day}T12:00",
            "status": "active",
            "source": "community",
            "note": "Ghi chú",
        },
        f"/cases/{case.public_id}/landmarks/new/": {
            "venue_code": objects["venue"].code,
            "place": "",
            "address": "",
            "unit": world.commune_a.pk,
            "start": f"{day}T10:00",
            "end": f"{day}T11:00",
            "vehicle": "",
            "route": "",
            "reported_people": "3",
            "note": "",
        },
        f"/cases/landmarks/{objects[Landmark].public_id}/publish/": {"public_note": "Cổng chính"},
        f"/cases/{case.public_id}/contacts/new/": {
            "identifier": "",
            "full_name": "Người Mới Khai",
            "birth_year": "1990",
            "sex": "female",
            "phone": "0912000111",
            "cccd": "",
            "residence_unit": world.village_a.pk,
            "address": "Tổ 1",
            "exposure_type": "workplace",
            "exposure_start": f"{day}T08:00",
            "exposure_end": f"{day}T09:00",
            "within_2m": "yes",
            "masked": "no",
            "note": "",
            "confirm": "on",
        },
        f"/cases/{case.public_id}/proposals/decide/": {
            "person": str(objects["proposal"].public_id),
            "decision": "dismiss",
            "note": "",
        },
        f"/cases/{case.public_id}/proposals/confirm-top/": {
            "n": "1",
            "shown": str(objects["proposal"].public_id),
        },
        f"/cases/contacts/{contact.public_id}/f2/decide/": {
            "person": str(objects["proposal"].public_id),
            "decision": "confirm",
        },
        f"/cases/tasks/{task.public_id}/step/": {
            "step": "notified",
            "at": f"{day}T12:30",
            "quarantine_place": "Tại nhà",
            "lab_reference": "",
            "note": "",
            "next": "/cases/tasks/",
        },
        f"/cases/clusters/{objects[Cluster].public_id}/edit/": {
            "name": "Ổ dịch đã đặt tên",
            "unit": world.commune_a.pk,
            "containment_zone": "Tổ 3",
        },
        "/cases/rules/new/": {
            "code": "qn-thu-loi",
            "name": "Thử lỗi",
            "valid_from": "2031-01-01T00:00",
            "legal_basis": "",
            "note": "",
            "parameters": __import__("json").dumps(rule_set_in_force().parameters),
        },
        f"/cases/{case.public_id}/discard/": {"reason": "Trùng hồ sơ"},
    }
    failures: list[str] = []
    for persona in ("district_a", "province_officer"):
        client = client_as(persona)
        for url, baseline in forms_.items():
            failures += mutate(client, url, baseline, values)
        client.post(f"/cases/{case.public_id}/reinstate/")
    assert not failures, "\n\n".join(failures)
