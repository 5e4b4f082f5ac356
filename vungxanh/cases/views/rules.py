"""The versions of the tracing rules: read by every official of cases, a new version
published by the province."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vungxanh.cases import actions
from vungxanh.cases.forms import RuleSetForm
from vungxanh.cases.models import RuleSet
from vungxanh.cases.rules import TracingRules, rule_set_in_force, rules_of
from vungxanh.core.http import AuthedHttpRequest
from vungxanh.core.scoping import OutOfScope, require_perm, scope_of


def _may_publish(request: AuthedHttpRequest) -> bool:
    scope = scope_of(request.user)
    return scope.unrestricted or any(
        root.count("/") == 2 for root in scope.paths("cases.add_ruleset", "add")
    )


@login_required
def ruleset_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "cases.view_ruleset")
    now = timezone.now()
    current = rule_set_in_force(now)
    rule_sets = [
        {
            "rule_set": rs,
            "rules": rules_of(rs),
            "current": current is not None and rs.pk == current.pk,
        }
        for rs in RuleSet.objects.restrict(request.user, "view").order_by("-valid_from")
    ]
    return render(
        request,
        "cases/ruleset_list.html",
        {"rule_sets": rule_sets, "can_add": _may_publish(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_create(request: AuthedHttpRequest) -> HttpResponse:
    if not _may_publish(request):
        raise OutOfScope()
    current = rule_set_in_force()
    base = rules_of(current) if current is not None else TracingRules()
    form = RuleSetForm(
        request.POST or None,
        initial={"parameters": json.dumps(base.as_parameters(), indent=2, ensure_ascii=False)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.publish_rule_set(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                valid_from=data["valid_from"],
                parameters=data["parameters"],
                legal_basis=data["legal_basis"],
                note=data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The new version of the rules is published."))
            return redirect("cases:ruleset-list")
    return render(request, "cases/ruleset_form.html", {"form": form})
