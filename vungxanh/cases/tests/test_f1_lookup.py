"""The bulk F1 lookup other apps use (a laboratory's screening batch): the same answer as
the one-person check, for every situation, in one statement."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vungxanh.cases import actions, services
from vungxanh.cases.models import Contact, RuleSet
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.cases.tests.factories import confirm, make_person
from vungxanh.core.scoping import SYSTEM

TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=3)


@pytest.fixture
def situation(world):
    """A confirmed case and contacts in every state the definition distinguishes."""
    load_default_rule_sets()
    case = confirm(make_person(world.commune_a, "Ca Gốc Tra Cứu"), sample_date=D)
    now = timezone.now()
    people = {
        name: make_person(world.commune_a, f"Người {name}")
        for name in (
            "recent",
            "no_end_recent",
            "old",
            "boundary",
            "dismissed",
            "proposed",
            "became_case",
            "of_discarded",
            "stranger",
        )
    }

    def contact(name: str, *, status=Contact.Status.CONFIRMED, end=None, decided=None, c=case):
        return Contact.objects.create(
            case=c,
            person=people[name],
            degree=Contact.Degree.F1,
            status=status,
            origin=Contact.Origin.INTERVIEW,
            exposure_type="other",
            exposure_end=end,
            unit=world.commune_a,
            decided_at=decided or now - datetime.timedelta(days=1),
        )

    contact("recent", end=now - datetime.timedelta(days=2))
    contact("no_end_recent", end=None, decided=now - datetime.timedelta(days=3))
    contact(
        "old",
        end=now - datetime.timedelta(days=20),
        decided=now - datetime.timedelta(days=19),
    )
    # Exactly at the edge of the 14 monitoring days: still under monitoring.
    contact("boundary", end=now - datetime.timedelta(days=14), decided=now)
    contact("dismissed", status=Contact.Status.DISMISSED, end=now)
    contact("proposed", status=Contact.Status.PROPOSED, end=now)
    became = contact("became_case", end=now)
    became.became_case = case
    became.save(update_fields=["became_case"])
    other = confirm(make_person(world.commune_a, "Ca Sẽ Bị Loại"), sample_date=D)
    contact("of_discarded", end=now, c=other)
    actions.discard_case(actor=SYSTEM, case=other, reason="Xét nghiệm lại âm tính")
    return people, now


def test_bulk_lookup_agrees_with_the_one_person_check(situation):
    people, now = situation
    expected = {p.pk for p in people.values() if services.is_under_tracing_as_f1(p, now)}
    assert expected == {
        people["recent"].pk,
        people["no_end_recent"].pk,
        people["boundary"].pk,
    }
    assert services.f1_person_ids([p.pk for p in people.values()], now) == expected


def test_bulk_lookup_is_one_statement_whatever_the_number_of_persons(situation):
    people, now = situation
    ids = [p.pk for p in people.values()]
    with CaptureQueriesContext(connection) as few:
        services.f1_person_ids(ids[:2], now)
    with CaptureQueriesContext(connection) as many:
        services.f1_person_ids(ids, now)
    assert len(few.captured_queries) == len(many.captured_queries) == 1
    assert services.f1_person_ids([], now) == set()


def test_bulk_lookup_reads_the_monitoring_days_of_the_rule_set_in_force(situation):
    people, now = situation
    # A newer version shortens monitoring to 1 day: only the most recent exposures count.
    current = RuleSet.objects.in_force(now)
    assert current is not None
    shorter = RuleSet.objects.create(
        code="qn-test-short",
        name="Giám sát 1 ngày",
        valid_from=now - datetime.timedelta(minutes=1),
        parameters={**current.parameters, "f1_monitoring_days": 1},
    )
    ids = [p.pk for p in people.values()]
    assert services.f1_person_ids(ids, now) == {
        p.pk for p in people.values() if services.is_under_tracing_as_f1(p, now)
    }
    assert services.f1_person_ids(ids, now) == set()
    # Before the new version took effect, the 14 days of the previous one apply.
    earlier = shorter.valid_from - datetime.timedelta(seconds=1)
    assert people["recent"].pk in services.f1_person_ids(ids, earlier)
