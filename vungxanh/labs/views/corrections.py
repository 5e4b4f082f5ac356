"""Correcting a result entered wrongly (a pool or a single RT-PCR sample): the page says what
the correction will cause before it is made."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from vungxanh.core.http import AuthedHttpRequest, add_errors
from vungxanh.core.scoping import object_view
from vungxanh.labs import actions, bridge
from vungxanh.labs.forms import CorrectionForm
from vungxanh.labs.models import Pool, ResultCorrection, Sample
from vungxanh.labs.views.common import render_labs


def visible_case_label(user: Any, consequences: dict[str, Any] | None) -> str:
    """The label of the case a correction concerned, when ``user`` may see that case."""
    ref = ((consequences or {}).get("case") or {}).get("case")
    found = bridge.case_for(user, ref) if ref else None
    return found[0] if found else ""


def correction_message(correction: ResultCorrection, user: Any) -> list[str]:
    """What followed from a correction, as the technician reads it (the case named only
    when they may see it)."""
    done = correction.consequences
    out = [
        _("Result corrected from “%(before)s” to “%(after)s”.")
        % {
            "before": correction.get_result_before_display(),
            "after": correction.get_result_after_display(),
        }
    ]
    if done.get("tasks_cancelled"):
        out.append(
            _("%(n)d re-sampling tasks not done yet were cancelled.")
            % {"n": done["tasks_cancelled"]}
        )
    if done.get("tasks_created") or done.get("tasks_reopened"):
        out.append(
            _("%(n)d persons are sent back to their commune for an individual sample.")
            % {"n": done.get("tasks_created", 0) + done.get("tasks_reopened", 0)}
        )
    if done.get("already_resampled"):
        out.append(
            _("%(n)d persons were already sampled again; those samples will be tested.")
            % {"n": done["already_resampled"]}
        )
    case = done.get("case") or {}
    outcome, label = case.get("outcome"), visible_case_label(user, done)
    named = {"case": label, "other": case.get("other", "")}
    if outcome == bridge.DISCARDED:
        out.append(
            _(
                "Case %(case)s was confirmed by this result and is now discarded: its contacts' "
                "tasks and published landmarks are closed. The case team can reinstate it."
            )
            % named
            if label
            else _(
                "The person's case was confirmed by this result and is now discarded: its "
                "contacts' tasks and published landmarks are closed. The case team can "
                "reinstate it."
            )
        )
    elif outcome == bridge.KEPT_OTHER_POSITIVE:
        out.append(
            _("Case %(case)s stays: another positive sample (%(other)s) confirms it.") % named
            if label
            else _("The person's case stays: another positive sample (%(other)s) confirms it.")
            % named
        )
    elif outcome == bridge.KEPT_OTHER_BASIS:
        out.append(
            _("Case %(case)s stays: it was not confirmed by this result. Tell the case team.")
            % named
            if label
            else _(
                "The person's case stays: it was not confirmed by this result. Tell the case team."
            )
        )
    elif outcome == bridge.REINSTATED:
        out.append(
            _("Case %(case)s, discarded by the earlier correction, is reinstated.") % named
            if label
            else _("The person's case, discarded by the earlier correction, is reinstated.")
        )
    elif outcome == "confirmed":
        out.append(
            _("Positive: case %(case)s is confirmed and tracing has started.") % named
            if label
            else _("Positive: the person's case is confirmed and tracing has started.")
        )
    return out


CASE_OUTCOMES = {
    bridge.DISCARDED: gettext_lazy("discarded"),
    bridge.KEPT_OTHER_POSITIVE: gettext_lazy("stays (another positive sample)"),
    bridge.KEPT_OTHER_BASIS: gettext_lazy("stays (confirmed otherwise)"),
    bridge.ALREADY_DISCARDED: gettext_lazy("already discarded"),
    bridge.REINSTATED: gettext_lazy("reinstated"),
    "confirmed": gettext_lazy("confirmed"),
}


def corrections_of(target: Pool | Sample, user: Any) -> list[ResultCorrection]:
    """The corrections of a pool or sample, each with a note on the case it concerned (and
    its label, when ``user`` may see the case)."""
    rows = list(target.corrections.select_related("corrected_by").order_by("corrected_at", "pk"))
    for row in rows:
        outcome = (row.consequences or {}).get("case", {}).get("outcome", "")
        row.case_note = str(CASE_OUTCOMES.get(outcome, ""))  # type: ignore[attr-defined]
        row.case_label = visible_case_label(user, row.consequences) if outcome else ""  # type: ignore[attr-defined]
    return rows


def _correct(request: AuthedHttpRequest, target: Pool | Sample, detail_url: str) -> HttpResponse:
    current = target.result
    if isinstance(target, Sample) and target.status == Sample.Status.RETEST and target.attempts:
        current = "invalid"
    form = CorrectionForm(request.POST or None, initial={"expected": current})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction = actions.correct_result(
                actor=request.user,
                target=target,
                result=data["result"],
                ct=data["ct"],
                reason=data["reason"],
                expected=data.get("expected") or None,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            for line in correction_message(correction, request.user):
                messages.success(request, line)
            return redirect(detail_url)
    preview: dict[str, Any] = actions.correction_preview(target)
    # The preview needs the case to say what the correction does; its label only shows to
    # those who may see the case.
    visible = bridge.case_for(request.user, target.case_ref) if isinstance(target, Sample) else None
    return render_labs(
        request,
        "labs/result_correct.html",
        {
            "target": target,
            "is_pool": isinstance(target, Pool),
            "current": current,
            "form": form,
            "preview": preview,
            "case_label": visible[0] if visible else "",
            "detail_url": detail_url,
        },
    )


@login_required
@object_view(Sample)
@require_http_methods(["GET", "POST"])
def sample_correct(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    sample = get_object_or_404(
        Sample.objects.restrict(request.user, "change").select_related("lab__facility__unit"),
        public_id=public_id,
    )
    url = reverse("labs:sample-detail", kwargs={"public_id": sample.public_id})
    return _correct(request, sample, url)


@login_required
@object_view(Pool)
@require_http_methods(["GET", "POST"])
def pool_correct(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    pool = get_object_or_404(
        Pool.objects.restrict(request.user, "change").select_related("lab__facility__unit"),
        public_id=public_id,
    )
    url = reverse("labs:pool-detail", kwargs={"public_id": pool.public_id})
    return _correct(request, pool, url)
