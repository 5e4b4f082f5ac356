"""New versions of the tracing rules."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.cases.actions.common import (
    user_of,
)
from vungxanh.cases.models import (
    RuleSet,
)
from vungxanh.cases.rules import TracingRules, clear_cache
from vungxanh.core import audit
from vungxanh.core.scoping import OutOfScope, scope_of
from vungxanh.geo.models import AdminUnit


@transaction.atomic
def publish_rule_set(
    *,
    actor: Any,
    code: str,
    name: str,
    valid_from: datetime.datetime,
    parameters: dict[str, Any],
    legal_basis: str = "",
    note: str = "",
) -> RuleSet:
    """A new version of the tracing rules, in force from ``valid_from``; the version in
    force until then ends at that moment. History is never rewritten: the new version must
    start after the latest one."""
    scope = scope_of(actor)
    roots = scope.paths("cases.add_ruleset", "add")
    if not scope.unrestricted and not any(r.count("/") == 2 for r in roots):
        raise OutOfScope()
    rules = TracingRules.from_parameters(code, parameters)
    latest = RuleSet.objects.select_for_update().order_by("-valid_from").first()
    if latest is not None and valid_from <= latest.valid_from:
        raise ValidationError(
            {
                "valid_from": _("A new version must start after %(date)s.")
                % {"date": timezone.localtime(latest.valid_from).strftime("%d/%m/%Y %H:%M")}
            }
        )
    if RuleSet.objects.filter(code=code).exists():
        raise ValidationError({"code": _("This code is taken.")})
    RuleSet.objects.filter(valid_to__isnull=True).update(valid_to=valid_from)
    RuleSet.objects.filter(valid_to__gt=valid_from).update(valid_to=valid_from)
    rule_set = RuleSet.objects.create(
        code=code,
        name=name.strip(),
        valid_from=valid_from,
        parameters=rules.as_parameters(),
        legal_basis=legal_basis.strip(),
        note=note.strip(),
        created_by=user_of(actor),
    )
    clear_cache()
    audit.record(
        actor=actor,
        verb="publish_rule_set",
        target=rule_set,
        unit_path=AdminUnit.objects.provinces().values_list("path", flat=True).first() or "",
        changes={"parameters": {"before": None, "after": rule_set.parameters}},
    )
    return rule_set
