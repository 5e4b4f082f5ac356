"""The laboratory's worklist: pools (build, page, label, result), runs and plates (create,
enter results row by row, close) and the import of a machine export."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, flash_errors
from vungxanh.core.jobs import start_job
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm
from vungxanh.labs import actions, codes, labels
from vungxanh.labs.filters import PoolFilter, RunFilter
from vungxanh.labs.forms import PoolBuildForm, ResultForm, UploadForm
from vungxanh.labs.models import Pool, Run, Sample, SamplingTask
from vungxanh.labs.rules import rules_for
from vungxanh.labs.views.common import (
    is_htmx,
    pick_lab,
    redirect_back,
    render_labs,
    require_labs,
)
from vungxanh.labs.views.corrections import corrections_of
from vungxanh.people.paging import slice_page

# --- pools ---------------------------------------------------------------------------------


@login_required
def pool_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    visible = Pool.objects.restrict(request.user, "view").select_related("lab__facility", "run")
    filterset = PoolFilter(request.GET, queryset=visible)
    pools = filterset.qs if filterset.is_valid() else visible.none()
    page = slice_page(request, pools.order_by("-created_at", "-pk"), per_page=100)
    return render_labs(
        request,
        "labs/pool_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pool_build(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "labs.add_pool")
    lab, labs = pick_lab(request)
    rules = rules_for(lab.facility.unit.path if lab else None)
    form = PoolBuildForm(request.POST or None, rules=rules)
    waiting = single = stale = 0
    if lab is not None:
        received = Sample.objects.restrict(request.user, "view").filter(lab=lab)
        fresh = received.fresh(rules.sample_validity_hours)
        waiting = fresh.poolable().count()
        single = fresh.filter(
            status=Sample.Status.RECEIVED, single_only=True, run__isnull=True
        ).count()
        # Tubes past the swab's validity (the last month): to reject and re-sample.
        stale = (
            received.fresh(30 * 24)
            .exclude(pk__in=fresh.values("pk"))
            .filter(status=Sample.Status.RECEIVED, membership__isnull=True, run__isnull=True)
            .count()
        )
    if request.method == "POST" and form.is_valid():
        if lab is None:
            messages.error(request, _("Choose the laboratory."))
        else:
            try:
                pools = actions.build_pools(
                    actor=request.user,
                    lab=lab,
                    size=form.cleaned_data["size"],
                    limit=form.cleaned_data.get("limit"),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("%(pools)d pools built from %(samples)d samples.")
                    % {"pools": len(pools), "samples": sum(p.size for p in pools)},
                )
                return redirect(reverse("labs:pool-list") + f"?lab={lab.public_id}&status=ready")
    return render_labs(
        request,
        "labs/pool_build.html",
        {
            "form": form,
            "lab": lab,
            "labs": labs,
            "rules": rules,
            "waiting": waiting,
            "single": single,
            "stale": stale,
        },
    )


@login_required
@object_view(Pool)
def pool_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    pool = get_object_or_404(
        Pool.objects.restrict(request.user, "view").select_related(
            "lab__facility", "run", "rule_set", "created_by"
        ),
        public_id=public_id,
    )
    # Officials see the members of their area only; the laboratory sees all of them.
    members = list(
        Sample.objects.restrict(request.user, "view")
        .filter(membership__pool=pool)
        .select_related("person", "home_unit", "unit", "membership__pool")
        .prefetch_related(
            Prefetch(
                "sampling_tasks",
                queryset=SamplingTask.objects.restrict(request.user, "view").select_related(
                    "sample"
                ),
            )
        )
        .order_by("pk")
    )
    for member in members:
        audit.record_view(actor=request.user, target=member.person, unit_path=member.home_unit.path)
    can_change = Pool.objects.restrict(request.user, "change").filter(pk=pool.pk).exists()
    return render_labs(
        request,
        "labs/pool_detail.html",
        {
            "pool": pool,
            "members": members,
            "hidden": pool.size - len(members),
            "results": pool.results.select_related("run", "entered_by"),
            "can_change": can_change,
            "result_form": ResultForm()
            if can_change and pool.status != Pool.Status.RESULTED
            else None,
            "can_correct": can_change and pool.status == Pool.Status.RESULTED,
            "corrections": corrections_of(pool, request.user),
        },
    )


@login_required
@object_view(Pool)
def pool_label(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    pool = get_object_or_404(
        Pool.objects.restrict(request.user, "view").select_related("lab__facility__unit"),
        public_id=public_id,
    )
    audit.record(
        actor=request.user, verb="print_label", target=pool, unit_path=pool.lab.facility.unit.path
    )
    response = HttpResponse(labels.pool_label(pool), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pool.code}.pdf"'
    return response


@login_required
@object_view(Pool)
@require_POST
def pool_result(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    pool = get_object_or_404(
        Pool.objects.restrict(request.user, "change").select_related("lab__facility__unit"),
        public_id=public_id,
    )
    form = ResultForm(request.POST)
    run = pool.run
    if form.is_valid():
        try:
            summary = actions.record_result(
                actor=request.user,
                target=pool,
                result=form.cleaned_data["result"],
                ct=form.cleaned_data["ct"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _result_message(pool, summary))
    if form.errors and not is_htmx(request):
        flash_errors(request, form)
    if is_htmx(request):
        pool.refresh_from_db()
        return run_row(request, pool, form if form.errors else None, run)
    return redirect_back(request, reverse("labs:pool-detail", kwargs={"public_id": pool.public_id}))


def _result_message(pool: Pool, summary: actions.ResultSummary) -> str:
    if summary.pools_positive:
        return _(
            "Pool %(code)s is positive: %(n)d persons are sent back to their commune for an "
            "individual sample."
        ) % {"code": pool.code, "n": summary.tasks_created}
    if summary.pools_failed:
        return _(
            "Pool %(code)s stayed invalid: %(n)d persons are sent back for an individual sample."
        ) % {"code": pool.code, "n": summary.tasks_created}
    if summary.pools_rerun:
        return _("Pool %(code)s is invalid and goes back to the worklist for a re-run.") % {
            "code": pool.code
        }
    return _("Pool %(code)s is negative: %(n)d samples are negative.") % {
        "code": pool.code,
        "n": summary.samples_negative,
    }


# --- runs ----------------------------------------------------------------------------------


@login_required
def run_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    lab, labs = pick_lab(request)
    visible = Run.objects.restrict(request.user, "view").select_related("lab__facility")
    filterset = RunFilter(request.GET, queryset=visible)
    runs = filterset.qs if filterset.is_valid() else visible.none()
    page = paginate(request, runs.order_by("-created_at"), per_page=50)
    waiting = None
    if lab is not None:
        validity = rules_for(lab.facility.unit.path).sample_validity_hours
        waiting = {
            "pools": Pool.objects.restrict(request.user, "view")
            .filter(lab=lab, status=Pool.Status.READY)
            .count(),
            "samples": Sample.objects.restrict(request.user, "view")
            .fresh(validity)
            .filter(lab=lab, status=Sample.Status.RECEIVED, single_only=True, run__isnull=True)
            .count(),
        }
    return render_labs(
        request,
        "labs/run_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "lab": lab,
            "labs": labs,
            "waiting": waiting,
        },
    )


@login_required
@require_POST
def run_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "labs.add_run")
    lab, _labs = pick_lab(request)
    if lab is None:
        messages.error(request, _("Choose the laboratory."))
        return redirect("labs:run-list")
    try:
        run = actions.create_run(actor=request.user, lab=lab)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect(reverse("labs:run-list") + f"?lab={lab.public_id}")
    return redirect("labs:run-detail", public_id=run.public_id)


def run_items(run: Run, user: Any) -> list[Pool | Sample]:
    """The pools and single samples of ``run`` that ``user`` may see, in well order (an
    official sees the items holding samples of their area; the laboratory sees them all)."""
    items: list[Pool | Sample] = [
        *Pool.objects.restrict(user, "view").filter(run=run),
        *Sample.objects.restrict(user, "view").filter(run=run),
    ]
    return sorted(items, key=lambda i: _well_index(i.well))


def _well_index(well: str) -> tuple[int, str]:
    digits = "".join(c for c in well if c.isdigit())
    return (int(digits) if digits else 999, well[:1])


@login_required
@object_view(Run)
def run_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    run = get_object_or_404(
        Run.objects.restrict(request.user, "view").select_related("lab__facility", "created_by"),
        public_id=public_id,
    )
    can_change = Run.objects.restrict(request.user, "change").filter(pk=run.pk).exists()
    items = run_items(run, request.user)
    return render_labs(
        request,
        "labs/run_detail.html",
        {
            "run": run,
            "items": items,
            "plate": plate(run, items),
            "can_change": can_change,
            "upload_form": UploadForm() if can_change else None,
            "waiting": sum(1 for i in items if i.result == "pending"),
            "hidden": run.pools.count() + run.samples.count() - len(items),
        },
    )


def plate(run: Run, items: list[Pool | Sample]) -> list[list[Any]]:
    """Rows A…H of the plate, each a list of (well, item or None, is_control)."""
    rows_n = 16 if run.wells > 96 else 8
    cols = (run.wells + rows_n - 1) // rows_n
    by_well = {i.well: i for i in items}
    controls = {actions.well_name(run.wells - 1 - k, run.wells) for k in range(run.control_wells)}
    return [
        [
            (well, by_well.get(well), well in controls)
            for c in range(cols)
            for well in [f"{'ABCDEFGHIJKLMNOP'[r]}{c + 1}"]
        ]
        for r in range(rows_n)
    ]


def run_row(
    request: AuthedHttpRequest,
    item: Pool | Sample,
    form: ResultForm | None,
    run: Run | None,
    notice: str = "",
) -> HttpResponse:
    """One row of the run page (htmx swaps it after a result is entered), with what the
    technician must know about it (a case to confirm by hand)."""
    return render(
        request,
        "labs/run_detail.html#row",
        {"item": item, "form": form, "can_change": True, "run": run, "notice": notice},
    )


@login_required
@object_view(Run)
@require_POST
def run_close(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    run = get_object_or_404(Run.objects.restrict(request.user, "change"), public_id=public_id)
    try:
        actions.close_run(actor=request.user, run=run)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Run %(code)s closed.") % {"code": run.code})
    return redirect("labs:run-detail", public_id=run.public_id)


# --- import --------------------------------------------------------------------------------

IMPORT_KIND = "vungxanh.labs.imports.import_results"
TEMPLATE_COLUMNS = ["code", "result", "ct", "well"]


@login_required
@require_http_methods(["GET", "POST"])
def result_import(request: AuthedHttpRequest) -> HttpResponse:
    """Upload a machine export (CSV or Excel): a background job checks every row first and
    imports nothing if any row is wrong."""
    require_perm(request.user, "labs.change_pool")
    lab, labs = pick_lab(request)
    run = None
    wanted_run = request.POST.get("run") or request.GET.get("run")
    if wanted_run:
        try:
            run = Run.objects.restrict(request.user, "change").filter(public_id=wanted_run).first()
        except ValidationError:
            run = None
        if run is not None:
            lab = run.lab
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if lab is None:
            messages.error(request, _("Choose the laboratory."))
        else:
            upload = form.cleaned_data["file"]
            job = start_job(
                actor=request.user,
                kind=IMPORT_KIND,
                label=_("Import results: %(file)s") % {"file": upload.name},
                params={
                    "lab": str(lab.public_id),
                    "run": str(run.public_id) if run else "",
                },
                input_name=upload.name,
                input_data=upload.read(),
                unit_path=lab.facility.unit.path,
            )
            return redirect("core:job-detail", public_id=job.public_id)
    return render_labs(
        request,
        "labs/result_import.html",
        {"form": form, "lab": lab, "labs": labs, "run": run, "columns": TEMPLATE_COLUMNS},
    )


@login_required
def result_import_template(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([codes.make_code("P", 1), "negative", "", "A1"])
    writer.writerow([codes.make_code("S", 42), "positive", "27,5", "B1"])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="vungxanh-results-template.csv"'
    return response
