"""Laboratories and their capacity, sampling sites, and versions of the testing rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vungxanh.core.http import AuthedHttpRequest
from vungxanh.core.pagination import paginate
from vungxanh.core.scoping import OutOfScope, object_view, require_perm, scope_of
from vungxanh.labs import actions
from vungxanh.labs.forms import (
    LaboratoryForm,
    LaboratoryRegisterForm,
    RuleSetForm,
    SamplingSiteForm,
)
from vungxanh.labs.models import Laboratory, SamplingSite, TestingRuleSet
from vungxanh.labs.queries import lab_usage
from vungxanh.labs.rules import rules_for
from vungxanh.labs.views.common import labs_for, may_add_in_area, render_labs, require_labs

LAB_SETTINGS = ("single_capacity", "pooled_capacity", "plate_wells", "control_wells")


@login_required
@require_http_methods(["GET", "POST"])
def laboratory_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    can_add = scope_of(request.user).has_perm("labs.add_laboratory")
    form = LaboratoryRegisterForm(request.POST or None, actor=request.user) if can_add else None
    if request.method == "POST":
        require_perm(request.user, "labs.add_laboratory")
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            try:
                lab = actions.register_laboratory(
                    actor=request.user,
                    facility=data["facility"],
                    **{k: data[k] for k in LAB_SETTINGS},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("%(name)s registered.") % {"name": lab.name})
                return redirect("labs:laboratory-list")
    labs = list(labs_for(request))
    usage = lab_usage(labs, timezone.now())
    rows = [(lab, *usage.get(lab.pk, (0, 0))) for lab in labs]
    return render_labs(request, "labs/laboratory_list.html", {"rows": rows, "form": form})


@login_required
@object_view(Laboratory)
@require_http_methods(["GET", "POST"])
def laboratory_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    lab = get_object_or_404(
        Laboratory.objects.restrict(request.user, "view").select_related("facility__unit"),
        public_id=public_id,
    )
    can_change = Laboratory.objects.restrict(request.user, "change").filter(pk=lab.pk).exists()
    form = LaboratoryForm(request.POST or None, instance=lab) if can_change else None
    if request.method == "POST":
        lab = get_object_or_404(
            Laboratory.objects.restrict(request.user, "change"), public_id=public_id
        )
        assert form is not None
        if form.is_valid():
            try:
                actions.update_laboratory(
                    actor=request.user,
                    lab=lab,
                    **{k: form.cleaned_data[k] for k in (*LAB_SETTINGS, "is_active")},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Laboratory settings saved."))
                return redirect("labs:laboratory-detail", public_id=lab.public_id)
    return render_labs(
        request,
        "labs/laboratory_detail.html",
        {"lab": lab, "form": form, "rules": rules_for(lab.facility.unit.path)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    can_add = may_add_in_area(request.user, "labs.add_samplingsite")
    form = SamplingSiteForm(request.POST or None, actor=request.user) if can_add else None
    if request.method == "POST":
        if form is None:
            raise OutOfScope()
        if form.is_valid():
            try:
                site = actions.create_sampling_site(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Site %(name)s added.") % {"name": site.name})
                return redirect("labs:samplingsite-list")
    sites = (
        SamplingSite.objects.restrict(request.user, "view")
        .select_related("unit", "default_lab__facility")
        .order_by("unit__path", "name")
    )
    page = paginate(request, sites, per_page=100)
    return render_labs(request, "labs/site_list.html", {"page": page, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    rule_sets = TestingRuleSet.objects.restrict(request.user, "view").select_related("unit")
    can_add = may_add_in_area(request.user, "labs.add_testingruleset")
    current = rules_for(None)
    form = None
    if can_add:
        form = RuleSetForm(
            request.POST or None, actor=request.user, initial=RuleSetForm.initial_from(current)
        )
    if request.method == "POST":
        if form is None:
            raise OutOfScope()
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = data.pop("unit")
            try:
                rule_set = actions.create_rule_set(actor=request.user, unit=unit, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Rule set %(code)s saved; it applies from %(time)s.")
                    % {
                        "code": rule_set.code,
                        "time": timezone.localtime(rule_set.valid_from).strftime("%H:%M %d/%m/%Y"),
                    },
                )
                return redirect("labs:testingruleset-list")
    now = timezone.now()
    return render_labs(
        request,
        "labs/ruleset_list.html",
        {
            "rule_sets": rule_sets.order_by("unit__path", "-valid_from"),
            "form": form,
            "now": now,
        },
    )
