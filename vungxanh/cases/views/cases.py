"""Case list, registration, the case page, its landmarks and the person search."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.cases import actions, services
from vungxanh.cases.filters import CaseFilter
from vungxanh.cases.forms import CaseEditForm, CaseForm, DiscardForm, LandmarkForm, PublishForm
from vungxanh.cases.models import Case, ClusterMember, Contact, Landmark, TracingTask
from vungxanh.cases.views.common import (
    can,
    case_label,
    get_case,
    get_landmark,
    has_perm,
    is_htmx,
    visible_case_ids,
)
from vungxanh.cases.views.tracing import proposal_context
from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, flash_errors
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm
from vungxanh.people.models import Person


@login_required
def case_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "cases.view_case")
    visible = Case.objects.restrict(request.user, "view")
    filterset = CaseFilter(request.GET, queryset=visible, request=request)
    cases = filterset.qs if filterset.is_valid() else visible.none()
    cases = cases.select_related("person", "residence_unit__parent", "responsible_unit", "rule_set")
    page = paginate(request, cases.order_by("-reported_at", "-pk"), per_page=50)
    rows = list(page)
    ids = [c.pk for c in rows]
    confirmed_f1 = dict(
        Contact.objects.filter(case_id__in=ids, degree=1, status=Contact.Status.CONFIRMED)
        .values_list("case_id")
        .annotate(n=Count("pk"))
    )
    open_tasks = dict(
        TracingTask.objects.filter(case_id__in=ids, status=TracingTask.Status.OPEN)
        .values_list("case_id")
        .annotate(n=Count("pk"))
    )
    # F1 found from check-ins for the whole page in one statement.
    found = Counter(
        p.case_id for p in services.f1_pairs_for_cases([c for c in rows if c.is_confirmed])
    )
    for case in rows:
        case.n_f1 = confirmed_f1.get(case.pk, 0)
        case.n_open_tasks = open_tasks.get(case.pk, 0)
        case.n_found = found.get(case.pk, 0)
    return render(
        request,
        "cases/case_list.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "query": query_without_page(request),
            "can_add": has_perm(request, "cases.add_case"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "cases.add_case")
    form = CaseForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kwargs: dict[str, Any] = {
            "actor": request.user,
            "person": data["person_obj"],
            "basis": data["basis"],
            "sample_date": data["sample_date"],
            "onset_date": data["onset_date"],
            "responsible_unit": data["responsible_unit"],
            "isolated_at": data["isolated_at"],
            "lab_reference": data["lab_reference"],
            "note": data["note"],
        }
        try:
            if data["classification"] == Case.Classification.CONFIRMED:
                case = actions.confirm_case(source=data["source"] or None, **kwargs)
            else:
                case = actions.register_suspected_case(
                    source=data["source"] or Case.Source.COMMUNITY, **kwargs
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Case %(case)s registered.") % {"case": case})
            return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/case_form.html", {"form": form})


@login_required
def person_search(request: AuthedHttpRequest) -> HttpResponse:
    """Persons of the user's area matching the search box (htmx fragment of the forms)."""
    require_perm(request.user, "people.view_person")
    text = (request.GET.get("person_q") or request.GET.get("q") or "").strip()
    persons: list[Person] = []
    if len(text) >= 2:
        persons = list(
            Person.objects.restrict(request.user, "view")
            .current()
            .search(text)
            .select_related("residence_unit")
            .order_by("name_folded", "birth_year")[:20]
        )
    return render(request, "cases/person_search_results.html", {"persons": persons, "text": text})


def _landmark_rows(case: Case, landmarks: list[Landmark]) -> list[dict[str, Any]]:
    rules = services.rules_for(case)
    infectious_start, _end = rules.infectious_window(
        case.anchor_date, case.isolated_at, timezone.now()
    )
    return [{"landmark": lm, "infectious": lm.end > infectious_start} for lm in landmarks]


@login_required
@object_view(Case)
def case_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id)
    audit.record_view(actor=request.user, target=case, unit_path=case.responsible_unit.path)
    now = timezone.now()
    rules = services.rules_for(case)
    landmarks = list(case.landmarks.select_related("venue", "unit").order_by("start", "pk"))
    contacts = list(
        case.contacts.filter(degree=Contact.Degree.F1)
        .exclude(status__in=[Contact.Status.DISMISSED, Contact.Status.PROPOSED])
        .select_related("person", "task__case", "venue", "unit", "became_case")
        .order_by("-strength", "pk")
    )
    f2 = list(
        case.contacts.filter(degree=Contact.Degree.F2, status=Contact.Status.CONFIRMED)
        .select_related("person", "via__person", "unit")
        .order_by("-strength")[:200]
    )
    dismissed = case.contacts.filter(status=Contact.Status.DISMISSED).count()
    memberships = list(
        ClusterMember.objects.filter(case=case, removed_by_case__isnull=True).select_related(
            "cluster"
        )
    )
    proposals = (
        proposal_context(request, case)
        if case.is_confirmed
        else {"page": None, "household": [], "stored": [], "offset": 0}
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            **proposals,
            "case": case,
            "rules": rules,
            "landmark_window": rules.landmark_window(case.anchor_date, case.isolated_at, now),
            "infectious_window": rules.infectious_window(case.anchor_date, case.isolated_at, now),
            "source_window": rules.source_window(case.anchor_date),
            "landmarks": _landmark_rows(case, landmarks),
            "contacts": contacts,
            "f2": f2,
            "dismissed": dismissed,
            "memberships": memberships,
            "can_change": can(request, case),
            "discard_form": DiscardForm(),
        },
    )


@login_required
@object_view(Case)
@require_http_methods(["GET", "POST"])
def case_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    form = CaseEditForm(request.POST) if request.method == "POST" else CaseEditForm.for_case(case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_case(
                actor=request.user,
                case=case,
                sample_date=data["sample_date"],
                onset_date=data["onset_date"],
                clear_onset=data["onset_date"] is None,
                isolated_at=data["isolated_at"],
                status=data["status"],
                source=data["source"],
                note=data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/case_edit.html", {"case": case, "form": form})


@login_required
@object_view(Case)
@require_POST
def case_discard(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    form = DiscardForm(request.POST)
    if form.is_valid():
        try:
            actions.discard_case(actor=request.user, case=case, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("The case was discarded; what derived from it is closed."))
    else:
        flash_errors(request, form)
    return redirect("cases:case-detail", public_id=case.public_id)


@login_required
@object_view(Case)
@require_POST
def case_reinstate(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    try:
        case = actions.reinstate_case(actor=request.user, case=case)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The case was reinstated."))
        for note in task_notes(request, case):
            messages.info(request, note)
    return redirect("cases:case-detail", public_id=case.public_id)


def task_notes(request: AuthedHttpRequest, case: Case) -> list[str]:
    """Why a confirmed F1 of a reinstated case has no open task of this case (the task was
    done meanwhile, the F1 became a case, or another case's task already traces them).
    Other cases are named only when the official may open them."""
    notes: list[str] = []
    contacts = list(
        case.contacts.filter(degree=Contact.Degree.F1, status=Contact.Status.CONFIRMED)
        .select_related("person", "task__case", "became_case")
        .order_by("pk")
    )
    others = {c.became_case_id for c in contacts} | {c.task.case_id for c in contacts if c.task}
    visible = visible_case_ids(request, {pk for pk in others if pk})
    for contact in contacts:
        name = contact.person.full_name
        task = contact.task
        if contact.became_case is not None:
            notes.append(
                _("%(name)s became case %(case)s meanwhile: isolated as a case, no tracing task.")
                % {"name": name, "case": case_label(contact.became_case, visible)}
            )
        elif task is None:
            continue
        elif task.status == TracingTask.Status.DONE:
            notes.append(
                _("The tracing task of %(name)s was completed meanwhile; it stays done.")
                % {"name": name}
            )
        elif task.status == TracingTask.Status.OPEN and task.case_id != case.pk:
            notes.append(
                _("%(name)s is already traced by the open task of case %(case)s; it goes on.")
                % {"name": name, "case": case_label(task.case, visible)}
            )
        elif task.status not in {TracingTask.Status.OPEN, TracingTask.Status.BECAME_CASE}:
            notes.append(
                _("The tracing task of %(name)s stays %(status)s.")
                % {"name": name, "status": task.get_status_display().lower()}
            )
    return notes


@login_required
@object_view(Case)
@require_POST
def landmarks_refresh(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    counts = actions.refresh_landmarks(actor=request.user, case=case)
    messages.success(
        request,
        _("Landmarks rebuilt: %(added)s added, %(updated)s updated, %(removed)s removed.") % counts,
    )
    return redirect("cases:case-detail", public_id=case.public_id)


@login_required
@object_view(Case)
@require_http_methods(["GET", "POST"])
def landmark_create(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    form = LandmarkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_landmark(
                actor=request.user,
                case=case,
                venue=data["venue"],
                place=data["place"],
                address=data["address"],
                unit=data["unit"],
                start=data["start"],
                end=data["end"],
                vehicle=data["vehicle"],
                route=data["route"],
                note=data["note"],
                reported_people=data["reported_people"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Landmark added."))
            return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/landmark_form.html", {"case": case, "form": form})


@login_required
@object_view(Landmark)
@require_http_methods(["GET", "POST"])
def landmark_publish(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    landmark = get_landmark(request, public_id, "change")
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.publish_landmark(
                actor=request.user,
                landmark=landmark,
                public_note=form.cleaned_data["public_note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The landmark is on the public list."))
            return redirect("cases:case-detail", public_id=landmark.case.public_id)
    return render(request, "cases/landmark_publish.html", {"landmark": landmark, "form": form})


@login_required
@object_view(Landmark)
@require_POST
def landmark_withdraw(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    landmark = get_landmark(request, public_id, "change")
    actions.withdraw_landmark(actor=request.user, landmark=landmark)
    messages.success(request, _("The landmark was withdrawn from the public list."))
    return redirect("cases:case-detail", public_id=landmark.case.public_id)


@login_required
@object_view(Landmark)
@require_POST
def landmark_remove(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    landmark = get_landmark(request, public_id, "change")
    case_id = landmark.case.public_id
    try:
        actions.remove_landmark(actor=request.user, landmark=landmark)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Landmark removed."))
    return redirect("cases:case-detail", public_id=case_id)


@login_required
@object_view(Case)
def case_sources(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """Backward tracing (htmx fragment): co-visitors in the look-back window who are or
    became confirmed cases. Cases outside the user's area are only counted: no number,
    place or time (their own officials see them)."""
    case = get_case(request, public_id)
    found = services.source_candidates(case)
    links = (
        Contact.objects.filter(person_id=case.person_id)
        .exclude(case=case)
        .exclude(status__in=[Contact.Status.DISMISSED, Contact.Status.CLOSED])
        .select_related("case")
    )
    linked = [c.case for c in links if c.case.is_confirmed]
    visible = visible_case_ids(request, {s.case_id for s in found} | {c.pk for c in linked})
    sources = [s for s in found if s.case_id in visible]
    hidden = {s.case_id for s in found if s.case_id not in visible}
    return render(
        request,
        "cases/case_sources.html",
        {
            "case": case,
            "sources": sources,
            "hidden_sources": len(hidden),
            "link_cases": [c for c in linked if c.pk in visible],
            "hidden_links": len({c.pk for c in linked if c.pk not in visible}),
            "is_htmx": is_htmx(request),
        },
    )
