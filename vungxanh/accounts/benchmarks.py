"""Benchmarks of the foundation: scoped reads through restrict() and the pages on top."""

from __future__ import annotations

from typing import Any

from django.test import Client

from vungxanh.accounts.models import User
from vungxanh.core.benchmarks import BenchResult, percentile, timed
from vungxanh.geo.models import AdminUnit


def bench_scope(options: dict[str, Any]) -> BenchResult:
    """Scoped unit reads (page and API) as a province, a district and a commune officer."""
    repeat = int(options.get("repeat") or 200)
    result = BenchResult("Scoped reads (ms, in-process client)")
    result.add("units in database", AdminUnit.objects.count(), "units")
    for username in ("admin.tinh", "canbo.halong", "tyt.hakhanh"):
        user = User.objects.filter(username=username).first()
        if user is None:
            result.add(f"{username}", "missing: run `vungxanh demo` first")
            continue
        client = Client()
        client.force_login(user)
        for label, url in (
            ("units page", "/units/?level=3"),
            ("units API", "/api/v1/units/?level=4&page_size=100"),
        ):

            def fetch(url: str = url, client: Client = client) -> None:
                client.get(url)

            fetch()  # warm
            samples = timed(fetch, repeat)
            key = f"{username.split('.')[0]}_{label.replace(' ', '_')}"
            result.add(f"{username} {label} p50", percentile(samples, 50), f"{key}_p50_ms", "ms")
            result.add(f"{username} {label} p95", percentile(samples, 95), f"{key}_p95_ms", "ms")
    return result


BENCHMARKS = {"scope": bench_scope}
