"""A sampling team's screening session: many people at once (scanned or typed), one RT-PCR
sample each through ``collect_screening_batch``, and the labels of the whole batch."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest
from vungxanh.core.scoping import require_perm
from vungxanh.labs import actions, labels
from vungxanh.labs.forms import ScreeningForm
from vungxanh.labs.models import Sample
from vungxanh.labs.views.common import render_labs

#: Batches recorded in this browser session, newest last: {batch key: [sample public ids]}.
SESSION_KEY = "labs_screening_batches"
KEEP_BATCHES = 5


def _batches(request: AuthedHttpRequest) -> dict[str, list[str]]:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, dict) else {}


def _remember(request: AuthedHttpRequest, key: str, samples: list[Sample]) -> None:
    batches = _batches(request)
    batches[key] = [str(s.public_id) for s in samples]
    request.session[SESSION_KEY] = dict(list(batches.items())[-KEEP_BATCHES:])


def _batch_samples(request: AuthedHttpRequest, key: str) -> list[Sample]:
    ids = _batches(request).get(key) or []
    if not ids:
        return []
    return list(
        Sample.objects.restrict(request.user, "view")
        .filter(public_id__in=ids)
        .select_related("person", "unit", "home_unit", "lab__facility")
        .order_by("code")
    )


@login_required
@require_http_methods(["GET", "POST"])
def screening_session(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "labs.add_sample")
    require_perm(request.user, "people.view_person")
    done = request.GET.get("batch", "")
    if request.method == "GET" and done:
        samples = _batch_samples(request, done)
        if samples:
            return render_labs(
                request,
                "labs/screening_done.html",
                {"samples": samples, "batch": done, "f1": sum(s.is_f1 for s in samples)},
            )
    form = ScreeningForm(
        request.POST or None, actor=request.user, initial={"batch_key": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = str(data.get("batch_key") or uuid.uuid4())
        if key in _batches(request):  # the same list sent twice (a double click, a reload)
            messages.info(request, _("This list was already recorded; here it is."))
            return redirect(reverse("labs:screening-session") + f"?batch={key}")
        site = data.get("site")
        try:
            samples = actions.collect_screening_batch(
                actor=request.user,
                persons=data["persons"],
                unit=site.unit if site else data["unit"],
                reason=data["reason"],
                site=site,
                lab=data.get("lab"),
                collected_at=data["collected_at"],
                pool_group=data.get("pool_group") or "",
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _remember(request, key, samples)
            messages.success(
                request,
                _("%(n)d samples recorded. Print their labels.") % {"n": len(samples)},
            )
            return redirect(reverse("labs:screening-session") + f"?batch={key}")
    return render_labs(request, "labs/screening.html", {"form": form})


@login_required
def screening_labels(request: AuthedHttpRequest) -> HttpResponse:
    """The labels of a batch recorded in this session (one PDF)."""
    require_perm(request.user, "labs.add_sample")
    samples = _batch_samples(request, request.GET.get("batch", ""))
    if not samples:
        messages.error(request, _("No batch to print: record a session first."))
        return redirect("labs:screening-session")
    audit.record(
        actor=request.user,
        verb="print_label",
        target=samples[0].unit,
        unit_path=samples[0].unit.path,
        extra={"samples": len(samples), "first": samples[0].code, "last": samples[-1].code},
    )
    response = HttpResponse(labels.sample_labels(samples), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{samples[0].code}-{samples[-1].code}.pdf"'
    return response
