"""The tracing benchmark runs end to end on a small data set and leaves nothing behind
(its cases live in a transaction that is rolled back). Its figures are read by hand."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from vungxanh.cases.benchmarks import bench_tracing
from vungxanh.cases.models import Case
from vungxanh.cases.tests.factories import at, check_in, make_person, make_venue

KEYS = {
    "checkins",
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
    assert not Case.objects.exists()
