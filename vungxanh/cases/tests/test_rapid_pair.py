"""Two positive rapid tests with an epidemiological link (DOMAIN.md §2.2, rule 4 of
29/12/2021): "the second within 8 hours of the first". Results reach the system in any
order, so the pair is looked for on both sides of each test; exactly 8 h 00 min apart is
"within" (it confirms), one second more is not."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases import actions, services
from vungxanh.cases.models import Basis, Case
from vungxanh.cases.rules import TracingRules
from vungxanh.cases.tests.factories import at, check_in, confirm, make_person, make_venue
from vungxanh.core.models import AuditEvent
from vungxanh.core.scoping import SYSTEM

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def linked(world):
    """Trương Văn Liên: a proposed (not confirmed) contact of a confirmed case, so an
    epidemiological link that is not "being an F1"."""
    day = timezone.localdate() - datetime.timedelta(days=3)
    index = make_person(world.commune_a, "Đặng Thị Chỉ Điểm")
    person = make_person(world.commune_a, "Trương Văn Liên")
    venue = make_venue(world.commune_a, "Quán Cơm Bình Dân", kind="restaurant")
    check_in(index, venue, at(day, "11:00"), at(day, "12:00"))
    case = confirm(index, onset_date=day)
    actions.add_contact(
        actor=SYSTEM, case=case, person=person, exposure_type="venue", confirm=False
    )
    assert services.has_epidemiological_link(person, timezone.now(), services.rules_for(case))
    assert not services.is_under_tracing_as_f1(person)
    return person


def positive(person, taken_at) -> Case:
    return actions.handle_positive_rapid_test(
        actor=SYSTEM, person=person, taken_at=taken_at, supervised=True
    )


def test_the_earlier_test_recorded_last_still_confirms(linked):
    now = timezone.now()
    later = positive(linked, now)
    assert later.classification == Case.Classification.SUSPECTED
    assert later.needs_pcr
    earlier = positive(linked, now - 7 * HOUR)
    assert earlier.pk == later.pk
    assert earlier.is_confirmed
    assert earlier.basis == Basis.TWO_RAPID_WITH_LINK
    assert earlier.number is not None
    event = AuditEvent.objects.filter(verb="positive_rapid_test").latest("pk")
    assert event.extra["basis"] == Basis.TWO_RAPID_WITH_LINK


@pytest.mark.parametrize("recorded", ["in order", "out of order"])
def test_exactly_8_hours_apart_confirms(linked, recorded):
    now = timezone.now()
    times = [now - 8 * HOUR, now]
    if recorded == "out of order":
        times.reverse()
    first = positive(linked, times[0])
    assert first.classification == Case.Classification.SUSPECTED
    second = positive(linked, times[1])
    assert second.is_confirmed
    assert second.basis == Basis.TWO_RAPID_WITH_LINK


@pytest.mark.parametrize("recorded", ["in order", "out of order"])
def test_one_second_over_8_hours_does_not_confirm(linked, recorded):
    now = timezone.now()
    times = [now - 8 * HOUR - SECOND, now]
    if recorded == "out of order":
        times.reverse()
    for taken_at in times:
        case = positive(linked, taken_at)
    assert case.classification == Case.Classification.SUSPECTED
    assert case.basis == Basis.RAPID_POSITIVE
    assert case.needs_pcr
    assert case.number is None


def test_the_same_test_recorded_twice_is_not_a_pair(linked):
    now = timezone.now()
    positive(linked, now - HOUR)
    case = positive(linked, now - HOUR)
    assert case.classification == Case.Classification.SUSPECTED


def test_the_interval_is_the_rule_sets(linked):
    """A rule set with a 4-hour interval: 5 hours apart (recorded out of order) no longer
    pairs; a third test exactly 4 hours before the first does."""
    actions.publish_rule_set(
        actor=SYSTEM,
        code="rapid-4h",
        name="Hai test nhanh trong 4 giờ",
        valid_from=timezone.now() - datetime.timedelta(days=2),
        parameters=TracingRules(
            confirming_bases=("pcr_positive", "two_rapid_positive_with_link"),
            rapid_pair_hours=4,
        ).as_parameters(),
    )
    now = timezone.now()
    positive(linked, now)
    assert positive(linked, now - 5 * HOUR).classification == Case.Classification.SUSPECTED
    assert positive(linked, now - 4 * HOUR).is_confirmed
