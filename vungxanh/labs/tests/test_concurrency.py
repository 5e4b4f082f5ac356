"""Two technicians at once (PostgreSQL: real concurrent transactions)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from vungxanh.labs import actions, codes
from vungxanh.labs.models import Pool, ResultRecord, Sample, SamplingTask
from vungxanh.labs.tests.factories import PersonFactory, make_sample

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
    ),
]


def race(*calls):
    """Run the calls in threads started together; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    out: list[object] = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            out[i] = fn()
        except Exception as exc:
            out[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_two_pool_builds_never_share_a_sample(world, lab):
    for _ in range(57):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    tech = world.user("lab_tech")
    results = race(
        lambda: actions.build_pools(actor=tech, lab=lab),
        lambda: actions.build_pools(actor=tech, lab=lab),
    )
    built = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(built) == 1, results
    assert len(refused) == 1  # the second found nothing left to pool
    assert Sample.objects.filter(membership__isnull=False).count() == 57
    assert sum(Pool.objects.values_list("size", flat=True)) == 57


def test_the_same_pool_result_entered_twice_at_once(world, lab):
    for _ in range(10):
        make_sample(PersonFactory.create(residence_unit=world.commune_a), lab=lab)
    (pool,) = actions.build_pools(actor=world.user("lab_tech"), lab=lab)
    tech = world.user("lab_tech")
    results = race(
        lambda: actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("28")),
        lambda: actions.record_result(actor=tech, target=pool, result="positive", ct=Decimal("28")),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    assert ResultRecord.objects.filter(pool=pool).count() == 1
    assert SamplingTask.objects.count() == 10


def test_codes_allocated_concurrently_are_unique(world):
    results = race(*[lambda: codes.allocate("sample", 50) for _ in range(4)])
    flat = [c for r in results for c in r]
    assert len(flat) == len(set(flat)) == 200
