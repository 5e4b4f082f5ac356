"""`vungxanh bench`: a readable table, and with --json one strict JSON object as the last
line (figures that could not be measured are null, never NaN)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from vungxanh.core.benchmarks import BenchResult, percentile

pytestmark = pytest.mark.django_db


def _strict(line: str) -> dict:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(line, parse_constant=refuse)


def test_the_list_names_every_benchmark_of_the_issues():
    out = io.StringIO()
    call_command("bench", "--list", stdout=out)
    names = {line.split()[0] for line in out.getvalue().splitlines()}
    assert {"search", "load-checkins", "checkin-http", "tracing", "pooling"} <= names


def test_a_benchmark_prints_a_table_and_ends_with_one_json_line(world):
    out = io.StringIO()
    call_command("bench", "scope", "--repeat", "2", "--json", stdout=out)
    lines = out.getvalue().rstrip("\n").splitlines()
    assert lines[0] == "Scoped reads (ms, in-process client)"
    assert any(line.startswith("units in database") for line in lines[2:-1])
    figures = _strict(lines[-1])
    assert figures["units"] > 190  # Quảng Ninh: 1 + 13 + 177 and the test villages


def test_figures_without_samples_are_null_not_nan():
    result = BenchResult("t")
    result.add("p95 of nothing", percentile([], 95), "p95_ms", "ms")
    result.add("count", 3, "n")
    assert result.rows[0] == ("p95 of nothing", "—")
    assert _strict(json.dumps(result.figures, allow_nan=False)) == {"p95_ms": None, "n": 3}
