"""What the testing pages share: the laboratory a technician works for, the tabs."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from vungxanh.core.http import AuthedHttpRequest
from vungxanh.core.scoping import require_perm, scope_of
from vungxanh.labs.models import Laboratory, LaboratoryQuerySet, area_roots


def labs_for(request: AuthedHttpRequest, action: str = "view") -> LaboratoryQuerySet:
    return (
        Laboratory.objects.restrict(request.user, action)
        .active()
        .select_related("facility__unit")
        .order_by("facility__unit__path", "facility__name")
    )


def pick_lab(request: AuthedHttpRequest, action: str = "change") -> tuple[Laboratory | None, Any]:
    """The laboratory the page works on: ``?lab=<id>`` among those the user may use, or
    the only one (a technician's own laboratory)."""
    labs = labs_for(request, action)
    wanted = request.POST.get("lab") or request.GET.get("lab")
    if wanted:
        try:
            return labs.filter(public_id=uuid.UUID(str(wanted))).first(), labs
        except (ValueError, TypeError):  # not a laboratory's id: none chosen
            return None, labs
    choices = list(labs[:2])
    return (choices[0] if len(choices) == 1 else None), labs


def may_add_in_area(user: Any, perm: str) -> bool:
    """Does ``user`` hold ``perm`` over an area (not only through a laboratory they work
    for)? Sampling sites and rule sets are the areas' officials' (``require_area``)."""
    scope = scope_of(user)
    return scope.unrestricted or bool(area_roots(scope, perm, "add"))


def tabs(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    scope = scope_of(user)
    return {
        "can_collect": scope.has_perm("labs.add_sample"),
        "can_lab": scope.has_perm("labs.change_laboratory"),
        "can_rules": may_add_in_area(user, "labs.add_testingruleset"),
        "can_sites": may_add_in_area(user, "labs.add_samplingsite"),
    }


def render_labs(
    request: AuthedHttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a testing page with the tabs the user may use."""
    return render(request, template, {**tabs(request), **context}, status=status)


def require_labs(request: AuthedHttpRequest) -> None:
    require_perm(request.user, "labs.view_sample")


def redirect_back(request: HttpRequest, default: str) -> HttpResponse:
    """Back to the page named by ``next`` when it is a path of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
