"""A case's status (active, recovered, died, transferred) changes both ways, from the edit
page and the API, through ``update_case``; one person never has two active cases."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vungxanh.cases import actions
from vungxanh.cases.models import Case
from vungxanh.cases.tests.factories import confirm, make_person
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM

D = timezone.localdate() - datetime.timedelta(days=3)
TWO_ACTIVE = (
    "Người này đang có một ca bệnh khác đang điều trị, cách ly; hãy kết thúc hoặc loại ca đó "
    "trước khi chuyển ca này về đang điều trị, cách ly."
)


@pytest.fixture
def episodes(world):
    """A person whose first case recovered and who is now an active case again."""
    person = make_person(world.commune_a, "Phạm Tái Nhiễm")
    first = confirm(person, sample_date=D - datetime.timedelta(days=40))
    actions.update_case(actor=SYSTEM, case=first, status=Case.Status.RECOVERED)
    second = confirm(person, sample_date=D)
    assert second.pk != first.pk
    return {"person": person, "first": first, "second": second}


def edit_form(case: Case, **changes: str) -> dict[str, str]:
    data = {
        "sample_date": case.sample_date.isoformat() if case.sample_date else "",
        "onset_date": case.onset_date.isoformat() if case.onset_date else "",
        "isolated_at": "",
        "status": case.status,
        "source": case.source,
        "note": case.note,
    }
    data.update(changes)
    return data


def test_status_changes_both_ways_and_is_audited(world):
    case = confirm(make_person(world.commune_a, "Lý Khỏi Bệnh"), sample_date=D)
    actions.update_case(actor=world.user("district_a"), case=case, status=Case.Status.RECOVERED)
    case.refresh_from_db()
    assert case.status == Case.Status.RECOVERED
    actions.update_case(actor=world.user("district_a"), case=case, status=Case.Status.ACTIVE)
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE
    changes = [
        e.changes["status"]
        for e in AuditEvent.objects.filter(verb="update_case", target_id=str(case.public_id))
        .order_by("pk")
        .filter(changes__has_key="status")
    ]
    assert changes == [
        {"before": "active", "after": "recovered"},
        {"before": "recovered", "after": "active"},
    ]


def test_a_second_active_case_of_a_person_is_refused_in_the_action(world, episodes):
    with pytest.raises(ValidationError) as exc:
        actions.update_case(actor=SYSTEM, case=episodes["first"], status=Case.Status.ACTIVE)
    assert exc.value.message_dict == {"status": [TWO_ACTIVE]}
    episodes["first"].refresh_from_db()
    assert episodes["first"].status == Case.Status.RECOVERED
    # Once the second episode is over, the first may be reopened (a correction).
    actions.update_case(actor=SYSTEM, case=episodes["second"], status=Case.Status.DIED)
    actions.update_case(actor=SYSTEM, case=episodes["first"], status=Case.Status.ACTIVE)
    episodes["first"].refresh_from_db()
    assert episodes["first"].status == Case.Status.ACTIVE


def test_the_edit_page_shows_the_refusal_on_the_status_field(client_as, world, episodes):
    first = episodes["first"]
    client = client_as("district_a")
    response = client.post(f"/cases/{first.public_id}/edit/", edit_form(first, status="active"))
    assert response.status_code == 200
    text = response.content.decode()
    assert TWO_ACTIVE in text
    assert response.context["form"].errors["status"] == [TWO_ACTIVE]
    first.refresh_from_db()
    assert first.status == Case.Status.RECOVERED
    # The other statuses are saved as before.
    response = client.post(f"/cases/{first.public_id}/edit/", edit_form(first, status="died"))
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Case.Status.DIED


def test_the_api_corrects_a_case_through_the_same_action(api_as, world, episodes):
    first, second = episodes["first"], episodes["second"]
    api = api_as("district_a")
    refused = api.patch(f"/api/v1/cases/{first.public_id}/", {"status": "active"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"status": [TWO_ACTIVE]}
    first.refresh_from_db()
    assert first.status == Case.Status.RECOVERED

    done = api.patch(
        f"/api/v1/cases/{second.public_id}/",
        {"status": "recovered", "note": "Ra viện"},
        format="json",
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["label"]) == ("recovered", str(second))
    second.refresh_from_db()
    assert (second.status, second.note) == ("recovered", "Ra viện")
    assert api.patch(
        f"/api/v1/cases/{first.public_id}/", {"status": "active"}, format="json"
    ).json()["status"] == ("active")

    assert (
        api.patch(
            f"/api/v1/cases/{first.public_id}/", {"status": "sleeping"}, format="json"
        ).status_code
        == 400
    )
    # Another district neither sees nor changes the case; a full PUT is not offered.
    assert (
        api_as("district_b")
        .patch(f"/api/v1/cases/{first.public_id}/", {"status": "died"}, format="json")
        .status_code
        == 404
    )
    assert api.put(f"/api/v1/cases/{first.public_id}/", {}, format="json").status_code == 405
