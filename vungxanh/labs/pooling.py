"""Pure pooling logic, without database access: the Dorfman planner and the pool packer.

Planner (PERFORMANCE.md §4). For prevalence ``p``, pool size ``k``, sensitivity ``Se`` and
specificity ``Sp``, two-stage Dorfman testing needs per sample
``E(k) = 1/k + Se − (Se + Sp − 1)(1 − p)^k`` reactions (``E(1) = 1``: testing singly);
the protocol's sensitivity is about ``Se²``. Pooling only pays below ``p = 1 − 3^(−1/3)``.

Packer. Samples that must stay together (a household, a quarantine room, a workplace group)
form a group, wherever its members live: a factory shift or a quarantine room usually spans
several communes. Groups are packed into pools of at most ``k`` samples, best fit, larger
groups first. The commune only decides where a group is packed first (a group counts as
belonging to the commune where most of its members live): pools are filled within one commune
first and then across communes, so that a positive pool sends as few communes as possible
back to re-sample. A group larger than ``k`` is cut into full pools. Runs in O(n·k).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

DORFMAN_LIMIT = 1 - 3 ** (-1 / 3)  # 30.66 %: at or above it, every pool size loses
PLANNER_MAX_SIZE = 32


@dataclass(frozen=True)
class PlanRow:
    size: int
    reactions_per_sample: float
    reactions: int
    pool_positive_rate: float
    sensitivity: float
    saving: float  # share of reactions saved against testing singly

    @property
    def samples_per_reaction(self) -> float:
        return 1 / self.reactions_per_sample if self.reactions_per_sample else float("inf")


@dataclass(frozen=True)
class Plan:
    prevalence: float
    sensitivity: float
    specificity: float
    samples: int
    max_size: int
    rows: tuple[PlanRow, ...]
    best: PlanRow
    recommended: PlanRow  # the best size allowed by the rule set
    pooling_pays: bool


def pool_positive_probability(k: int, p: float, se: float, sp: float) -> float:
    """Probability that a pool of ``k`` tests positive."""
    negative_pool = (1 - p) ** k
    return se * (1 - negative_pool) + (1 - sp) * negative_pool


def reactions_per_sample(k: int, p: float, se: float = 1.0, sp: float = 1.0) -> float:
    if k <= 1:
        return 1.0
    return 1 / k + se - (se + sp - 1) * (1 - p) ** k


def expected_reactions(n: int, k: int, p: float, se: float = 1.0, sp: float = 1.0) -> int:
    """Reactions for ``n`` samples in pools of ``k`` (the last pool may be smaller)."""
    if n <= 0:
        return 0
    if k <= 1:
        return n
    full, rest = divmod(n, k)
    total = full * (1 + k * pool_positive_probability(k, p, se, sp))
    if rest:
        total += 1 if rest > 1 else 0
        total += rest * (pool_positive_probability(rest, p, se, sp) if rest > 1 else 1)
    return round(total)


def plan(
    *,
    prevalence: float,
    sensitivity: float,
    specificity: float,
    samples: int,
    max_size: int,
    table_max: int = PLANNER_MAX_SIZE,
) -> Plan:
    """The table over pool sizes 1…``table_max`` and the recommended size (the cheapest
    size not above the rule set's ``max_size``; 1 means: test singly)."""
    if not 0 <= prevalence < 1:
        raise ValueError("prevalence must be in [0, 1)")
    if not (0.5 <= sensitivity <= 1 and 0.5 <= specificity <= 1):
        raise ValueError("sensitivity and specificity must be in [0.5, 1]")
    rows = []
    top = max(table_max, 1)
    for k in range(1, top + 1):
        e = reactions_per_sample(k, prevalence, sensitivity, specificity)
        rows.append(
            PlanRow(
                size=k,
                reactions_per_sample=e,
                reactions=expected_reactions(samples, k, prevalence, sensitivity, specificity),
                pool_positive_rate=pool_positive_probability(
                    k, prevalence, sensitivity, specificity
                ),
                sensitivity=sensitivity**2 if k > 1 else sensitivity,
                saving=1 - e,
            )
        )
    best = min(rows, key=lambda r: (round(r.reactions_per_sample, 9), r.size))
    allowed = [r for r in rows if r.size <= max_size]
    recommended = min(allowed, key=lambda r: (round(r.reactions_per_sample, 9), r.size))
    return Plan(
        prevalence=prevalence,
        sensitivity=sensitivity,
        specificity=specificity,
        samples=samples,
        max_size=max_size,
        rows=tuple(rows),
        best=best,
        recommended=recommended,
        pooling_pays=recommended.size > 1,
    )


def rule_of_thumb_size(p: float) -> int:
    """``k* ≈ 1 + 1/√p`` (for a quick sanity check of the table)."""
    return 1 if p <= 0 else int(1 + 1 / math.sqrt(p))


# --- packing ---------------------------------------------------------------------------------


def pack(
    samples: Iterable[tuple[int, Hashable, Hashable]],
    size: int,
) -> list[list[int]]:
    """Pack samples into pools of at most ``size``.

    ``samples`` yields ``(sample_id, group_key, area_key)`` in priority order; samples with
    the same non-empty group key stay in one pool where the group fits (a group larger than
    ``size`` fills whole pools), whatever their ``area_key`` (the commune). The area only
    orders the packing: a group is packed with the other samples of the commune where most
    of its members live (the first such commune in priority order on a tie), and partly
    filled pools of different communes are merged last. The result keeps the input order
    within each pool.
    """
    if size < 1:
        raise ValueError("pool size must be at least 1")
    order: dict[int, int] = {}
    by_area: dict[Hashable, list[list[int]]] = defaultdict(list)
    groups: dict[Hashable, list[int]] = {}
    areas: dict[Hashable, dict[Hashable, int]] = {}  # members of each group per area
    for position, (sample_id, group_key, area_key) in enumerate(samples):
        order[sample_id] = position
        if group_key in (None, ""):
            by_area[area_key].append([sample_id])
            continue
        members = groups.get(group_key)
        if members is None:
            groups[group_key] = [sample_id]
            areas[group_key] = {area_key: 1}
        else:
            members.append(sample_id)
            counts = areas[group_key]
            counts[area_key] = counts.get(area_key, 0) + 1
    for key, members in groups.items():
        counts = areas[key]
        # max() keeps the first area seen among equal counts.
        by_area[max(counts, key=counts.__getitem__)].append(members)

    full: list[list[int]] = []
    partial: list[list[int]] = []
    for area_groups in by_area.values():
        chunks: list[list[int]] = []
        for members in area_groups:
            for start in range(0, len(members), size):
                chunk = members[start : start + size]
                (full if len(chunk) == size else chunks).append(chunk)
        bins = _best_fit(chunks, size)
        for b in bins:
            (full if len(b) == size else partial).append(b)
    # Second pass: partly filled pools of different communes are merged, whole.
    full.extend(_best_fit(partial, size))
    pools = [sorted(p, key=order.__getitem__) for p in full]
    pools.sort(key=lambda p: order[p[0]])
    return pools


def _best_fit(chunks: Sequence[list[int]], size: int) -> list[list[int]]:
    """Best-fit decreasing with buckets of open pools by free space: O(n·size)."""
    by_free: list[list[list[int]]] = [[] for _ in range(size + 1)]
    done: list[list[int]] = []
    for chunk in sorted(chunks, key=len, reverse=True):
        need = len(chunk)
        target = None
        for free in range(need, size + 1):
            if by_free[free]:
                target = by_free[free].pop()
                break
        if target is None:
            target = []
        target.extend(chunk)
        left = size - len(target)
        if left == 0:
            done.append(target)
        else:
            by_free[left].append(target)
    for free in range(1, size + 1):
        done.extend(by_free[free])
    return done
