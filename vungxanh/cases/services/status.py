"""Status helpers other apps import (is a person an F1 under monitoring, …)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from vungxanh.cases.models import Case, Cluster, Contact, RuleSet
from vungxanh.cases.rules import TracingRules, rule_set_in_force, rules_of


def is_under_tracing_as_f1(person: Any, at: datetime.datetime | None = None) -> bool:
    """Is ``person`` a confirmed F1 of a case that is not discarded, exposed within the
    monitoring period of the rule set in force at ``at``?"""
    moment = at or timezone.now()
    rule_set = rule_set_in_force(moment)
    days = rules_of(rule_set).f1_monitoring_days if rule_set is not None else 14
    since = moment - datetime.timedelta(days=days)
    person_id = getattr(person, "pk", person)
    return (
        Contact.objects.f1()
        .confirmed()
        .filter(person_id=person_id, decided_at__lte=moment, became_case__isnull=True)
        .exclude(case__classification=Case.Classification.DISCARDED)
        .filter(Q(exposure_end__gte=since) | Q(exposure_end__isnull=True, decided_at__gte=since))
        .exists()
    )


class _DaysBefore(models.Func):
    """``moment`` minus a number of days given by an SQL expression, as a timestamp: the
    start of a monitoring period computed inside the statement (interval arithmetic is
    spelled differently by each database)."""

    output_field = models.DateTimeField()

    def __init__(self, moment: datetime.datetime, days: Any) -> None:
        super().__init__(models.Value(moment, output_field=models.DateTimeField()), days)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, list[Any]]:
        moment, days = self.get_source_expressions()
        moment_sql, moment_params = compiler.compile(moment)
        days_sql, days_params = compiler.compile(days)
        if connection.vendor == "postgresql":
            sql = f"({moment_sql} - make_interval(days => ({days_sql})::integer))"
        else:  # SQLite: Django's own datetime arithmetic (durations in microseconds)
            sql = f"django_format_dtdelta('-', {moment_sql}, ({days_sql}) * 86400000000)"
        return sql, [*moment_params, *days_params]


def f1_person_ids(person_ids: Iterable[int], at: datetime.datetime | None = None) -> set[int]:
    """Which of these persons are under tracing as F1 at ``at`` (the bulk form of
    :func:`is_under_tracing_as_f1`, same definition): one statement for up to 5,000
    persons, the monitoring period of the rule set in force read inside it."""
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return set()
    moment = at or timezone.now()
    in_force = (
        RuleSet.objects.filter(valid_from__lte=moment)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=moment))
        .order_by("-valid_from", "-pk")
        .annotate(
            days=Cast(KeyTextTransform("f1_monitoring_days", "parameters"), models.IntegerField())
        )
        .values("days")[:1]
    )
    days = Coalesce(
        models.Subquery(in_force, output_field=models.IntegerField()),
        models.Value(TracingRules().f1_monitoring_days),
    )
    since = _DaysBefore(moment, days)
    found: set[int] = set()
    for start in range(0, len(ids), 5_000):
        part = ids[start : start + 5_000]
        found.update(
            Contact.objects.f1()
            .confirmed()
            .filter(person_id__in=part, decided_at__lte=moment, became_case__isnull=True)
            .exclude(case__classification=Case.Classification.DISCARDED)
            .filter(
                Q(exposure_end__gte=since) | Q(exposure_end__isnull=True, decided_at__gte=since)
            )
            .values_list("person_id", flat=True)
            .distinct()
        )
    return found


def has_epidemiological_link(person: Any, at: datetime.datetime, rules: TracingRules) -> bool:
    """A link other than being an F1: a (proposed or confirmed) contact of a confirmed case
    within the rule set's days, or living in the unit of an open cluster."""
    since = at - datetime.timedelta(days=rules.epi_link_days)
    contact = (
        Contact.objects.filter(person_id=person.pk, created_at__gte=since)
        .exclude(status__in=[Contact.Status.DISMISSED, Contact.Status.CLOSED])
        .filter(case__classification=Case.Classification.CONFIRMED)
        .exists()
    )
    if contact:
        return True
    paths = [u.path for u in (person.residence_unit, person.temporary_unit) if u is not None]
    clusters = Cluster.objects.filter(status=Cluster.Status.ACTIVE).values_list(
        "unit__path", flat=True
    )
    return any(p.startswith(c) for c in clusters for p in paths)
