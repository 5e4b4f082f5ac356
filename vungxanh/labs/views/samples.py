"""Samples: the list, collecting one (with its label), receiving tubes, one sample's page
with its whole lineage, entering a single result, rejecting a tube."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, flash_errors
from vungxanh.core.pagination import query_without_page
from vungxanh.core.scoping import object_view, require_perm, scope_of
from vungxanh.labs import actions, bridge, labels
from vungxanh.labs.filters import SampleFilter
from vungxanh.labs.forms import ReasonForm, ReceiveForm, ResultForm, SampleForm
from vungxanh.labs.models import Sample, SamplingTask
from vungxanh.labs.views.common import (
    is_htmx,
    pick_lab,
    redirect_back,
    render_labs,
    require_labs,
)
from vungxanh.labs.views.corrections import corrections_of
from vungxanh.people.paging import slice_page


@login_required
def sample_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    visible = Sample.objects.restrict(request.user, "view").select_related(
        "person", "unit", "lab__facility", "membership__pool"
    )
    filterset = SampleFilter(request.GET, queryset=visible)
    samples = filterset.qs if filterset.is_valid() else visible.none()
    # Newest first, without COUNT(*): a province collects 50,000 samples a day.
    page = slice_page(request, samples.order_by("-collected_at", "-pk"), per_page=50)
    return render_labs(
        request,
        "labs/sample_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )


def _task_for(request: AuthedHttpRequest) -> SamplingTask | None:
    wanted = request.GET.get("task") or request.POST.get("task")
    if not wanted:
        return None
    try:
        return (
            SamplingTask.objects.restrict(request.user, "view")
            .select_related("person", "unit", "origin_sample", "pool")
            .filter(public_id=wanted, status=SamplingTask.Status.OPEN)
            .first()
        )
    except ValidationError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def sample_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "labs.add_sample")
    task = _task_for(request)
    initial = {"unit": task.unit} if task else {}
    form = SampleForm(
        request.POST or None,
        actor=request.user,
        fixed_person=task.person if task else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = actions.collect_sample(
                actor=request.user,
                person=task.person if task else data["person"],
                test_kind=data.get("test_kind") or "pcr",
                reason=data.get("reason") or "retest",
                unit=data.get("unit"),
                site=data.get("site"),
                lab=data.get("lab"),
                collected_at=data["collected_at"],
                quarantine_day=data.get("quarantine_day"),
                single_only=bool(data.get("single_only")),
                pool_group=data.get("pool_group") or "",
                rapid_result=data.get("rapid_result") or "",
                performed_by=data.get("performed_by") or "",
                task=task,
                note=data.get("note") or "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Sample %(code)s recorded. Print its label.") % {"code": sample.code}
            )
            return redirect("labs:sample-detail", public_id=sample.public_id)
    return render_labs(request, "labs/sample_form.html", {"form": form, "task": task})


@login_required
@object_view(Sample)
def sample_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    sample = get_object_or_404(
        Sample.objects.restrict(request.user, "view").select_related(
            "person",
            "unit",
            "home_unit",
            "site",
            "lab__facility",
            "membership__pool__run",
            "run",
            "collected_by",
        ),
        public_id=public_id,
    )
    audit.record_view(actor=request.user, target=sample.person, unit_path=sample.home_unit.path)
    can_change = Sample.objects.restrict(request.user, "change").filter(pk=sample.pk).exists()
    # The tasks of the lineage are the communes' (or the laboratory's): only those in scope.
    visible_tasks = SamplingTask.objects.restrict(request.user, "view")
    fulfils = visible_tasks.filter(sample=sample).select_related("origin_sample", "pool").first()
    tasks = (
        visible_tasks.filter(origin_sample=sample).select_related("sample", "unit").order_by("pk")
    )
    case = bridge.case_for(request.user, sample.case_ref)
    # A positive RT-PCR whose case the tracing capability refused to confirm (see the audit
    # log): the case team confirms it by hand.
    case_missing = (
        sample.test_kind == "pcr"
        and sample.result == "positive"
        and not sample.case_ref
        and bridge.available("confirm_case")
    )
    final_invalid = sample.status == Sample.Status.RETEST and sample.attempts > 0
    return render_labs(
        request,
        "labs/sample_detail.html",
        {
            "sample": sample,
            "case_label": case[0] if case else "",
            "case_url": case[1] if case else "",
            "case_missing": case_missing,
            "fulfils": fulfils,
            "tasks": tasks,
            "results": sample.results.select_related("run", "entered_by"),
            "can_change": can_change,
            "result_form": ResultForm() if can_change else None,
            "reject_form": ReasonForm() if can_change else None,
            "can_reject": can_change
            and sample.status in {Sample.Status.COLLECTED, Sample.Status.RECEIVED}
            and sample.test_kind == "pcr",
            "awaiting": can_change
            and sample.pool is None
            and sample.status == Sample.Status.RECEIVED
            and sample.test_kind == "pcr",
            "can_correct": can_change
            and sample.pool is None
            and sample.test_kind == "pcr"
            and (sample.status == Sample.Status.RESULTED or final_invalid),
            "corrections": corrections_of(sample, request.user),
        },
    )


@login_required
@object_view(Sample)
def sample_label(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    sample = get_object_or_404(
        Sample.objects.restrict(request.user, "view").select_related("person", "unit"),
        public_id=public_id,
    )
    audit.record(actor=request.user, verb="print_label", target=sample, unit_path=sample.unit.path)
    response = HttpResponse(labels.sample_labels([sample]), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{sample.code}.pdf"'
    return response


@login_required
@object_view(Sample)
@require_POST
def sample_result(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    sample = get_object_or_404(
        Sample.objects.restrict(request.user, "change").select_related("lab__facility__unit"),
        public_id=public_id,
    )
    form = ResultForm(request.POST)
    run = sample.run
    notice = ""
    if form.is_valid():
        try:
            summary = actions.record_result(
                actor=request.user,
                target=sample,
                result=form.cleaned_data["result"],
                ct=form.cleaned_data["ct"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if summary.cases_to_confirm:
                notice = case_not_confirmed_message(summary.cases_to_confirm[0])
                messages.warning(request, notice)
            elif summary.cases:
                messages.success(
                    request, _("Positive: the case is confirmed and tracing has started.")
                )
            else:
                messages.success(request, _("Result of %(code)s saved.") % {"code": sample.code})
    if form.errors and not is_htmx(request):
        flash_errors(request, form)
    if is_htmx(request):
        from vungxanh.labs.views.runs import run_row

        sample.refresh_from_db()
        return run_row(request, sample, form if form.errors else None, run, notice=notice)
    return redirect_back(request, sample_url(sample))


def case_not_confirmed_message(problem: actions.CaseToConfirm) -> str:
    return _(
        "The positive result of %(code)s is saved, but the case could not be confirmed: "
        "%(why)s The case team must confirm it by hand."
    ) % {"code": problem.sample.code, "why": problem.message}


def sample_url(sample: Sample) -> str:
    from django.urls import reverse

    return reverse("labs:sample-detail", kwargs={"public_id": sample.public_id})


@login_required
@object_view(Sample)
@require_POST
def sample_reject(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    sample = get_object_or_404(Sample.objects.restrict(request.user, "change"), public_id=public_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            actions.reject_sample(
                actor=request.user, sample=sample, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Sample rejected; the commune will take a new sample."))
    else:
        flash_errors(request, form)
    return redirect_back(request, sample_url(sample))


@login_required
@require_http_methods(["GET", "POST"])
def sample_receive(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "labs.change_sample")
    lab, labs = pick_lab(request)
    form = ReceiveForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        if lab is None:
            messages.error(request, _("Choose the laboratory."))
        else:
            report = actions.receive_samples(actor=request.user, lab=lab, codes_in=form.code_list())
            if report.received:
                messages.success(
                    request,
                    _("%(n)d samples received.") % {"n": len(report.received)},
                )
            form = ReceiveForm()
    return render_labs(
        request,
        "labs/sample_receive.html",
        {
            "form": form,
            "lab": lab,
            "labs": labs,
            "report": report,
            "can_choose": scope_of(request.user).has_perm("labs.change_laboratory"),
        },
    )
