from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vungxanh.core.http import AuthedHttpRequest, add_errors
from vungxanh.core.jobs import start_job
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm, scope_of
from vungxanh.core.submissions import Submission
from vungxanh.geo import actions
from vungxanh.geo.filters import FacilityFilter, UnitFilter
from vungxanh.geo.forms import UnitPopulationForm, UploadForm, VillageForm
from vungxanh.geo.models import AdminUnit, Facility


def _can_change(request: AuthedHttpRequest, unit: AdminUnit) -> bool:
    return scope_of(request.user).covers("geo.change_adminunit", "change", unit.path)


@login_required
def unit_list(request: AuthedHttpRequest) -> HttpResponse:
    visible = AdminUnit.objects.restrict(request.user, "view")
    filterset = UnitFilter(request.GET, queryset=visible)
    searching = any(request.GET.get(k) for k in ("q", "level", "kind", "code", "structure"))
    if searching:
        units = filterset.qs.select_related("parent") if filterset.is_valid() else visible.none()
    else:
        # Without a search: the top units of the user's area (their assignment roots).
        roots = scope_of(request.user).paths("geo.view_adminunit", "view")
        units = visible.filter(path__in=roots)
    units = units.annotate(n_children=Count("children")).order_by("path")
    page = paginate(request, units, per_page=100)
    return render(
        request,
        "geo/adminunit_list.html",
        {
            "filter": filterset,
            "page": page,
            "searching": searching,
            "query": query_without_page(request),
        },
    )


@login_required
@object_view(AdminUnit)
def unit_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    visible = AdminUnit.objects.restrict(request.user, "view")
    unit = get_object_or_404(visible.select_related("parent"), public_id=public_id)
    children = visible.filter(parent=unit).annotate(n_children=Count("children")).order_by("code")
    totals = children.aggregate(population=Sum("population"), n=Count("pk"))
    facilities = Facility.objects.restrict(request.user, "view").filter(unit=unit)
    return render(
        request,
        "geo/adminunit_detail.html",
        {
            "unit": unit,
            "ancestors": visible.filter(pk__in=unit.ancestors().values("pk")).order_by("path"),
            "children": children,
            "totals": totals,
            "facilities": facilities,
            "successors": unit.succession_to.select_related("successor"),
            "predecessors": unit.succession_from.select_related("predecessor"),
            "can_change": _can_change(request, unit),
        },
    )


@login_required
@object_view(AdminUnit)
@require_http_methods(["GET", "POST"])
def unit_population_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    unit = get_object_or_404(
        AdminUnit.objects.restrict(request.user, "change"), public_id=public_id
    )
    form = UnitPopulationForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.set_population(
            actor=request.user,
            unit=unit,
            population=data["population"],
            source=data["population_source"],
            year=data["population_year"],
            is_estimate=data["population_is_estimate"],
        )
        messages.success(request, _("Population saved."))
        return redirect("geo:adminunit-detail", public_id=unit.public_id)
    return render(request, "geo/adminunit_population.html", {"unit": unit, "form": form})


@login_required
@object_view(AdminUnit)
@require_http_methods(["GET", "POST"])
def village_create(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    commune = get_object_or_404(
        AdminUnit.objects.restrict(request.user, "change").filter(level=AdminUnit.Level.COMMUNE),
        public_id=public_id,
    )
    form = VillageForm(request.POST or None)
    once = Submission(request, f"geo:village-create:{commune.pk}")
    if request.method == "POST" and (again := once.repeat()) is not None:
        return again  # a double click creates one village
    if request.method == "POST" and form.is_valid():
        try:
            village = actions.create_village(
                actor=request.user,
                commune=commune,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                population=form.cleaned_data["population"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Village %(name)s created.") % {"name": village.name})
            return once.done(reverse("geo:adminunit-detail", args=[commune.public_id]))
    once.release()
    return render(request, "geo/village_form.html", {"unit": commune, "form": form})


IMPORTS = {
    "populations": {
        "kind": "vungxanh.geo.imports.import_populations",
        "title": _("Import populations"),
        "columns": ["unit_code", "population", "source", "year", "is_estimate", "level"],
        "example": ["06649", "24500", "Niên giám thống kê 2020", "2020", "", ""],
    },
    "villages": {
        "kind": "vungxanh.geo.imports.import_villages",
        "title": _("Import villages"),
        "columns": ["commune_code", "name", "kind", "code", "population"],
        "example": ["06649", "Khu 1", "Khu", "", "1200"],
    },
}


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request: AuthedHttpRequest, what: str) -> HttpResponse:
    require_perm(request.user, "geo.change_adminunit")
    spec = IMPORTS.get(what)
    if spec is None:
        return render(request, "404.html", status=404)
    form = UploadForm(request.POST or None, request.FILES or None)
    once = Submission(request, f"geo:unit-import:{what}")
    if request.method == "POST" and (again := once.repeat()) is not None:
        return again  # one import per upload, not two
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = start_job(
            actor=request.user,
            kind=str(spec["kind"]),
            label=f"{spec['title']}: {upload.name}",
            input_name=upload.name,
            input_data=upload.read(),
        )
        return once.done(reverse("core:job-detail", args=[job.public_id]))
    once.release()
    return render(request, "geo/unit_import.html", {"form": form, "spec": spec, "what": what})


@login_required
def unit_import_template(request: AuthedHttpRequest, what: str) -> HttpResponse:
    spec = IMPORTS.get(what)
    if spec is None:
        return render(request, "404.html", status=404)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(spec["columns"])
    writer.writerow(spec["example"])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="vungxanh-{what}-template.csv"'
    return response


@login_required
def facility_list(request: AuthedHttpRequest) -> HttpResponse:
    visible = Facility.objects.restrict(request.user, "view").select_related("unit")
    filterset = FacilityFilter(request.GET, queryset=visible)
    facilities = filterset.qs if filterset.is_valid() else visible.none()
    page = paginate(request, facilities, per_page=100)
    return render(
        request,
        "geo/facility_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )
