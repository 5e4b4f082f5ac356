"""Merging a duplicate that other apps already point at: every reference moves to the kept
record, whichever app made it (declarations, check-ins, cases, laboratory samples)."""

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases.models import Case
from vungxanh.cases.tests.factories import confirm
from vungxanh.core.models import AuditEvent
from vungxanh.declarations import actions as declarations
from vungxanh.declarations.models import Channel, Declaration, DiaryEntry, FollowUp, Monitoring
from vungxanh.labs.models import Sample
from vungxanh.labs.tests.factories import lab_of, make_sample
from vungxanh.people import actions
from vungxanh.people.models import Person
from vungxanh.people.tests.factories import PersonFactory
from vungxanh.venues.models import CheckIn
from vungxanh.venues.tests.factories import make_checkin, make_venue

pytestmark = pytest.mark.django_db

NO = {"risk_area": "no", "contact_case": "no", "contact_abroad": "no", "contact_symptomatic": "no"}


def test_merging_moves_every_reference_from_every_app(world):
    keep = PersonFactory.create(
        full_name="Phan Văn Hợp",
        name_folded="phan van hop",
        birth_year=1980,
        residence_unit=world.village_a,
        phone="+84912000001",
    )
    # The same man, self-declared on the public page with another phone and no citizen ID.
    other = PersonFactory.create(
        full_name="Phan Văn Hợp",
        name_folded="phan van hop",
        birth_year=1980,
        residence_unit=world.village_a,
        cccd=None,
        phone="+84912000002",
        is_self_declared=True,
    )
    population, _ = declarations.submit_declaration(
        actor=None,
        kind="population",
        channel=Channel.PUBLIC,
        answers={**NO, "symptoms": ["cough"]},
        person=other,
        unit=world.village_a,
    )
    place, _ = declarations.submit_declaration(
        actor=None,
        kind="place",
        channel=Channel.PUBLIC,
        answers={"risk_area": "no", "contact_case": "no"},
        person=other,
        unit=world.village_a,
        place_code="CHOT-193",
    )
    follow_up = FollowUp.objects.get(person=other)
    monitoring = declarations.start_monitoring(
        actor=world.user("commune_a"), person=other, reason="symptoms", days=7
    )
    entry, _ = declarations.record_diary_entry(
        actor=None, monitoring=monitoring, answers={"temperature": 36.9}
    )
    venue = make_venue(world.village_a)
    checkin = make_checkin(venue, other, at=timezone.now() - datetime.timedelta(days=1))
    sample = make_sample(other, lab=lab_of("T-LAB-P"), unit=world.commune_a)
    case = confirm(other, sample_date=timezone.localdate())

    merged = actions.merge_persons(actor=world.user("commune_a"), keep=keep, other=other)

    assert merged == keep
    assert set(Declaration.objects.filter(person=keep)) == {population, place}
    assert FollowUp.objects.get(pk=follow_up.pk).person == keep
    assert Monitoring.objects.get(pk=monitoring.pk).person == keep
    assert DiaryEntry.objects.get(pk=entry.pk).person == keep
    assert CheckIn.objects.get(pk=checkin.pk).person == keep
    assert Sample.objects.get(pk=sample.pk).person == keep
    assert Case.objects.get(pk=case.pk).person == keep
    # Nothing anywhere still points at the merged record but its own "merged into".
    left = {
        f"{field.model._meta.label_lower}.{field.name}": n
        for field in actions.person_references()
        if (n := field.model._base_manager.filter(**{field.name: other}).count())
    }
    assert left == {}
    other.refresh_from_db()
    assert (other.merged_into, other.cccd) == (keep, None)
    keep.refresh_from_db()
    assert (keep.phone, keep.other_phone) == ("+84912000001", "")
    event = AuditEvent.objects.get(verb="merge_persons", target_id=str(keep.public_id))
    moved = event.extra["moved"]
    assert moved["declarations.declaration.person"] == 2
    for label in (
        "declarations.followup.person",
        "declarations.monitoring.person",
        "declarations.diaryentry.person",
        "venues.checkin.person",
        "labs.sample.person",
        "cases.case.person",
    ):
        assert moved[label] >= 1, label
    assert Person.objects.current().filter(name_folded="phan van hop").get() == keep
