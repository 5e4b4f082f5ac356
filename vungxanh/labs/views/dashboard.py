"""The testing dashboard and the pool-size planner."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.formats import number_format

from vungxanh.core.http import AuthedHttpRequest
from vungxanh.labs import pooling, queries
from vungxanh.labs.forms import PlannerForm
from vungxanh.labs.views.common import render_labs, require_labs


@login_required
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    board = queries.dashboard(request.user)
    return render_labs(request, "labs/dashboard.html", {"board": board})


@login_required
def planner(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    rules, recent = queries.planner_inputs(request.user)
    form = PlannerForm(request.GET or None)
    defaults = {
        "prevalence": (recent.positivity or 0) * 100,
        "sensitivity": float(rules.assay_sensitivity) * 100,
        "specificity": float(rules.assay_specificity) * 100,
    }
    for name, value in defaults.items():
        form.fields[name].widget.attrs["placeholder"] = number_format(value, 2)
    form.fields["samples"].widget.attrs["placeholder"] = number_format(
        10_000, 0, force_grouping=True
    )
    plan = None
    guessed = False
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        plan, guessed = queries.plan_for(
            rules,
            recent,
            prevalence=_fraction(data.get("prevalence")),
            sensitivity=_fraction(data.get("sensitivity")),
            specificity=_fraction(data.get("specificity")),
            samples=data.get("samples"),
        )
    return render_labs(
        request,
        "labs/planner.html",
        {
            "form": form,
            "plan": plan,
            "api_query": _api_query(plan, guessed) if plan else "",
            "guessed": guessed,
            "rules": rules,
            "recent": recent,
            "limit": pooling.DORFMAN_LIMIT,
        },
    )


def _api_query(plan: pooling.Plan, guessed: bool) -> str:
    """The same plan from the API, which takes fractions where the page takes percentages
    (a guessed prevalence is left for the API to guess the same way)."""
    values: dict[str, Any] = {
        "sensitivity": repr(plan.sensitivity),
        "specificity": repr(plan.specificity),
        "samples": plan.samples,
    }
    if not guessed:
        values["prevalence"] = repr(plan.prevalence)
    return urlencode(values)


def _fraction(percent: Decimal | None) -> float | None:
    return None if percent is None else float(percent / 100)
