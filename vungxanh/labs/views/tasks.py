"""Sampling tasks: the commune's board of persons to sample again individually, and one
task's page (with the button that records the new sample)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, flash_errors
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, scope_of
from vungxanh.labs import actions
from vungxanh.labs.filters import SamplingTaskFilter
from vungxanh.labs.forms import ReasonForm
from vungxanh.labs.models import SamplingTask
from vungxanh.labs.views.common import render_labs, require_labs


@login_required
def task_list(request: AuthedHttpRequest) -> HttpResponse:
    require_labs(request)
    visible = SamplingTask.objects.restrict(request.user, "view")
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = SamplingTask.Status.OPEN
    filterset = SamplingTaskFilter(params, queryset=visible)
    tasks = filterset.qs if filterset.is_valid() else visible.none()
    tasks = tasks.select_related(
        "person", "unit", "origin_sample", "pool", "sample", "lab__facility"
    ).order_by("due_at", "pk")
    now = timezone.now()
    board = (
        visible.filter(status=SamplingTask.Status.OPEN)
        .values("unit__name", "unit__public_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by("-overdue", "-open", "unit__name")[:50]
    )
    page = paginate(request, tasks, per_page=100)
    return render_labs(
        request,
        "labs/task_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "board": board,
            "now": now,
        },
    )


@login_required
@object_view(SamplingTask)
def task_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    task = get_object_or_404(
        SamplingTask.objects.restrict(request.user, "view").select_related(
            "person",
            "unit",
            "lab__facility",
            "origin_sample",
            "origin_sample__unit",
            "pool",
            "sample__lab__facility",
        ),
        public_id=public_id,
    )
    audit.record_view(actor=request.user, target=task.person, unit_path=task.unit.path)
    can_change = SamplingTask.objects.restrict(request.user, "change").filter(pk=task.pk).exists()
    is_open = task.status == SamplingTask.Status.OPEN
    can_sample = is_open and scope_of(request.user).covers("labs.add_sample", "add", task.unit.path)
    # The task that took over when the new sample was rejected or stayed invalid.
    follow_up = (
        SamplingTask.objects.restrict(request.user, "view")
        .filter(origin_sample_id=task.sample_id)
        .select_related("unit", "sample")
        .order_by("pk")
        .first()
        if task.status == SamplingTask.Status.RESAMPLED
        else None
    )
    return render_labs(
        request,
        "labs/task_detail.html",
        {
            "task": task,
            "can_change": can_change and is_open,
            "can_sample": can_sample,
            "follow_up": follow_up,
            "cancel_form": ReasonForm(),
        },
    )


@login_required
@object_view(SamplingTask)
@require_POST
def task_cancel(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    task = get_object_or_404(
        SamplingTask.objects.restrict(request.user, "change"), public_id=public_id
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            actions.cancel_task(actor=request.user, task=task, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Task cancelled."))
    else:
        flash_errors(request, form)
    return redirect("labs:samplingtask-detail", public_id=task.public_id)
