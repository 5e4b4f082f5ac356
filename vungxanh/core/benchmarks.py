"""Benchmarks are commands that print figures (``vungxanh bench NAME``), never timed tests.

An app registers a benchmark by defining ``BENCHMARKS = {"name": function}`` in its
``benchmarks.py``; the function receives the parsed options and returns a
:class:`BenchResult`: a table for people and a flat dict of figures for machines."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps


@dataclass
class BenchResult:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def add(self, label: str, value: Any, key: str | None = None, unit: str = "") -> None:
        """A row of the table and, with ``key``, a figure of the JSON line; a figure that
        could not be measured (``None``, NaN: no samples) shows "—" and is ``null``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            self.rows.append((label, "—"))
            if key:
                self.figures[key] = None
            return
        shown = (
            f"{value:,.2f}"
            if isinstance(value, float)
            else f"{value:,}"
            if isinstance(value, int)
            else str(value)
        )
        self.rows.append((label, f"{shown} {unit}".strip()))
        if key:
            self.figures[key] = value


def percentile(samples: Iterable[float], q: float) -> float:
    data = sorted(samples)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    return statistics.quantiles(data, n=100, method="inclusive")[int(q) - 1]


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls."""
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def registry() -> dict[str, Callable[[dict[str, Any]], BenchResult]]:
    found: dict[str, Callable[[dict[str, Any]], BenchResult]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("vungxanh."):
            continue
        try:
            module = import_module(f"{config.name}.benchmarks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.benchmarks":
                raise
            continue
        found.update(getattr(module, "BENCHMARKS", {}))
    return found
