"""Declarations test data, and the district-A objects of the contract test."""

from __future__ import annotations

import datetime

from django.utils import timezone

from vungxanh.declarations.models import (
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
    FormKind,
    Monitoring,
)
from vungxanh.people.models import Person
from vungxanh.people.tests.factories import PersonFactory
from vungxanh.testing import World, out_of_scope_factory


def canary_person(world: World) -> Person:
    person = Person.objects.filter(name_folded="dao van canary-declarant").first()
    if person is None:
        person = PersonFactory.create(
            full_name="Đào Văn CANARY-DECLARANT",
            name_folded="dao van canary-declarant",
            residence_unit=world.village_a,
        )
    return person


def make_declaration(
    person: Person, unit, kind: str = FormKind.POPULATION, **kwargs
) -> Declaration:
    form = FormDefinition.objects.in_force(kind)
    assert form is not None
    return Declaration.objects.create(form=form, kind=kind, person=person, unit=unit, **kwargs)


@out_of_scope_factory(Declaration)
def declaration_in_a(world: World) -> Declaration:
    return make_declaration(
        canary_person(world), world.village_a, answers={"contact_case": "yes"}, flags=["contact"]
    )


@out_of_scope_factory(FollowUp)
def follow_up_in_a(world: World) -> FollowUp:
    return FollowUp.objects.create(
        person=canary_person(world), unit=world.commune_a, reason=FollowUp.Reason.CONTACT
    )


@out_of_scope_factory(Monitoring)
def monitoring_in_a(world: World) -> Monitoring:
    today = timezone.localdate()
    return Monitoring.objects.create(
        person=canary_person(world),
        unit=world.commune_a,
        reason=Monitoring.Reason.ARRIVAL,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=13),
    )


@out_of_scope_factory(DiaryEntry)
def diary_entry_in_a(world: World) -> DiaryEntry:
    monitoring = Monitoring.objects.filter(person=canary_person(world)).first()
    if monitoring is None:
        monitoring = Monitoring.objects.create(
            person=canary_person(world),
            unit=world.commune_a,
            reason=Monitoring.Reason.ARRIVAL,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
        )
    form = FormDefinition.objects.in_force(FormKind.DIARY)
    assert form is not None
    return DiaryEntry.objects.create(
        monitoring=monitoring,
        person=monitoring.person,
        day=monitoring.starts_on,
        form=form,
        answers={"temperature": 36.8},
    )
