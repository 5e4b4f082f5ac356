"""Codes on the tubes, the Dorfman planner (against PERFORMANCE.md §4) and the packer."""

from __future__ import annotations

import itertools
import random

import pytest

from vungxanh.labs import codes, pooling


def test_codes_catch_every_typo_and_swap():
    code = codes.make_code("S", 123_456)
    assert codes.validate(code) == code
    assert codes.validate(code.lower().replace("0", "o")) == code  # Crockford reading
    body = code[1:]
    for i, c in itertools.product(range(len(body)), codes.ALPHABET):
        typo = "S" + body[:i] + c + body[i + 1 :]
        if typo != code:
            with pytest.raises(codes.CodeError):
                codes.validate(typo)
    for i in range(1, len(code) - 1):
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        if swapped != code:
            with pytest.raises(codes.CodeError, match="ký tự kiểm tra"):
                codes.validate(swapped)
    with pytest.raises(codes.CodeError, match="không đúng loại mã"):
        codes.validate(code, prefix="P")


@pytest.mark.django_db
def test_codes_are_allocated_in_blocks_without_repeats():
    first = codes.allocate("pool", 3)
    second = codes.allocate("pool", 2)
    assert len(set(first + second)) == 5
    assert all(codes.validate(c, prefix="P") for c in first + second)


@pytest.mark.parametrize(
    ("p", "k", "expected"),
    [
        (0.01, 10, 0.1956),
        (0.05, 5, 0.4262),
        (0.10, 4, 0.5939),
        (0.20, 3, 0.8213),
        (0.001, 32, 0.0628),
    ],
)
def test_dorfman_reactions_match_the_reference_table(p, k, expected):
    assert pooling.reactions_per_sample(k, p) == pytest.approx(expected, abs=5e-5)


def test_reactions_for_50000_pooled_samples_match_the_reference_table():
    # PERFORMANCE.md §4: 1 % prevalence, pools of 10 → 9,781 reactions; 2 %, 5 → 14,804
    assert pooling.expected_reactions(50_000, 10, 0.01) == pytest.approx(9_781, abs=2)
    assert pooling.expected_reactions(50_000, 5, 0.02) == pytest.approx(14_804, abs=2)


def test_plan_recommends_within_the_rule_sets_maximum():
    plan = pooling.plan(prevalence=0.005, sensitivity=1, specificity=1, samples=10_000, max_size=10)
    assert plan.best.size == 15  # the reference table's k* at 0.5 %
    assert plan.recommended.size == 10
    assert plan.pooling_pays
    assert plan.rows[0].reactions == 10_000  # singly


def test_plan_says_test_singly_above_the_dorfman_limit():
    plan = pooling.plan(
        prevalence=0.35, sensitivity=0.95, specificity=0.99, samples=100, max_size=10
    )
    assert not plan.pooling_pays
    assert plan.recommended.size == 1


def test_imperfect_assay_costs_more_and_loses_sensitivity():
    perfect = pooling.reactions_per_sample(10, 0.01, 1, 1)
    real = pooling.reactions_per_sample(10, 0.01, 0.95, 0.99)
    assert real != perfect
    row = pooling.plan(
        prevalence=0.01, sensitivity=0.95, specificity=0.99, samples=1_000, max_size=10
    ).rows[9]
    assert row.sensitivity == pytest.approx(0.95**2)


def test_plan_rejects_nonsense():
    with pytest.raises(ValueError, match="prevalence"):
        pooling.plan(prevalence=1.2, sensitivity=1, specificity=1, samples=1, max_size=10)


def test_packer_keeps_groups_together_and_never_exceeds_the_size():
    rng = random.Random(7)
    samples = []
    n = 0
    for household in range(300):
        commune = rng.choice(["c1", "c2", "c3"])
        for _ in range(rng.choice([1, 1, 2, 3, 4, 6])):
            n += 1
            samples.append((n, f"hh{household}", commune))
    pools = pooling.pack(samples, 10)
    flat = [s for p in pools for s in p]
    assert sorted(flat) == list(range(1, n + 1))  # nobody lost or doubled
    assert all(1 <= len(p) <= 10 for p in pools)
    group_of = {sid: g for sid, g, _a in samples}
    for group in set(group_of.values()):
        holding = {i for i, p in enumerate(pools) if any(group_of[s] == group for s in p)}
        assert len(holding) == 1, group
    # nearly every pool is full: at most one partly filled pool per commune is merged
    assert sum(len(p) < 10 for p in pools) <= 3


def test_packer_cuts_a_large_group_into_full_pools():
    samples = [(i, "factory-shift-1", "c1") for i in range(25)]
    pools = pooling.pack(samples, 10)
    assert sorted(len(p) for p in pools) == [5, 10, 10]


def _pool_holding(pools, members):
    return {i for i, p in enumerate(pools) for s in p if s in members}


def test_packer_keeps_a_group_spanning_two_communes_in_one_pool():
    # Six people of each commune first, then a factory shift of 4 + 4 people living in the
    # two communes, last in priority: 8 + 2 fit in one pool.
    loners = [(i, "", "c1") for i in range(1, 7)] + [(i, "", "c2") for i in range(7, 13)]
    shift = [(i, "workplace:shift-1", "c1") for i in range(13, 17)]
    shift += [(i, "workplace:shift-1", "c2") for i in range(17, 21)]
    pools = pooling.pack(loners + shift, 10)
    assert sorted(len(p) for p in pools) == [10, 10]
    assert len(_pool_holding(pools, set(range(13, 21)))) == 1


def test_packer_keeps_an_interleaved_group_across_communes_together():
    # A quarantine room's members alternate with other samples and live in three communes.
    samples = []
    room = set()
    for i in range(1, 31):
        if i % 4 == 0:
            samples.append((i, "room:B-204", f"c{i % 3}"))
            room.add(i)
        else:
            samples.append((i, "", f"c{i % 2}"))
    assert len(room) == 7
    pools = pooling.pack(samples, 10)
    assert len(_pool_holding(pools, room)) == 1
    assert sorted(s for p in pools for s in p) == list(range(1, 31))
    assert all(len(p) <= 10 for p in pools)
    assert len(pools) == 3  # still full pools: 30 samples in 3
