"""Test data for cases: persons, venues and check-ins built by hand, and the out-of-scope
objects for the contract test (a case in district A, its landmark, contact, task, cluster)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from vungxanh.cases import actions
from vungxanh.cases.models import Basis, Case, Cluster, Contact, Landmark, TracingTask
from vungxanh.cases.rules import load_default_rule_sets
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Household, Person
from vungxanh.testing import World, out_of_scope_factory
from vungxanh.venues import rules as checkin_rules
from vungxanh.venues.models import CheckIn, Venue

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
_serial = itertools.count(1)


def at(day: datetime.date | str, hhmm: str = "00:00") -> datetime.datetime:
    """A moment in Asia/Ho_Chi_Minh: ``at("2021-12-20", "10:30")``."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    hours, minutes = (int(x) for x in hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hours, minutes), tzinfo=ICT)


def make_person(
    unit: AdminUnit,
    name: str = "Nguyễn Văn An",
    *,
    birth_year: int = 1985,
    household: Household | None = None,
    temporary_unit: AdminUnit | None = None,
) -> Person:
    n = next(_serial)
    person = Person(
        birth_year=birth_year,
        sex="male",
        residence_unit=unit,
        temporary_unit=temporary_unit,
        household=household,
        phone=f"09{n:08d}",
        is_synthetic=True,
    )
    person.set_name(name)
    person.save()
    return person


def make_household(unit: AdminUnit, *names: str) -> list[Person]:
    household = Household.objects.create(unit=unit, address=f"Số {next(_serial)}")
    return [make_person(unit, name, household=household) for name in names]


def make_venue(
    unit: AdminUnit,
    name: str = "Chợ Hà Khánh",
    *,
    kind: str = "market",
    is_indoor: bool = True,
    default_stay_minutes: int | None = None,
) -> Venue:
    return Venue.objects.create(
        code=f"T{next(_serial):06d}",
        name=name,
        kind=kind,
        unit=unit,
        address=f"{name}, {unit.name}",
        is_indoor=is_indoor,
        default_stay_minutes=default_stay_minutes,
        status=Venue.Status.ACTIVE,
        is_synthetic=True,
    )


def check_in(
    person: Person,
    venue: Venue,
    start: datetime.datetime,
    end: datetime.datetime | None = None,
) -> CheckIn:
    """A check-in; without ``end`` the automatic check-out of the contract: the venue's
    default stay (or its kind's), at most the longest stay."""
    automatic = end is None
    if end is None:
        rules = checkin_rules.in_force(start)
        end = start + rules.default_stay(venue.kind, venue.default_stay_minutes)
    return CheckIn.objects.create(
        person=person,
        venue=venue,
        check_in=start,
        check_out=end,
        checkout_is_automatic=automatic,
        source=CheckIn.Source.RESIDENT_SCAN,
    )


def confirm(
    person: Person,
    *,
    sample_date: datetime.date | None = None,
    onset_date: datetime.date | None = None,
    isolated_at: datetime.datetime | None = None,
    actor: Any = SYSTEM,
) -> Case:
    load_default_rule_sets()
    return actions.confirm_case(
        actor=actor,
        person=person,
        basis=Basis.PCR_POSITIVE,
        sample_date=sample_date,
        onset_date=onset_date,
        isolated_at=isolated_at,
    )


# --- out-of-scope objects for the contract test ----------------------------------------------


def _canary_case(world: World) -> Case:
    existing = Case.objects.filter(person__full_name="Canary Case A").first()
    if existing is not None:
        return existing
    today = datetime.date.today()
    person = make_person(world.commune_a, "Canary Case A")
    venue = make_venue(world.commune_a, "CANARY-VENUE", kind="restaurant")
    other = make_person(world.commune_a, "Canary Contact A")
    start = at(today - datetime.timedelta(days=1), "11:00")
    check_in(person, venue, start, start + datetime.timedelta(hours=1))
    check_in(other, venue, start, start + datetime.timedelta(hours=1))
    return confirm(person, sample_date=today)


@out_of_scope_factory(Case)
def case_in_a(world: World) -> Case:
    return _canary_case(world)


@out_of_scope_factory(Landmark)
def landmark_in_a(world: World) -> Landmark:
    return _canary_case(world).landmarks.get()


def _canary_contact(world: World) -> Contact:
    case = _canary_case(world)
    contact = case.contacts.filter(degree=1).first()
    if contact is None:
        other = Person.objects.get(full_name="Canary Contact A")
        contact = actions.decide_proposal(actor=SYSTEM, case=case, person=other, confirm=True)
    return contact


@out_of_scope_factory(Contact)
def contact_in_a(world: World) -> Contact:
    return _canary_contact(world)


@out_of_scope_factory(TracingTask)
def task_in_a(world: World) -> TracingTask:
    task = _canary_contact(world).task
    assert task is not None
    return task


@out_of_scope_factory(Cluster)
def cluster_in_a(world: World) -> Cluster:
    return Cluster.objects.create(name="Ổ dịch CANARY-CLUSTER", unit=world.commune_a)
