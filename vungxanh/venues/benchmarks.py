"""Benchmarks of venues and check-ins (``vungxanh bench NAME``):

* ``load-checkins`` fills the province with realistic check-ins (COPY, PostgreSQL). It
  TRUNCATEs ``venues_checkin`` first, so it refuses a table that holds check-ins unless
  told ``--option replace=1``;
* ``checkin-http`` loads a production-style server (gunicorn) with single and batched
  check-ins from ``wrk`` (Debian's package; a slower Python client otherwise) and compares
  with bare inserts through the driver; each phase also says where the CPU went (server,
  PostgreSQL, load generator, other work on the machine). Options: ``--option seconds=15``,
  ``workers=``, ``worker_class=gthread|sync``, ``server_threads=``, ``clients=16``,
  ``batch_clients=4``, ``client=wrk|python``, ``keep=1`` (keep the rows);
* ``checkin-reliability`` kills the server while a client uploads with retries and checks
  that every acknowledged check-in is stored exactly once.

They are heavy: run them under ``flock /tmp/vx-bench.lock`` on a shared machine."""

from __future__ import annotations

import datetime
import random
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from vungxanh.core.benchmarks import BenchResult
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit
from vungxanh.venues import actions, bulkload, rules, synthetic
from vungxanh.venues.models import CheckIn, Venue


def _province() -> AdminUnit:
    from django.conf import settings

    province = AdminUnit.objects.filter(level=1, code=settings.DEFAULT_PROVINCE_CODE).first()
    if province is None:
        raise SystemExit("load the province first: vungxanh load_units")
    return province


def _ensure_venues(province: AdminUnit, persons: int, result: BenchResult, seed: int) -> int:
    target = max(100, persons // synthetic.PEOPLE_PER_VENUE)
    existing = Venue.objects.active().filter(unit__path__startswith=province.path).count()
    if existing >= target * 0.9:
        result.add("venues (existing, active)", existing, "venues")
        return existing
    started = time.perf_counter()
    taken = set(Venue.objects.values_list("code", flat=True))
    venues = synthetic.plan_venues(province, target - existing, random.Random(seed), taken)
    with transaction.atomic():
        Venue.objects.bulk_create(venues, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE venues_venue")  # statistics for the check-in lookups
    result.add("venues created", len(venues), "venues_created")
    result.add("venue creation", time.perf_counter() - started, "venues_s", "s")
    return existing + len(venues)


REPLACE_REFUSED = (
    "venues_checkin already holds check-ins, and load-checkins starts with TRUNCATE: every "
    "stored check-in would be deleted. Run it on a demo or benchmark database, or confirm "
    "that they may go: vungxanh bench load-checkins --days {days} --option replace=1"
)


def bench_load_checkins(options: dict[str, Any]) -> BenchResult:
    """Fill the province-size demo with --days of check-ins (COPY, indexes after; PostgreSQL).
    Refuses a check-in table that is not empty unless ``replace=1``."""
    import numpy as np

    replace = str(options.get("replace") or "").strip().lower() in ("1", "true", "yes")
    if not replace and CheckIn.objects.exists():
        raise SystemExit(REPLACE_REFUSED.format(days=int(options.get("days") or 28)))
    if connection.vendor != "postgresql":
        raise SystemExit("load-checkins needs PostgreSQL (DATABASE_URL=postgres://…)")
    days = int(options.get("days") or 28)
    rate = float(options.get("rate") or synthetic.CHECKINS_PER_PERSON_DAY)
    seed = int(options.get("seed") or 2021)
    result = BenchResult(f"Load {days} days of check-ins (PostgreSQL COPY)")
    province = _province()
    total_started = time.perf_counter()

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.residence_unit_id FROM people_person p WHERE p.merged_into_id IS NULL"
        )
        person_rows = cursor.fetchall()
    if not person_rows:
        raise SystemExit("no persons: run `vungxanh demo --size province` first")
    result.add("persons", len(person_rows), "persons")
    venues = _ensure_venues(province, len(person_rows), result, seed)
    pop = synthetic.load_population(province, person_rows)
    del person_rows
    result.add(
        "preparation (persons, venues, arrays)", time.perf_counter() - started, "prep_s", "s"
    )

    phases: list[tuple[str, float]] = []
    now = timezone.now()
    today = timezone.localdate()
    generator = np.random.default_rng(seed)
    max_stay_s = int(rules.max_stay().total_seconds())
    rows = 0
    generate_s = copy_s = 0.0
    per_day: list[int] = []
    raw = bulkload.raw_cursor()
    conn = connection.connection
    started = time.perf_counter()
    with conn.transaction():
        raw.execute(f"TRUNCATE {bulkload.TABLE}")
        saved = bulkload.save_and_drop_schema(raw)
    result.add("truncate and drop indexes", time.perf_counter() - started, "drop_s", "s")
    try:
        for back in range(days - 1, -1, -1):
            day = today - datetime.timedelta(days=back)
            day_start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            t0 = time.perf_counter()
            batch = synthetic.generate_day(
                pop, day_start, generator, rate=rate, not_after=now, max_stay_s=max_stay_s
            )
            t1 = time.perf_counter()
            with conn.transaction():
                rows += bulkload.copy_batch(raw, batch, now)
            t2 = time.perf_counter()
            generate_s += t1 - t0
            copy_s += t2 - t1
            per_day.append(len(batch))
    finally:
        started = time.perf_counter()
        with conn.transaction():
            bulkload.restore_schema(raw, saved, lambda label, s: phases.append((label, s)))
        index_s = time.perf_counter() - started
    started = time.perf_counter()
    conn.autocommit, was = True, conn.autocommit
    try:
        raw.execute(f"VACUUM (ANALYZE) {bulkload.TABLE}")
    finally:
        conn.autocommit = was
    vacuum_s = time.perf_counter() - started
    started = time.perf_counter()
    count_days = [today - datetime.timedelta(days=n) for n in range(days)]
    actions.refresh_daily_counts(actor=SYSTEM, days=count_days)
    counts_s = time.perf_counter() - started
    total_s = time.perf_counter() - total_started

    result.add("check-ins loaded", rows, "rows")
    result.add("days", days, "days")
    result.add(
        "check-ins per person per day", rows / max(1, len(pop.person_ids)) / days, "per_person_day"
    )
    result.add("busiest day", max(per_day) if per_day else 0, "max_day_rows")
    result.add("generation (NumPy)", generate_s, "generate_s", "s")
    result.add("COPY (binary)", copy_s, "copy_s", "s")
    result.add("COPY rate", rows / copy_s if copy_s else 0.0, "copy_rows_per_s", "rows/s")
    for label, seconds in phases:
        result.add(label, seconds, unit="s")
    result.add("indexes and constraints", index_s, "index_s", "s")
    result.add("VACUUM ANALYZE", vacuum_s, "vacuum_s", "s")
    result.add("daily counts per venue (activity pages)", counts_s, "daily_counts_s", "s")
    result.add("total", total_s, "total_s", "s")
    result.add("overall rate", rows / total_s, "rows_per_s", "rows/s")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size(%s), pg_indexes_size(%s)", [bulkload.TABLE, bulkload.TABLE]
        )
        heap, indexes = cursor.fetchone()
        cursor.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY n), max(n) "
            "FROM (SELECT count(*) AS n FROM venues_checkin "
            "WHERE check_in >= %s AND check_in < %s GROUP BY venue_id) d",
            [
                timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
                - datetime.timedelta(days=1),
                timezone.make_aware(datetime.datetime.combine(today, datetime.time())),
            ],
        )
        quantiles, busiest = cursor.fetchone()
    result.add("heap size", heap // 2**20, "heap_mb", "MB")
    result.add("index size", indexes // 2**20, "index_mb", "MB")
    result.add("venues", venues, "venues")
    if quantiles:
        result.add(
            "check-ins per venue yesterday p50/p90/p99",
            "/".join(f"{q:.0f}" for q in quantiles),
            "venue_day_quantiles",
        )
        result.add("busiest venue yesterday", busiest, "venue_day_max")
    return result


from vungxanh.venues.loadtest import bench_checkin_http, bench_checkin_reliability  # noqa: E402

BENCHMARKS = {
    "load-checkins": bench_load_checkins,
    "checkin-http": bench_checkin_http,
    "checkin-reliability": bench_checkin_reliability,
}
