"""Test data for venues and check-ins, and the district-A venue of the contract test."""

from __future__ import annotations

import datetime
import itertools
import uuid

import factory
from django.utils import timezone

from vungxanh.people.identity import fold_name, make_cccd, normalize_name
from vungxanh.people.models import Person
from vungxanh.testing import World, out_of_scope_factory
from vungxanh.venues.models import CheckIn, Venue, VenueMember

_serial = itertools.count(500_000)


class VenueFactory(factory.django.DjangoModelFactory[Venue]):
    """An active venue; pass ``unit`` (a commune or village of the world)."""

    class Meta:
        model = Venue

    code = factory.Sequence(lambda n: f"TV{n:06d}")
    name = factory.Sequence(lambda n: f"Cửa hàng thử {n}")
    kind = Venue.Kind.MARKET
    status = Venue.Status.ACTIVE
    owner_name = "Hộ kinh doanh thử"


def make_venue(unit, **fields) -> Venue:
    venue: Venue = VenueFactory.create(unit=unit, **fields)
    return venue


def make_person(
    unit, name: str = "Nguyễn Văn Khách", birth_year: int = 1985, sex: str = "male", phone: str = ""
) -> Person:
    person = Person(
        cccd=make_cccd("022", birth_year, sex, next(_serial)),
        birth_year=birth_year,
        sex=sex,
        phone=phone,
        residence_unit=unit,
    )
    person.full_name = normalize_name(name)
    person.name_folded = fold_name(person.full_name)
    person.save()
    return person


def make_checkin(
    venue: Venue,
    person: Person,
    *,
    at: datetime.datetime | None = None,
    minutes: int = 30,
    automatic: bool = True,
) -> CheckIn:
    start = at or timezone.now()
    return CheckIn.objects.create(
        venue=venue,
        person=person,
        check_in=start,
        check_out=start + datetime.timedelta(minutes=minutes),
        checkout_is_automatic=automatic,
        source=CheckIn.Source.API,
        uuid=uuid.uuid4(),
    )


def make_staff(world: World, venue: Venue, username: str = "staff.a", owner: bool = True):
    from vungxanh.accounts import actions
    from vungxanh.core.scoping import SYSTEM

    commune = venue.unit if venue.unit.level == 3 else venue.unit.parent
    assert commune is not None
    user, _ = actions.create_user(
        actor=SYSTEM,
        username=username,
        role="venue_staff",
        unit=commune,
        write_unit=commune,
        full_name=username,
        password="staff-password-2021",
    )
    VenueMember.objects.create(venue=venue, user=user, is_owner=owner)
    return user


@out_of_scope_factory(Venue)
def venue_in_a(world: World) -> Venue:
    return make_venue(world.commune_a, name="Chợ CANARY-VENUE", code="CANARYA1")
