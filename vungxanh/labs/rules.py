"""Which testing rule set is in force for a place at a time.

The shipped default (``DEFAULT_RULE_SET``) is loaded as data by migration 0001 and is the
national default (no unit); provinces and districts add their own versions with an
effective time. Nothing here is a rule: it only chooses among rule-set rows."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.geo.models import ancestor_paths
from vungxanh.labs.models import Reason, TestingRuleSet

# Shipped values (DOMAIN.md §4, PERFORMANCE.md §4): pools of at most 10 (MoH practice, 3486/
# QĐ-BYT of 7/8/2020, clause not retrieved: "M"), F1 and symptomatic first and tested singly
# (Quảng Ninh directive, Feb 2021), Quảng Ninh's capacity targets (Conclusion of 2/8/2021).
DEFAULT_RULE_SET: dict[str, Any] = {
    "code": "vn-2020-08-07-pooling-qn-2021",
    "name": "Xét nghiệm gộp mẫu (3486/QĐ-BYT) và chỉ tiêu công suất Quảng Ninh 2021",
    "valid_from": datetime.datetime(
        2020, 8, 7, tzinfo=datetime.timezone(datetime.timedelta(hours=7))
    ),
    "source": "3486/QĐ-BYT 07/08/2020; Kết luận BTV Tỉnh ủy Quảng Ninh 02/8/2021",
    "max_pool_size": 10,
    "single_test_reasons": [
        Reason.F1.value,
        Reason.SYMPTOMATIC.value,
        Reason.RETEST.value,
        Reason.CONFIRMATION.value,
    ],
    "priority_order": [
        Reason.F1.value,
        Reason.SYMPTOMATIC.value,
        Reason.RETEST.value,
        Reason.CONFIRMATION.value,
        Reason.QUARANTINE_DAY.value,
        Reason.ENTRY.value,
        Reason.WORKER_SCREENING.value,
        Reason.SCREENING.value,
    ],
    "sample_validity_hours": 72,  # swab in transport medium at 2–8 °C (M: check the guidance)
    "retest_due_hours": 12,
    "max_reruns": 1,
    "province_single_target": 10_000,
    "province_pooled_target": 50_000,
    "assay_sensitivity": Decimal("0.9500"),
    "assay_specificity": Decimal("0.9900"),
    "positivity_window_days": 7,
}


def rules_for(unit_path: str | None, at: datetime.datetime | None = None) -> TestingRuleSet:
    """The rule set in force at ``at`` for the unit at ``unit_path``: the most specific unit
    first (district over province over the national default), then the latest start."""
    at = at or timezone.now()
    paths = ancestor_paths(unit_path) if unit_path else []
    candidates = list(
        TestingRuleSet.objects.in_force(at)
        .filter(unit__path__in=paths)
        .select_related("unit")
        .order_by("-valid_from")
    ) + list(TestingRuleSet.objects.in_force(at).filter(unit__isnull=True).order_by("-valid_from"))
    if not candidates:
        raise ValidationError(
            _("No testing rule set is in force here; a province officer must add one.")
        )
    return max(
        candidates, key=lambda r: (len(r.unit.path) if r.unit_id and r.unit else 0, r.valid_from)
    )


def ensure_default_rule_set() -> TestingRuleSet:
    """The shipped default, re-created if a database was emptied (tests that flush, a demo
    database rebuilt by hand). Migration 0001 loads the same values."""
    rule_set, _created = TestingRuleSet.objects.get_or_create(
        code=DEFAULT_RULE_SET["code"],
        defaults={k: v for k, v in DEFAULT_RULE_SET.items() if k != "code"},
    )
    return rule_set
