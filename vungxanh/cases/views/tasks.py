"""The tracing task board of a commune (or district) and one task."""

from __future__ import annotations

import statistics

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vungxanh.cases import actions
from vungxanh.cases.filters import TaskFilter
from vungxanh.cases.forms import TaskStepForm
from vungxanh.cases.models import Contact, TracingTask
from vungxanh.cases.views.common import can, get_task, is_htmx, visible_case_ids
from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, flash_errors
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


@login_required
def task_list(request: AuthedHttpRequest) -> HttpResponse:
    """Tasks of the user's area: open first by deadline, overdue highlighted, with the
    median times from case confirmation to notified and sampled (over all the tasks of
    the selection, done ones included, unless a status is chosen)."""
    require_perm(request.user, "cases.view_tracingtask")
    visible = TracingTask.objects.restrict(request.user, "view")
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = TracingTask.Status.OPEN
    filterset = TaskFilter(params, queryset=visible, request=request)
    tasks = filterset.qs if filterset.is_valid() else visible.none()
    tasks = tasks.select_related("person", "unit", "case").order_by("due_at", "pk")
    page = paginate(request, tasks, per_page=50)
    rows = list(page)
    now = timezone.now()
    summary_qs = filterset.qs if filterset.is_valid() else visible.none()
    # The timings cover every task of the selection whatever its status unless a status
    # was chosen: the open list alone would leave out the F1 traced fastest (done).
    timing_qs = summary_qs
    if "status" not in request.GET:
        every_status = params.copy()
        every_status["status"] = ""
        every = TaskFilter(every_status, queryset=visible, request=request)
        timing_qs = every.qs if every.is_valid() else visible.none()
    timing = list(
        timing_qs.exclude(case__confirmed_at__isnull=True)
        .select_related("case")
        .only("notified_at", "sampled_at", "case__confirmed_at")[:5000]
    )
    summary = {
        "total": page.paginator.count,
        "overdue": TracingTask.objects.filter(pk__in=summary_qs.values("pk")).overdue(now).count(),
        "to_notified": _median([h for t in timing if (h := t.hours_to_notified) is not None]),
        "to_sampled": _median([h for t in timing if (h := t.hours_to_sampled) is not None]),
    }
    return render(
        request,
        "cases/task_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "now": now,
            "summary": summary,
            "visible_cases": visible_case_ids(request, {t.case_id for t in rows}),
            "query": query_without_page(request),
            "step_form": TaskStepForm(),
        },
    )


@login_required
@object_view(TracingTask)
def task_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    task = get_task(request, public_id)
    audit.record_view(actor=request.user, target=task, unit_path=task.unit.path)
    contacts = list(
        Contact.objects.restrict(request.user, "view")
        .filter(task=task)
        .select_related("case", "venue")
        .order_by("exposure_start")
    )
    other = (
        Contact.objects.filter(person_id=task.person_id, degree=1, status="confirmed")
        .exclude(task=task)
        .count()
    )
    return render(
        request,
        "cases/task_detail.html",
        {
            "task": task,
            "contacts": contacts,
            "other_contacts": other,
            "visible_cases": visible_case_ids(request, {c.case_id for c in contacts}),
            "can_change": can(request, task),
            "form": TaskStepForm(),
            "events": audit.events_for(task)[:30],
        },
    )


@login_required
@object_view(TracingTask)
@require_POST
def task_step(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    task = get_task(request, public_id, "change")
    form = TaskStepForm(request.POST)
    error: ValidationError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = actions.record_task_step(
                actor=request.user,
                task=task,
                step=data["step"],
                at=data["at"],
                quarantine_place=data["quarantine_place"],
                lab_reference=data["lab_reference"],
                note=data["note"],
            )
        except ValidationError as exc:
            error = exc
    else:
        error = ValidationError([e for errs in form.errors.values() for e in errs])
    if is_htmx(request):
        task = get_task(request, public_id)
        return render(
            request,
            "cases/task_row.html",
            {
                "t": task,
                "now": timezone.now(),
                "visible_cases": visible_case_ids(request, {task.case_id}),
                "error": " ".join(error.messages) if error else "",
            },
        )
    if error is not None:
        flash_errors(request, error)
    else:
        messages.success(request, _("Saved."))
    nxt = request.POST.get("next", "")
    if nxt == "list":
        return redirect("cases:task-list")
    return redirect("cases:task-detail", public_id=task.public_id)
