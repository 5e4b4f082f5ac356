"""The demo generator framework: ``vungxanh demo`` runs each app's ``demo.run(ctx)`` in
dependency order (the order of INSTALLED_APPS). Each app generates its own synthetic data
and returns lines to print. Sizes grow with the apps: ``small`` for ``make run``,
``medium`` for manual testing, ``province`` (about 1.32 million people) for benchmarks."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

SIZES = {"small": 20_000, "medium": 150_000, "province": 1_320_000}


@dataclass
class DemoContext:
    province: Any  # geo.AdminUnit; typed loosely because core sits below geo
    size: str = "small"
    seed: int = 2021
    if_empty: bool = False
    write: Any = print
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def people(self) -> int:
        return SIZES[self.size]
