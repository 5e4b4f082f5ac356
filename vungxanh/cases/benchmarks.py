"""``vungxanh bench tracing``: F1 and F2 at province scale (issue 5, PERFORMANCE.md §5).

On the check-ins in the database (the province-size set has ~30 M), for cases made up of
random persons who checked in recently:

* F1 of 200 cases, one by one, through :func:`vungxanh.cases.services.f1_candidates` (the
  function the case page calls: ranked, first page), and the same statement run bare
  through the driver; p50/p95 of both and their ratio;
* F1 of 1,000 cases at once (:func:`~vungxanh.cases.services.f1_pairs_for_cases`);
* F2 of 20 cases: all their F1 candidates, each from their first exposure until the case's
  window ends, ranked and capped (:func:`~vungxanh.cases.services.f2_candidates`).

The cases are real rows created inside a transaction that is rolled back at the end, so the
service code runs exactly as in the application and nothing stays behind. Options
(``--option key=value``): ``cases`` (200), ``batch`` (1000), ``f2`` (20), ``window_days``
(infectious window length, default 4: two days before the positive sample until isolation
two days after it; 21 gives the worst case of PERFORMANCE.md), ``explain=1`` (print the plans
with EXPLAIN (ANALYZE, BUFFERS)), ``seed``. Heavy: run under ``flock /tmp/vx-bench.lock``.
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from vungxanh.cases import services
from vungxanh.cases.models import Basis, Case
from vungxanh.cases.rules import load_default_rule_sets, local_midnight, rule_set_in_force
from vungxanh.core.benchmarks import BenchResult, percentile
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit


class _Rollback(Exception):
    pass


def _sample_persons(
    n: int, since: datetime.datetime, until: datetime.datetime, seed: int
) -> list[int]:
    """Random persons with check-ins in [since, until) and no active case."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'venues_checkin'")
            estimate = max(1.0, float(cursor.fetchone()[0] or 1))
            percent = min(100.0, max(0.01, 100.0 * n * 40 / estimate))
            cursor.execute(
                f"SELECT DISTINCT person_id FROM venues_checkin TABLESAMPLE SYSTEM ({percent:.4f}) "  # noqa: S608
                "REPEATABLE (%s) WHERE check_in >= %s AND check_in < %s",
                [seed, since, until],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT person_id FROM venues_checkin WHERE check_in >= %s "
                "AND check_in < %s",
                [
                    connection.ops.adapt_datetimefield_value(since),
                    connection.ops.adapt_datetimefield_value(until),
                ],
            )
        ids = [r[0] for r in cursor.fetchall()]
    busy = set(Case.objects.active().filter(person_id__in=ids).values_list("person_id", flat=True))
    ids = sorted(set(ids) - busy)
    random.Random(seed).shuffle(ids)
    return ids[:n]


def _make_cases(person_ids: list[int], window_days: int) -> list[Case]:
    """Cases (asymptomatic) whose infectious window is the ``window_days`` before yesterday
    00:00: positive sample ``window_days - 2`` days ago, isolated yesterday at 00:00."""
    today = timezone.localdate()
    isolated = local_midnight(today - datetime.timedelta(days=1))
    sample = today - datetime.timedelta(days=1 + window_days - 2)
    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("pk").first()
    assert province is not None
    load_default_rule_sets()
    rule_set = rule_set_in_force()
    cases = [
        Case(
            person_id=pid,
            number=900_000_000 + i,
            province=province,
            classification=Case.Classification.CONFIRMED,
            basis=Basis.PCR_POSITIVE,
            sample_date=sample,
            responsible_unit=province,
            residence_unit=province,
            isolated_at=isolated,
            rule_set=rule_set,
            confirmed_at=timezone.now(),
        )
        for i, pid in enumerate(person_ids)
    ]
    created = Case.objects.bulk_create(cases, batch_size=1000)
    if connection.vendor != "postgresql":  # SQLite returns no ids from bulk_create
        created = list(Case.objects.filter(number__gte=900_000_000).order_by("number"))
    for case in created:
        case.rule_set = rule_set
    return created


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


#: The figures ``--json`` always carries (null when there was nothing to measure).
REQUIRED_KEYS = (
    "checkins",
    "f1_p50_ms",
    "f1_p95_ms",
    "sql_f1_p50_ms",
    "sql_f1_p95_ms",
    "batch_1000_s",
    "batch_1000_first_s",
    "f2_p95_ms",
)


def _pct(samples: Sequence[float], q: float) -> float | None:
    """A percentile, or None for an empty sample (``null`` in the JSON line, never NaN)."""
    return percentile(samples, q) if samples else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / max(b, 1e-9)


def _at_most(value: float | None, goal: float) -> bool:
    return value is not None and value <= goal


def _add(
    result: BenchResult, label: str, value: Any, key: str | None = None, unit: str = ""
) -> None:
    """A row and a figure; a figure that could not be measured shows "—" (null in JSON)."""
    if value is None:
        result.rows.append((label, "—"))
        if key:
            result.figures[key] = None
    else:
        result.add(label, value, key, unit)


def _explain(sql: str, params: dict[str, Any], title: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(r[0] for r in cursor.fetchall())
    sys.stdout.write(f"\n--- {title} ---\n{plan}\n")


def _case_pages(cases: list[Case]) -> list[float]:
    from django.test import Client

    from vungxanh.accounts import actions as accounts

    province = AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("pk").first()
    if province is None or not cases:
        return []
    user, _password = accounts.create_user(
        actor=SYSTEM,
        username=f"bench.tracing.{int(time.time())}",
        role="province_officer",
        unit=province,
        write_unit=province,
    )
    client = Client()
    client.force_login(user)
    samples = []
    for case in cases:
        client.get(f"/cases/{case.public_id}/")  # warm
        t = time.perf_counter()
        response = client.get(f"/cases/{case.public_id}/")
        samples.append(_ms(t))
        assert response.status_code == 200, response.status_code
    return samples


def bench_tracing(options: dict[str, Any]) -> BenchResult:
    """F1 of 200 cases (service vs bare SQL), 1,000 cases at once, F2 of 20 cases."""
    n_cases = int(options.get("cases") or 200)
    n_batch = int(options.get("batch") or 1000)
    n_f2 = int(options.get("f2") or 20)
    window_days = int(options.get("window_days") or 4)
    seed = int(options.get("seed") or 2021)
    explain = str(options.get("explain") or "") in {"1", "true", "yes"}
    result = BenchResult(f"Tracing (F1/F2) on {connection.vendor}, window {window_days} days")
    result.figures.update(dict.fromkeys(REQUIRED_KEYS))

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM venues_checkin")
        checkins = int(cursor.fetchone()[0])
    _add(result, "check-ins in the database", checkins, "checkins")
    _add(result, "count(*)", _ms(started), unit="ms")
    if checkins == 0:
        _add(result, "nothing to measure", "load check-ins first (bench load-checkins)")
        result.figures["goals_met"] = False
        return result

    today = timezone.localdate()
    since = local_midnight(today - datetime.timedelta(days=1 + window_days))
    until = local_midnight(today - datetime.timedelta(days=1))
    persons = _sample_persons(max(n_cases, n_batch), since, until, seed)
    _add(result, "random persons with check-ins in the window", len(persons), "persons")
    try:
        with transaction.atomic():
            cases = _make_cases(persons, window_days)
            singles = cases[:n_cases]

            # First touch (pages may come from the OS cache), then warm, interleaved with
            # the bare statement so that both see the same cache.
            cold = []
            for case in singles:
                t = time.perf_counter()
                services.f1_candidates(case)
                cold.append(_ms(t))
            service_ms, bare_ms, totals = [], [], []
            for i, case in enumerate(singles):
                sql, params = services.f1_sql(
                    case, limit=services.rules_for(case).proposal_page_size
                )
                order = (0, 1) if i % 2 == 0 else (1, 0)
                for which in order:
                    t = time.perf_counter()
                    if which == 0:
                        page = services.f1_candidates(case)
                        service_ms.append(_ms(t))
                        totals.append(page.total)
                    else:
                        with connection.cursor() as cursor:
                            cursor.execute(sql, params)
                            cursor.fetchall()
                        bare_ms.append(_ms(t))
            _add(result, "cases, one by one", len(singles), "cases")
            _add(result, "F1 per case p50", _pct(totals, 50), "f1_per_case_p50")
            _add(result, "F1 per case p95", _pct(totals, 95), "f1_per_case_p95")
            _add(result, "F1 per case max", max(totals) if totals else 0, "f1_per_case_max")
            _add(result, "F1 first touch p50", _pct(cold, 50), "f1_cold_p50_ms", "ms")
            _add(result, "F1 first touch p95", _pct(cold, 95), "f1_cold_p95_ms", "ms")
            _add(result, "F1 service p50", _pct(service_ms, 50), "f1_p50_ms", "ms")
            _add(result, "F1 service p95", _pct(service_ms, 95), "f1_p95_ms", "ms")
            _add(result, "F1 bare SQL p50", _pct(bare_ms, 50), "sql_f1_p50_ms", "ms")
            _add(result, "F1 bare SQL p95", _pct(bare_ms, 95), "sql_f1_p95_ms", "ms")
            ratio_p95 = _ratio(_pct(service_ms, 95), _pct(bare_ms, 95))
            ratio_p50 = _ratio(_pct(service_ms, 50), _pct(bare_ms, 50))
            _add(result, "service / bare SQL at p50", ratio_p50, "f1_ratio_p50")
            _add(result, "service / bare SQL at p95", ratio_p95, "f1_ratio_p95")

            # The same 1,000 cases twice: the first run reads pages the single-case runs
            # above did not touch (cold), the second finds them cached (warm).
            batch = cases[:n_batch]
            first_batch: float | None = None
            batch_s: float | None = None
            pairs = []
            if batch:
                t = time.perf_counter()
                pairs = services.f1_pairs_for_cases(batch)
                first_batch = time.perf_counter() - t
                t = time.perf_counter()
                pairs = services.f1_pairs_for_cases(batch)
                batch_s = time.perf_counter() - t
            _add(
                result,
                f"F1 of {len(batch)} cases at once (first run)",
                first_batch,
                "batch_1000_first_s",
                "s",
            )
            _add(result, f"F1 of {len(batch)} cases at once (again)", batch_s, "batch_1000_s", "s")
            _add(result, "  case–F1 pairs", len(pairs), "batch_pairs")
            _add(result, "  distinct F1", len({p.person_id for p in pairs}), "batch_distinct_f1")

            # F2 of a case: the contacts of all its F1 candidates (the worst case: the UI
            # asks for one confirmed F1 at a time), each from their first exposure until the
            # end of the case's window; first touch, then the same again (warm).
            f2_ms, f2_warm, f2_one, f2_page, f2_found, f2_inputs = [], [], [], [], [], []
            for case in singles[:n_f2]:
                f1 = services.f1_candidates(case, limit=100_000)
                _start, end = services.infectious_window(case)
                sources = [
                    services.F1Source(person_id=c.person_id, since=c.first_start, until=end)
                    for c in f1.items
                ]
                t = time.perf_counter()
                page = services.f2_candidates(case, sources)
                f2_ms.append(_ms(t))
                t = time.perf_counter()
                services.f2_candidates(case, sources)
                f2_warm.append(_ms(t))
                if sources:
                    t = time.perf_counter()
                    services.f2_candidates(case, sources[:1])
                    f2_one.append(_ms(t))
                    t = time.perf_counter()
                    services.f2_candidates(case, sources[:25])
                    f2_page.append(_ms(t))
                f2_found.append(page.total)
                f2_inputs.append(len(sources))
            _add(result, "F2 cases", len(f2_ms), "f2_cases")
            _add(result, "  F1 searched per case p50", _pct(f2_inputs, 50), "f2_f1_p50")
            _add(result, "  F1 searched per case max", max(f2_inputs, default=0), "f2_f1_max")
            _add(result, "  F2 found per case p50", _pct(f2_found, 50), "f2_found_p50")
            _add(result, "  F2 found per case max", max(f2_found, default=0), "f2_found_max")
            _add(result, "F2 p50", _pct(f2_ms, 50), "f2_p50_ms", "ms")
            _add(result, "F2 p95", _pct(f2_ms, 95), "f2_p95_ms", "ms")
            _add(result, "F2 again (warm) p50", _pct(f2_warm, 50), "f2_warm_p50_ms", "ms")
            _add(result, "F2 again (warm) p95", _pct(f2_warm, 95), "f2_warm_p95_ms", "ms")
            _add(result, "F2 of one F1 (the page) p95", _pct(f2_one, 95), "f2_one_p95_ms", "ms")
            _add(
                result, "F2 of the 25 strongest F1 p95", _pct(f2_page, 95), "f2_top25_p95_ms", "ms"
            )

            # The case page as an official opens it (landmarks and the first page of
            # ranked proposals rendered on the server), through the whole Django stack.
            page_ms = _case_pages(singles[: min(20, len(singles))])
            if page_ms:
                _add(result, "case page p50", _pct(page_ms, 50), "case_page_p50_ms", "ms")
                _add(result, "case page p95", _pct(page_ms, 95), "case_page_p95_ms", "ms")

            goals = {
                "F1 p95 ≤ 5 ms": _at_most(_pct(service_ms, 95), 5),
                "F1 ≤ 2× bare SQL": _at_most(ratio_p95, 2),
                "1,000 cases ≤ 1 s": _at_most(batch_s, 1),
                "F2 p95 ≤ 30 ms": _at_most(_pct(f2_ms, 95), 30),
            }
            for goal, met in goals.items():
                _add(result, goal, "met" if met else "NOT met")
            result.figures["goals_met"] = all(goals.values())

            if explain and singles and batch:
                by_total = sorted(zip(totals, range(len(singles)), strict=True))
                median_case = singles[by_total[len(by_total) // 2][1]]
                sql, params = services.f1_sql(median_case, limit=25)
                _explain(sql, params, f"F1, median case ({by_total[len(by_total) // 2][0]} F1)")
                f1 = services.f1_candidates(median_case, limit=100_000)
                _start, end = services.infectious_window(median_case)
                sources = [services.F1Source(c.person_id, c.first_start, end) for c in f1.items]
                if sources:
                    sql, params = services.f2_sql(median_case, sources, limit=50)
                    _explain(sql, params, f"F2, median case ({len(sources)} F1)")
                from vungxanh.cases.services.f1 import BATCH_WORK_MEM, f1_pairs_sql

                sql, params = f1_pairs_sql(services.rules_for(batch[0]), batch, timezone.now())
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('work_mem', %s, true)", [BATCH_WORK_MEM])
                _explain(sql, params, f"F1 of {len(batch)} cases at once")
            raise _Rollback
    except _Rollback:
        pass
    return result


BENCHMARKS = {"tracing": bench_tracing}
