"""Test data for the laboratory, and the district-A objects of the contract test."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import Facility
from vungxanh.labs import actions, codes
from vungxanh.labs.models import (
    Laboratory,
    Pool,
    Reason,
    Run,
    Sample,
    SamplingSite,
    SamplingTask,
    TestingRuleSet,
    TestKind,
)
from vungxanh.labs.rules import ensure_default_rule_set
from vungxanh.people.models import Person
from vungxanh.people.tests.factories import HouseholdFactory, PersonFactory
from vungxanh.testing import World, out_of_scope_factory

__all__ = ["HouseholdFactory", "PersonFactory"]


def lab_of(code: str, *, single: int = 2_000, pooled: int = 10_000) -> Laboratory:
    """The Laboratory of a world facility (T-LAB-P, T-LAB-B), registered once."""
    ensure_default_rule_set()
    facility = Facility.objects.get(code=code)
    lab = Laboratory.objects.filter(facility=facility).first()
    if lab is None:
        lab = actions.register_laboratory(
            actor=SYSTEM, facility=facility, single_capacity=single, pooled_capacity=pooled
        )
    return lab


def make_sample(
    person: Person,
    *,
    lab: Laboratory | None = None,
    reason: str = Reason.SCREENING,
    received: bool = True,
    collected_at: datetime.datetime | None = None,
    pool_group: str = "",
    single_only: bool = False,
    unit: Any = None,
) -> Sample:
    """A PCR sample in the database without going through the actions (bulk test data)."""
    collected_at = collected_at or timezone.now() - datetime.timedelta(hours=2)
    rules = ensure_default_rule_set()
    return Sample.objects.create(
        code=codes.allocate("sample")[0],
        person=person,
        test_kind=TestKind.PCR,
        reason=reason,
        priority=rules.priority_of(reason),
        single_only=single_only or rules.is_single(reason),
        pool_group=pool_group,
        collected_at=collected_at,
        unit=unit or person.residence_unit,
        home_unit=person.residence_unit,
        lab=lab,
        status=Sample.Status.RECEIVED if received else Sample.Status.COLLECTED,
        received_at=collected_at + datetime.timedelta(hours=1) if received else None,
    )


def _canary_person(world: World) -> Person:
    person = Person.objects.filter(full_name="Đỗ Văn CANARY-SAMPLED").first()
    return person or PersonFactory.create(
        full_name="Đỗ Văn CANARY-SAMPLED",
        name_folded="do van canary-sampled",
        residence_unit=world.village_a,
    )


def _canary_sample(world: World) -> Sample:
    person = _canary_person(world)
    sample = Sample.objects.filter(person=person).first()
    return sample or make_sample(person, lab=lab_of("T-LAB-P"), unit=world.commune_a)


@out_of_scope_factory(Sample)
def sample_in_a(world: World) -> Sample:
    return _canary_sample(world)


@out_of_scope_factory(Pool)
def pool_in_a(world: World) -> Pool:
    return _canary_pool(world)


def _canary_pool(world: World) -> Pool:
    sample = _canary_sample(world)
    if sample.pool is None:
        other = make_sample(_canary_person(world), lab=sample.lab, unit=world.commune_a)
        actions.build_pools(actor=SYSTEM, lab=other.lab)  # type: ignore[arg-type]
        sample.refresh_from_db()
    assert sample.pool is not None
    return sample.pool


@out_of_scope_factory(Run)
def run_in_a(world: World) -> Run:
    pool = _canary_pool(world)
    if pool.run is None:
        actions.create_run(actor=SYSTEM, lab=pool.lab)
        pool.refresh_from_db()
    assert pool.run is not None
    return pool.run


@out_of_scope_factory(SamplingTask)
def task_in_a(world: World) -> SamplingTask:
    sample = make_sample(_canary_person(world), lab=lab_of("T-LAB-P"), unit=world.commune_a)
    return actions.reject_sample(actor=SYSTEM, sample=sample, reason="CANARY leaked tube")


@out_of_scope_factory(Laboratory)
def laboratory_in_a(world: World) -> Laboratory:
    facility, _ = Facility.objects.get_or_create(
        code="CANARY-LAB",
        defaults={
            "name": "Phòng xét nghiệm CANARY-LAB",
            "kind": Facility.Kind.LABORATORY,
            "unit": world.district_a,
        },
    )
    return lab_of(facility.code)


@out_of_scope_factory(SamplingSite)
def site_in_a(world: World) -> SamplingSite:
    site = SamplingSite.objects.filter(name="Điểm lấy mẫu CANARY-SITE").first()
    return site or actions.create_sampling_site(
        actor=SYSTEM,
        name="Điểm lấy mẫu CANARY-SITE",
        kind=SamplingSite.Kind.MOBILE_TEAM,
        unit=world.commune_a,
    )


@out_of_scope_factory(TestingRuleSet)
def rule_set_in_a(world: World) -> TestingRuleSet:
    rule_set = TestingRuleSet.objects.filter(code="canary-rules-a").first()
    if rule_set:
        return rule_set
    return TestingRuleSet.objects.create(
        code="canary-rules-a",
        name="Quy định CANARY-RULES Hạ Long",
        unit=world.district_a,
        valid_from=timezone.now() + datetime.timedelta(days=365),
        max_pool_size=5,
        priority_order=[],
        sample_validity_hours=72,
        retest_due_hours=12,
        max_reruns=1,
        province_single_target=1,
        province_pooled_target=1,
        assay_sensitivity="0.95",
        assay_specificity="0.99",
        positivity_window_days=7,
    )
