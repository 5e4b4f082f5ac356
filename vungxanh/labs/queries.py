"""Read models of the testing dashboard and the planner: frozen dataclasses computed from
restricted querysets (what an official sees is counted from what they may see).

Every count covers the RT-PCR samples collected within the window (the rule set's days of
recent positivity, at least the two days "same day" needs), which keeps the queries on the
(unit|lab, collected_at) indexes, except the samples still waiting for a result (and the
overdue among them): those are counted over a longer bound of their own (``pending_days``:
the swab's validity plus the days a sample may be recorded after its collection), so that a
tube forgotten for longer than the positivity window stays on the dashboard."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from vungxanh.core.scoping import scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.labs import pooling
from vungxanh.labs.actions.samples import RECORD_WITHIN_DAYS
from vungxanh.labs.models import (
    Laboratory,
    Reason,
    Result,
    ResultRecord,
    Sample,
    SampleQuerySet,
    SamplingTask,
    TestingRuleSet,
    area_roots,
    start_of_day,
)
from vungxanh.labs.rules import rules_for


@dataclass(frozen=True)
class Counts:
    collected_today: int = 0
    received_today: int = 0
    pending: int = 0
    overdue: int = 0
    resulted_today: int = 0
    positive_today: int = 0
    collected_yesterday: int = 0
    same_day_yesterday: int = 0
    positive_window: int = 0
    resulted_window: int = 0

    @property
    def positivity(self) -> float | None:
        return self.positive_window / self.resulted_window if self.resulted_window else None

    @property
    def same_day_share(self) -> float | None:
        if not self.collected_yesterday:
            return None
        return self.same_day_yesterday / self.collected_yesterday


@dataclass(frozen=True)
class LabRow:
    lab: Laboratory
    counts: Counts
    single_done: int
    pooled_done: int

    @property
    def single_use(self) -> float | None:
        cap = self.lab.single_capacity
        return self.single_done / cap if cap else None

    @property
    def pooled_use(self) -> float | None:
        cap = self.lab.pooled_capacity
        return self.pooled_done / cap if cap else None


@dataclass(frozen=True)
class UnitRow:
    unit: AdminUnit
    counts: Counts


@dataclass(frozen=True)
class Targets:
    single_target: int
    pooled_target: int
    single_done: int
    pooled_done: int
    single_capacity: int
    pooled_capacity: int

    @property
    def single_use(self) -> float:
        return self.single_done / self.single_target if self.single_target else 0.0

    @property
    def pooled_use(self) -> float:
        return self.pooled_done / self.pooled_target if self.pooled_target else 0.0


@dataclass(frozen=True)
class Dashboard:
    day: datetime.date
    totals: Counts
    labs: list[LabRow]
    units: list[UnitRow]
    unit_level_label: str
    rapid_today: int
    rapid_positive_today: int
    open_tasks: int
    overdue_tasks: int
    targets: Targets | None
    rule_set: TestingRuleSet
    window_days: int = 7
    pending_days: int = 7
    notes: list[str] = field(default_factory=list)


def pending_days_for(rule_set: TestingRuleSet) -> int:
    """How many days back the dashboard looks for samples still waiting for a result: the
    swab's validity plus the days within which a sample may be recorded after collection
    (any tube recorded late and never tested is still counted). The list of overdue samples
    (``?overdue=true``) has no bound."""
    return math.ceil(rule_set.sample_validity_hours / 24) + RECORD_WITHIN_DAYS


def _start(now: datetime.datetime, days: int) -> datetime.datetime:
    """Midnight starting the last ``days`` days (today is one of them; at least two)."""
    return start_of_day(now) - datetime.timedelta(days=max(days, 2) - 1)


def _counts_q(now: datetime.datetime, window_days: int, pending_days: int) -> dict[str, Any]:
    today = start_of_day(now)
    yesterday = today - datetime.timedelta(days=1)
    since = today - datetime.timedelta(days=window_days - 1)
    counted = Q(collected_at__gte=_start(now, window_days))
    waiting = Q(result=Result.PENDING, collected_at__gte=_start(now, pending_days)) & ~Q(
        status__in=[Sample.Status.RETEST, Sample.Status.REJECTED]
    )
    final = Q(result__in=[Result.NEGATIVE, Result.POSITIVE])
    return {
        "collected_today": Count("pk", filter=Q(collected_at__gte=today)),
        "received_today": Count("pk", filter=counted & Q(received_at__gte=today)),
        "pending": Count("pk", filter=waiting),
        "overdue": Count("pk", filter=waiting & Q(collected_at__lt=today)),
        "resulted_today": Count("pk", filter=counted & final & Q(resulted_at__gte=today)),
        "positive_today": Count(
            "pk", filter=counted & Q(result=Result.POSITIVE, resulted_at__gte=today)
        ),
        "collected_yesterday": Count(
            "pk", filter=Q(collected_at__gte=yesterday, collected_at__lt=today)
        ),
        "same_day_yesterday": Count(
            "pk",
            filter=Q(collected_at__gte=yesterday, collected_at__lt=today)
            & final
            & Q(resulted_at__lt=today),
        ),
        "positive_window": Count(
            "pk", filter=counted & Q(result=Result.POSITIVE, resulted_at__gte=since)
        ),
        "resulted_window": Count("pk", filter=counted & final & Q(resulted_at__gte=since)),
    }


def recent(
    samples: SampleQuerySet, now: datetime.datetime, window_days: int, pending_days: int = 0
) -> SampleQuerySet:
    """The RT-PCR samples the dashboard counts: collected within the window, or within
    ``pending_days`` (for those still waiting for a result)."""
    return samples.pcr().filter(collected_at__gte=_start(now, max(window_days, pending_days)))


def counts(
    samples: SampleQuerySet,
    now: datetime.datetime,
    window_days: int = 7,
    pending_days: int | None = None,
) -> Counts:
    pending_days = pending_days or window_days
    return Counts(
        **recent(samples, now, window_days, pending_days).aggregate(
            **_counts_q(now, window_days, pending_days)
        )
    )


def _display_root(user: Any) -> AdminUnit | None:
    roots = area_roots(scope_of(user), "labs.view_sample", "view")
    if scope_of(user).unrestricted or not roots:
        return AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE).order_by("pk").first()
    return AdminUnit.objects.filter(path=min(roots, key=len)).first()


def by_unit(
    samples: SampleQuerySet,
    root: AdminUnit,
    now: datetime.datetime,
    window_days: int,
    pending_days: int,
) -> list[UnitRow]:
    """The counts of each unit one level below ``root`` (districts of the province,
    communes of a district), by the unit where the sample was taken."""
    rows = (
        recent(samples, now, window_days, pending_days)
        .filter(unit__path__startswith=root.path)
        .values("unit_id")
        .annotate(**_counts_q(now, window_days, pending_days))
    )
    per_unit = {r.pop("unit_id"): r for r in rows}
    if not per_unit:
        return []
    paths = dict(AdminUnit.objects.filter(pk__in=per_unit).values_list("pk", "path"))
    depth = root.path.count("/")
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for unit_id, values in per_unit.items():
        parts = paths[unit_id].split("/")
        child = "/".join(parts[: depth + 1]) + "/" if len(parts) > depth + 1 else paths[unit_id]
        for key, value in values.items():
            totals[child][key] += value
    units = {u.path: u for u in AdminUnit.objects.filter(path__in=list(totals))}
    return [
        UnitRow(units[path], Counts(**dict(values)))
        for path, values in sorted(totals.items())
        if path in units
    ]


def lab_usage(labs: list[Laboratory], now: datetime.datetime) -> dict[int, tuple[int, int]]:
    """Reactions run today per laboratory: single samples, and samples tested in pools."""
    today = start_of_day(now)
    rows = (
        ResultRecord.objects.filter(lab__in=labs, entered_at__gte=today)
        .values("lab_id")
        .annotate(
            single=Count("pk", filter=Q(sample__isnull=False)),
            pooled=Sum("members", filter=Q(pool__isnull=False)),
        )
    )
    return {r["lab_id"]: (r["single"] or 0, r["pooled"] or 0) for r in rows}


def dashboard(user: Any, now: datetime.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    root = _display_root(user)
    rule_set = rules_for(root.path if root else None, now)
    window = rule_set.positivity_window_days
    pending_days = pending_days_for(rule_set)
    samples = Sample.objects.restrict(user, "view")
    labs = list(Laboratory.objects.restrict(user, "view").active().select_related("facility"))
    per_lab = {
        r.pop("lab_id"): r
        for r in recent(samples, now, window, pending_days)
        .filter(lab__in=labs)
        .values("lab_id")
        .annotate(**_counts_q(now, window, pending_days))
    }
    usage = lab_usage(labs, now)
    lab_rows = [
        LabRow(
            lab,
            Counts(**per_lab[lab.pk]) if lab.pk in per_lab else Counts(),
            *usage.get(lab.pk, (0, 0)),
        )
        for lab in labs
    ]
    today = start_of_day(now)
    rapid = (
        samples.rapid()
        .filter(collected_at__gte=today)
        .aggregate(n=Count("pk"), positive=Count("pk", filter=Q(result=Result.POSITIVE)))
    )
    tasks = SamplingTask.objects.restrict(user, "view").aggregate(
        open=Count("pk", filter=Q(status=SamplingTask.Status.OPEN)),
        overdue=Count("pk", filter=Q(status=SamplingTask.Status.OPEN, due_at__lt=now)),
    )
    targets = None
    scope = scope_of(user)
    if (
        root is not None
        and root.level == AdminUnit.Level.PROVINCE
        and (scope.unrestricted or root.path in area_roots(scope, "labs.view_laboratory", "view"))
    ):
        targets = Targets(
            single_target=rule_set.province_single_target,
            pooled_target=rule_set.province_pooled_target,
            single_done=sum(r.single_done for r in lab_rows),
            pooled_done=sum(r.pooled_done for r in lab_rows),
            single_capacity=sum(r.lab.single_capacity for r in lab_rows),
            pooled_capacity=sum(r.lab.pooled_capacity for r in lab_rows),
        )
    level_labels = {1: "district", 2: "commune", 3: "village"}
    return Dashboard(
        day=timezone.localdate(now),
        totals=counts(samples, now, window, pending_days),
        labs=lab_rows,
        units=by_unit(samples, root, now, window, pending_days) if root else [],
        unit_level_label=level_labels.get(root.level if root else 1, "unit"),
        rapid_today=rapid["n"],
        rapid_positive_today=rapid["positive"],
        open_tasks=tasks["open"],
        overdue_tasks=tasks["overdue"],
        targets=targets,
        rule_set=rule_set,
        window_days=window,
        pending_days=pending_days,
    )


def screening_q(rules: TestingRuleSet) -> Q:
    """The samples whose positivity estimates the prevalence among the samples a laboratory
    pools: those of the reasons the rule set pools, of persons not under tracing as F1, and
    the individual re-tests of such samples (a member of a positive pool has its final result
    on its re-test). F1, symptomatic and confirmation samples, tested singly because the
    person is likelier to be infected, would overstate it."""
    follow_up = {Reason.RETEST, Reason.CONFIRMATION}
    poolable = [r for r in Reason.values if r not in follow_up and not rules.is_single(r)]
    return Q(reason__in=poolable, is_f1=False) | Q(
        reason=Reason.RETEST,
        fulfils__origin_sample__reason__in=poolable,
        fulfils__origin_sample__is_f1=False,
    )


def recent_positivity(
    user: Any, rules: TestingRuleSet, now: datetime.datetime | None = None
) -> Counts:
    """The positivity of the screening samples ``user`` may see over the rule set's window."""
    now = now or timezone.now()
    screening = Sample.objects.restrict(user, "view").filter(screening_q(rules))
    return counts(screening, now, rules.positivity_window_days)


def planner_inputs(user: Any) -> tuple[TestingRuleSet, Counts]:
    """The rule set of the user's (first) laboratory and the recent positivity of the
    screening samples they may see: the planner's defaults."""
    lab = Laboratory.objects.restrict(user, "view").active().select_related("facility__unit")
    first = lab.first()
    rules = rules_for(first.facility.unit.path if first else None)
    return rules, recent_positivity(user, rules)


def plan_for(
    rules: TestingRuleSet,
    recent: Counts,
    *,
    prevalence: float | None = None,
    sensitivity: float | None = None,
    specificity: float | None = None,
    samples: int | None = None,
) -> tuple[pooling.Plan, bool]:
    """The Dorfman plan with the rule set's assay values and the recent positivity for what
    is not given (fractions). Also says whether the prevalence came from recent positivity."""
    guessed = prevalence is None
    p = (recent.positivity or 0.0) if prevalence is None else prevalence
    plan = pooling.plan(
        prevalence=min(p, 0.9999),
        sensitivity=float(rules.assay_sensitivity) if sensitivity is None else sensitivity,
        specificity=float(rules.assay_specificity) if specificity is None else specificity,
        samples=samples or 10_000,
        max_size=rules.max_pool_size,
    )
    return plan, guessed
