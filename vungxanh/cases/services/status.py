"""Status helpers other apps import (is a person an F1 under monitoring, …)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from vungxanh.cases.models import Case, Cluster, Contact
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
