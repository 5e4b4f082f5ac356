"""The tracing benchmark runs end to end on a small data set and leaves nothing behind
(its cases live in a transaction that is rolled back). Its figures are read by hand."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from vungxanh.cases.benchmarks import bench_tracing
from vungxanh.cases.models import Case
from vungxanh.cases.tests.factories import at, check_in, make_person, make_venue

KEYS = {
    "checkins",
    "batch_1000_first_s",
    "f1_p50_ms",
    "f1_p95_ms",
    "sql_f1_p50_ms",
    "sql_f1_p95_ms",
    "batch_1000_s",
    "f2_p95_ms",
}


@pytest.mark.django_db
def test_the_tracing_benchmark_reports_its_figures_and_rolls_back(world):
    day = timezone.localdate() - datetime.timedelta(days=2)
    venue = make_venue(world.commune_a, "Chợ Đo Đạc")
    for i in range(8):
        check_in(make_person(world.commune_a, f"Người Đo {i}"), venue, at(day, "08:00"))
    result = bench_tracing({"cases": 5, "batch": 8, "f2": 2})
    assert set(result.figures) >= KEYS
    assert result.figures["checkins"] == 8
    assert result.figures["cases"] == 5
    assert result.figures["f1_per_case_p50"] == 7  # everyone met everyone else
    assert result.figures["batch_1000_first_s"] > 0
    assert result.figures["batch_1000_s"] > 0
    assert any(label.endswith("(first run)") for label, _value in result.rows)
    json.dumps(result.figures, allow_nan=False)
    assert not Case.objects.exists()


def strict_json_line(figures: dict) -> dict:
    """What ``bench --json`` prints, read back by a strict parser (no NaN, no Infinity)."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(json.dumps(figures, default=str), parse_constant=refuse)


@pytest.mark.django_db
def test_without_check_ins_the_required_keys_are_null(world):
    figures = strict_json_line(bench_tracing({"cases": 5, "batch": 8, "f2": 2}).figures)
    assert set(figures) >= KEYS
    assert figures["checkins"] == 0
    assert {k: figures[k] for k in KEYS - {"checkins"}} == dict.fromkeys(KEYS - {"checkins"})
    assert figures["goals_met"] is False


@pytest.mark.django_db
def test_with_nobody_to_sample_the_json_line_stays_valid(world):
    """Check-ins exist, but none in the window: nothing is measured, nothing is NaN."""
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    venue = make_venue(world.commune_a, "Chợ Cũ")
    check_in(make_person(world.commune_a, "Người Cũ"), venue, at(long_ago, "08:00"))
    result = bench_tracing({"cases": 5, "batch": 8, "f2": 2})
    figures = strict_json_line(result.figures)
    assert figures["checkins"] == 1
    assert figures["persons"] == 0
    for key in ("f1_p50_ms", "f1_p95_ms", "sql_f1_p95_ms", "batch_1000_s", "f2_p95_ms"):
        assert figures[key] is None
    assert figures["goals_met"] is False
    assert ("F1 service p95", "—") in result.rows
