"""Weighted choices and the age controller that keeps the synthetic population on Vietnam's
2019 census pyramid (see :class:`AgeController`)."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

from vungxanh.people.identity import FEMALE, MALE
from vungxanh.people.synthetic.tables import (
    AGE_BANDS,
    EITHER,
    MAX_AGE,
    MINER,
    OLDEST_BAND_SURVIVAL,
    Cohorts,
    _nfc,
)

T = TypeVar("T")


class Choice(Generic[T]):
    """Weighted choice by bisection over cumulative weights (faster than ``rng.choices``)."""

    __slots__ = ("cumulative", "total", "values")

    def __init__(self, values: Sequence[T], weights: Sequence[float]) -> None:
        self.values = tuple(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


def cohort_choices(
    table: Sequence[tuple[str, Cohorts]],
) -> tuple[Choice[str], Choice[str], Choice[str]]:
    names = [name for name, _weights in table]
    return (
        Choice(names, [weights[0] for _name, weights in table]),
        Choice(names, [weights[1] for _name, weights in table]),
        Choice(names, [weights[2] for _name, weights in table]),
    )


def occupation_choices(
    table: Sequence[tuple[str, float, float]], *, mining: bool
) -> dict[str, Choice[str]]:
    rows = [row for row in table if mining or row[0] != MINER]
    labels = [_nfc(row[0]) for row in rows]
    return {
        MALE: Choice(labels, [row[1] for row in rows]),
        FEMALE: Choice(labels, [row[2] for row in rows]),
    }


def _single_year_targets() -> dict[str, list[float]]:
    """Share of the population at each single year of age, by sex, from :data:`AGE_BANDS`."""
    targets: dict[str, list[float]] = {MALE: [0.0] * (MAX_AGE + 1), FEMALE: [0.0] * (MAX_AGE + 1)}
    for index, (start, share, male_share) in enumerate(AGE_BANDS):
        if index + 1 < len(AGE_BANDS):
            ages = list(range(start, AGE_BANDS[index + 1][0]))
            shape = [1.0] * len(ages)
        else:
            ages = list(range(start, MAX_AGE + 1))
            shape = [OLDEST_BAND_SURVIVAL ** (age - start) for age in ages]
        scale = share / sum(shape)
        for age, weight in zip(ages, shape, strict=True):
            targets[MALE][age] = weight * scale * male_share
            targets[FEMALE][age] = weight * scale * (1 - male_share)
    return targets


def band_of(age: int) -> int:
    """Index in :data:`AGE_BANDS` of the 5-year band holding ``age``."""
    return min(age // 5, len(AGE_BANDS) - 1)


_BAND_OF_AGE = [band_of(age) for age in range(MAX_AGE + 1)]


class AgeController:
    """Draws ages inside role windows, steering the age and sex structure to the census.

    Every few households each (sex, band) weight is multiplied by (expected / generated) ** 16,
    so cells that fall behind their census share are favoured wherever a role leaves a choice.
    Members whose role allows either sex get an age first (from both sexes' weights), then a
    sex tilted the same way within that age band.
    """

    GAIN = 16
    SEX_GAIN = 8
    SMOOTHING = 50.0

    def __init__(self) -> None:
        self.targets = _single_year_targets()
        total = sum(self.targets[MALE]) + sum(self.targets[FEMALE])
        self.band_shares = {
            sex: [
                sum(share for age, share in enumerate(self.targets[sex]) if band_of(age) == band)
                / total
                for band in range(len(AGE_BANDS))
            ]
            for sex in (MALE, FEMALE)
        }
        self.counts = {MALE: [0] * len(AGE_BANDS), FEMALE: [0] * len(AGE_BANDS)}
        self.total = 0
        self.male_bias = [1.0] * len(AGE_BANDS)
        self.cumulative: dict[str, list[float]] = {}
        self.refresh()

    def _ratios(self, sex: str) -> list[float]:
        return [
            (share * self.total + self.SMOOTHING) / (count + self.SMOOTHING)
            for share, count in zip(self.band_shares[sex], self.counts[sex], strict=True)
        ]

    def refresh(self) -> None:
        """Re-weigh the single years by how far each cell is from its census share."""
        ratios = {sex: self._ratios(sex) for sex in (MALE, FEMALE)}
        weights: dict[str, list[float]] = {}
        for sex in (MALE, FEMALE):
            factors = [min(100.0, max(0.01, ratio**self.GAIN)) for ratio in ratios[sex]]
            weights[sex] = [
                w * factors[band] for w, band in zip(self.targets[sex], _BAND_OF_AGE, strict=True)
            ]
            self.cumulative[sex] = [0.0, *accumulate(weights[sex])]
        both = [male + female for male, female in zip(weights[MALE], weights[FEMALE], strict=True)]
        self.cumulative[EITHER] = [0.0, *accumulate(both)]
        self.male_bias = [
            min(10.0, max(0.1, (male / female) ** self.SEX_GAIN))
            for male, female in zip(ratios[MALE], ratios[FEMALE], strict=True)
        ]

    def draw(self, rng: random.Random, sex: str, low: int, high: int) -> int:
        """An age in ``[low, high]`` (clipped to 0-100) for ``sex`` or :data:`EITHER`."""
        low, high = max(0, low), min(MAX_AGE, high)
        if low > high:
            raise ValueError(f"empty age window {low}-{high}")
        cumulative = self.cumulative[sex]
        start, end = cumulative[low], cumulative[high + 1]
        age = bisect_right(cumulative, start + rng.random() * (end - start), low + 1, high + 1) - 1
        return min(max(age, low), high)

    def male_chance(self, base: float, age: int) -> float:
        """``base`` (a role's usual share of men) tilted toward the census sex ratio at ``age``."""
        odds = base * self.male_bias[_BAND_OF_AGE[age]]
        return odds / (odds + 1 - base)

    def record(self, sex: str, age: int) -> None:
        self.counts[sex][_BAND_OF_AGE[age]] += 1
        self.total += 1
