"""The demo generator, and list pages with a constant number of queries."""

import datetime

import pytest
from django.utils import timezone

from vungxanh.accounts.models import User
from vungxanh.core.demo import DemoContext
from vungxanh.venues import demo
from vungxanh.venues.models import CheckIn, Venue, VenueMember
from vungxanh.venues.tests.factories import make_checkin, make_person, make_venue

pytestmark = pytest.mark.django_db


def test_demo_creates_venues_an_owner_a_pending_registration_and_check_ins(world):
    for n in range(60):
        make_person(world.commune_a if n % 2 else world.village_a, f"Cư Dân {n}", 1950 + n)
    ctx = DemoContext(province=world.province, size="small", write=lambda _: None)
    lines = demo.run(ctx)
    owner = User.objects.get(username=demo.OWNER_USERNAME)
    market = Venue.objects.get(code=demo.OWNER_VENUE_CODE)
    assert VenueMember.objects.get(user=owner).venue == market
    assert owner.check_password("vungxanh-demo-2021")
    assert Venue.objects.get(code=demo.PENDING_VENUE_CODE).status == Venue.Status.PENDING
    assert Venue.objects.filter(is_synthetic=True).count() >= 900  # 20,000 people / 22
    checkins = CheckIn.objects.all()
    assert checkins.count() > 200  # 60 people × 0.8 × 7 days
    assert checkins.filter(venue=market).exists()  # the owner has something to see
    assert not checkins.filter(check_in__gt=timezone.now()).exists()
    assert not checkins.filter(check_in__lt=timezone.now() - datetime.timedelta(days=7)).exists()
    assert all(c.check_out - c.check_in <= datetime.timedelta(hours=8) for c in checkins)
    assert any("venues created" in line for line in lines)
    # a second run (make run with --if-empty) adds nothing
    ctx.if_empty = True
    before = (Venue.objects.count(), CheckIn.objects.count())
    demo.run(ctx)
    assert (Venue.objects.count(), CheckIn.objects.count()) == before


def test_list_pages_query_counts(client_as, world, django_assert_max_num_queries):
    person = make_person(world.commune_a)
    for n in range(40):
        venue = make_venue(world.commune_a if n % 2 else world.village_a, name=f"Quán {n}")
        make_checkin(venue, person)
    client = client_as("district_a")
    with django_assert_max_num_queries(10):
        assert client.get("/venues/").status_code == 200
    client.get("/venues/activity/")  # queues (here: runs) the hourly recount of the week
    with django_assert_max_num_queries(26):
        assert client.get("/venues/activity/").status_code == 200
    with django_assert_max_num_queries(26):
        assert client.get(f"/venues/activity/?unit={world.commune_a.public_id}").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/venues/?page_size=100").status_code == 200
