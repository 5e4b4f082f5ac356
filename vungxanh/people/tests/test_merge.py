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
from vungxanh.people.models import Household, Person
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


def test_merging_folds_two_pending_follow_ups_and_two_monitorings_into_one(client, world):
    """A resident who declared themselves (a second record) is often on the station's
    queue and under monitoring twice: the merge folds those into the kept record's."""
    officer = world.user("commune_a")
    today = timezone.localdate()
    keep = PersonFactory.create(
        full_name="Ngô Văn Bình",
        name_folded="ngo van binh",
        birth_year=1979,
        residence_unit=world.village_a,
    )
    other = PersonFactory.create(
        full_name="Ngô Văn Bình",
        name_folded="ngo van binh",
        birth_year=1979,
        residence_unit=world.village_a,
        cccd=None,
        is_self_declared=True,
    )
    for person in (keep, other):
        declarations.submit_declaration(
            actor=None,
            kind="population",
            channel=Channel.PUBLIC,
            answers={**NO, "symptoms": ["cough"]},
            person=person,
            unit=world.village_a,
        )
    kept_item = FollowUp.objects.get(person=keep)
    other_item = declarations.take_follow_up(
        actor=officer, follow_up=FollowUp.objects.get(person=other)
    )
    mine = declarations.start_monitoring(
        actor=officer,
        person=keep,
        reason="symptoms",
        days=7,
        starts_on=today - datetime.timedelta(days=2),
    )
    theirs = declarations.start_monitoring(
        actor=officer,
        person=other,
        reason="symptoms",
        days=14,
        starts_on=today - datetime.timedelta(days=1),
    )
    declarations.record_diary_entry(actor=None, monitoring=mine, answers={"temperature": 36.8})
    declarations.record_diary_entry(actor=None, monitoring=theirs, answers={"temperature": 36.9})
    declarations.record_diary_entry(
        actor=None,
        monitoring=theirs,
        answers={"temperature": 37.0},
        day=today - datetime.timedelta(days=1),
    )

    actions.merge_persons(actor=officer, keep=keep, other=other)

    pending = FollowUp.objects.filter(person=keep, status__in=FollowUp.PENDING)
    assert list(pending) == [kept_item]
    kept_item.refresh_from_db()
    assert kept_item.signals == 2
    assert (kept_item.status, kept_item.assigned_to) == ("in_progress", officer)
    other_item.refresh_from_db()
    assert (other_item.person, other_item.status) == (keep, "dismissed")
    assert "Hai hồ sơ của người này đã được gộp" in other_item.note

    assert list(Monitoring.objects.filter(person=keep, status="active")) == [mine]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.starts_on, mine.ends_on) == (
        today - datetime.timedelta(days=2),
        today + datetime.timedelta(days=12),
    )
    assert (theirs.status, theirs.merged_into) == ("ended", mine)
    days = sorted(mine.entries.values_list("day", "temperature"))
    assert [(d, str(t)) for d, t in days] == [
        (today - datetime.timedelta(days=1), "37.0"),  # carried over
        (today, "36.8"),  # keep's own day wins; other's stays on its ended monitoring
    ]
    assert theirs.entries.count() == 1

    event = AuditEvent.objects.get(verb="merge_persons", target_id=str(keep.public_id))
    assert event.extra["folded"] == {
        "declarations.followup": 1,
        "declarations.monitoring": 1,
    }
    assert AuditEvent.objects.filter(verb="fold_follow_up", target_id=str(kept_item.public_id))
    assert AuditEvent.objects.filter(verb="fold_monitoring", target_id=str(mine.public_id))

    # The resident keeps the diary link they were given: it opens the kept monitoring.
    page = client.get(f"/nhat-ky/{theirs.access_token}/").content.decode()
    assert "Nhật ký này đã đóng." not in page
    assert "36.8" in page


def _headed_by_members() -> bool:
    return all(
        h.head_id is None or Person.objects.get(pk=h.head_id).household_id == h.pk
        for h in Household.objects.all()
    )


@pytest.mark.parametrize("case", ["other_household", "same_household", "keep_homeless"])
def test_after_a_merge_every_household_is_headed_by_one_of_its_members(world, case):
    officer = world.user("commune_a")
    theirs = Household.objects.create(unit=world.village_a, address="Số 9")
    ours = Household.objects.create(unit=world.village_a, address="Số 10")
    other = PersonFactory.create(
        residence_unit=world.village_a, cccd=None, household=theirs, relation_to_head="head"
    )
    theirs.head = other
    theirs.save()
    member = PersonFactory.create(
        residence_unit=world.village_a, household=theirs, relation_to_head="spouse"
    )
    keep = PersonFactory.create(
        residence_unit=world.village_a,
        household={"other_household": ours, "same_household": theirs}.get(case),
        relation_to_head={"other_household": "child", "same_household": "child"}.get(case, ""),
    )

    actions.merge_persons(actor=officer, keep=keep, other=other)

    theirs.refresh_from_db()
    keep.refresh_from_db()
    assert _headed_by_members()
    if case == "other_household":
        assert theirs.head is None  # its area names a new head
        assert (keep.household, keep.relation_to_head) == (ours, "child")
        event = AuditEvent.objects.get(verb="update_household", target_id=str(theirs.public_id))
        assert event.changes["head"]["after"] is None
    else:
        assert theirs.head == keep
        assert (keep.household, keep.relation_to_head) == (theirs, "head")
    member.refresh_from_db()
    assert (member.household, member.relation_to_head) == (theirs, "spouse")
