"""Test data for the registry, and the district-A objects of the contract test."""

from __future__ import annotations

import itertools

import factory

from vungxanh.people.identity import fold_name, make_cccd, normalize_name
from vungxanh.people.models import DuplicateCandidate, Household, Person
from vungxanh.testing import World, out_of_scope_factory

_serial = itertools.count(100)


def cccd_for(birth_year: int, sex: str) -> str:
    return make_cccd("022", birth_year, sex, next(_serial))


def phone_for(n: int) -> str:
    return f"+8491{n:07d}"


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    address = factory.Sequence(lambda n: f"Số {n + 1}, tổ 3")


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    """A person; pass ``residence_unit`` (a commune or village of the world)."""

    class Meta:
        model = Person

    full_name = factory.Sequence(lambda n: normalize_name(f"Nguyễn Văn Thử {n}"))
    name_folded = factory.LazyAttribute(lambda o: fold_name(o.full_name))
    birth_year = 1985
    sex = "male"
    cccd = factory.LazyAttribute(lambda o: cccd_for(o.birth_year, o.sex))
    phone = factory.Sequence(phone_for)


@out_of_scope_factory(Person)
def person_in_a(world: World) -> Person:
    return PersonFactory.create(
        full_name="Trần Thị CANARY-PERSON",
        name_folded="tran thi canary-person",
        sex="female",
        birth_year=1990,
        residence_unit=world.village_a,
    )


@out_of_scope_factory(Household)
def household_in_a(world: World) -> Household:
    household = HouseholdFactory.create(unit=world.village_a, address="CANARY-HOUSEHOLD 1")
    return household


@out_of_scope_factory(DuplicateCandidate)
def candidate_in_a(world: World) -> DuplicateCandidate:
    a = PersonFactory.create(
        full_name="Lê Văn CANARY-DUP",
        name_folded="le van canary-dup",
        residence_unit=world.commune_a,
    )
    b = PersonFactory.create(
        full_name="Lê Văn CANARY-DUP",
        name_folded="le van canary-dup",
        residence_unit=world.commune_a,
    )
    a, b = (a, b) if a.pk < b.pk else (b, a)
    return DuplicateCandidate.objects.create(
        person_a=a, person_b=b, reason=DuplicateCandidate.Reason.NAME_YEAR_COMMUNE, score=0.9
    )
