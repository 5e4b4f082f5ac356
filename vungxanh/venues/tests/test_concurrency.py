"""Concurrent uploads and taps never break the invariants: one row per uuid, one open visit
per tap. Real threads and real transactions (PostgreSQL; SQLite serialises writers)."""

import datetime
import threading
import uuid

import pytest
from django.db import connection, connections
from django.utils import timezone

from vungxanh.venues import actions
from vungxanh.venues.models import CheckIn
from vungxanh.venues.signing import person_qr_text, venue_token
from vungxanh.venues.tests.factories import make_person, make_venue

pytestmark = pytest.mark.django_db(transaction=True)


def run_in_threads(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def target():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_the_same_batch_uploaded_concurrently_is_stored_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    venue = make_venue(world.commune_a)
    persons = [make_person(world.commune_a, f"Người {n}", birth_year=1970 + n) for n in range(5)]
    when = (timezone.localtime() - datetime.timedelta(minutes=20)).isoformat()
    items = [
        {
            "uuid": str(uuid.uuid4()),
            "venue": venue.code,
            "qr": person_qr_text(p.public_id),
            "check_in": when,
        }
        for p in persons
        for _ in range(20)
    ]
    officer = world.user("commune_a")
    results, errors = run_in_threads(6, lambda: actions.record_checkins(actor=officer, items=items))
    assert errors == []
    assert CheckIn.objects.count() == 100
    created = sum(1 for batch in results for r in batch if r.status == "created")
    assert created == 100  # each item created by exactly one of the six uploads
    assert all(r.status in ("created", "duplicate") for batch in results for r in batch)


def test_simultaneous_taps_open_one_visit(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    venue = make_venue(world.commune_a)
    person = make_person(world.commune_a)
    results, errors = run_in_threads(
        5,
        lambda: actions.check_in(
            actor=None,
            venue=venue,
            person=person,
            source=CheckIn.Source.RESIDENT_SCAN,
            venue_token=venue_token(venue),
        ),
    )
    assert errors == []
    assert CheckIn.objects.count() == 1
    assert sum(1 for r in results if r.created) == 1
