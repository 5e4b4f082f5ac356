"""Officials' pages: declarations, the door-to-door screen, the follow-up queue, monitoring
and diaries, and the versions of the forms."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, add_errors, flash_errors
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, path_prefix_q, require_perm, scope_of
from vungxanh.core.submissions import Submission
from vungxanh.declarations import actions
from vungxanh.declarations.filters import (
    DeclarationFilter,
    FollowUpFilter,
    FormDefinitionFilter,
    MonitoringFilter,
)
from vungxanh.declarations.forms import (
    AnswersForm,
    DiaryDayForm,
    DoorToDoorMemberForm,
    EndMonitoringForm,
    FollowUpResolveForm,
    MonitoringForm,
    PublishForm,
)
from vungxanh.declarations.models import (
    Declaration,
    FollowUp,
    FormDefinition,
    FormKind,
    Monitoring,
)
from vungxanh.declarations.questions import describe
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Household, Person
from vungxanh.people.paging import slice_page


def _can(request: AuthedHttpRequest, perm: str) -> bool:
    return scope_of(request.user).has_perm(perm)


# --- declarations ----------------------------------------------------------------------------


@login_required
def declaration_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "declarations.view_declaration")
    base = Declaration.objects.restrict(request.user, "view")
    filterset = DeclarationFilter(request.GET, queryset=base, request=request)
    declarations = filterset.qs if filterset.is_valid() else base.none()
    page = slice_page(
        request,
        declarations.select_related("person", "unit__parent").order_by("-submitted_at", "-id"),
    )
    return render(
        request,
        "declarations/declaration_list.html",
        {"filter": filterset, "page": page, "query": query_without_page(request)},
    )


@login_required
@object_view(Declaration)
def declaration_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    declaration = get_object_or_404(
        Declaration.objects.restrict(request.user, "view").select_related(
            "person", "unit__parent", "form", "facility"
        ),
        public_id=public_id,
    )
    audit.record_view(actor=request.user, target=declaration, unit_path=declaration.unit.path)
    reasons = dict(FollowUp.Reason.choices)
    return render(
        request,
        "declarations/declaration_detail.html",
        {
            "declaration": declaration,
            "answers": describe(declaration.form.questions, declaration.answers),
            "flags": [reasons.get(f, f) for f in declaration.flags],
            "person_visible": Person.objects.restrict(request.user, "view")
            .filter(pk=declaration.person_id)
            .exists(),
        },
    )


# --- door to door ----------------------------------------------------------------------------


@login_required
def door_to_door(request: AuthedHttpRequest) -> HttpResponse:
    """The villages a community team works in."""
    require_perm(request.user, "declarations.add_declaration")
    roots = scope_of(request.user).paths("declarations.add_declaration", "add")
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(path__startswith=root)
    villages = (
        AdminUnit.objects.current()
        .filter(q, level=AdminUnit.Level.VILLAGE)
        .select_related("parent")
        .order_by("path")
    )
    page = paginate(request, villages, per_page=100)
    return render(request, "declarations/door_to_door.html", {"page": page, "query": ""})


@login_required
@object_view(AdminUnit)
def door_to_door_village(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    village = get_object_or_404(
        AdminUnit.objects.restrict(request.user, "view").filter(level=AdminUnit.Level.VILLAGE),
        public_id=public_id,
    )
    if not scope_of(request.user).covers("declarations.add_declaration", "add", village.path):
        return render(request, "404.html", status=404)
    today = timezone.localdate()
    # Members declared today, counted once each, by declarations the team may see.
    scope = scope_of(request.user)
    seen = (
        Q()
        if scope.unrestricted
        else path_prefix_q(
            "members__declarations__unit__path",
            scope.paths("declarations.view_declaration", "view"),
        )
    )
    households = (
        Household.objects.restrict(request.user, "view")
        .filter(unit=village)
        .annotate(
            members_count=Count(
                "members", filter=Q(members__merged_into__isnull=True), distinct=True
            ),
            declared_today=Count(
                "members",
                filter=Q(
                    seen,
                    members__merged_into__isnull=True,
                    members__declarations__submitted_at__date=today,
                ),
                distinct=True,
            ),
        )
        .order_by("address", "id")
    )
    page = paginate(request, households, per_page=100)
    return render(
        request,
        "declarations/door_to_door_village.html",
        {"village": village, "page": page, "query": query_without_page(request), "today": today},
    )


@login_required
@object_view(Household)
@require_http_methods(["GET", "POST"])
def door_to_door_household(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """One household at a time: a row per member, the questions of the whole-population
    form, "no" answers already chosen; the team changes what differs and saves."""
    household = get_object_or_404(
        Household.objects.restrict(request.user, "view").select_related("unit__parent"),
        public_id=public_id,
    )
    if not scope_of(request.user).covers(
        "declarations.add_declaration", "add", household.unit.path
    ):
        return render(request, "404.html", status=404)
    definition = actions.form_in_force(FormKind.POPULATION)
    members = list(
        Person.objects.restrict(request.user, "view")
        .current()
        .filter(household=household)
        .order_by("birth_year", "id")
    )
    # Each member's row is keyed by their public id, never by position: a member added,
    # removed or re-dated since the page was opened cannot shift answers onto somebody else.
    roster = ",".join(sorted(str(m.public_id) for m in members))
    sent = request.POST.get("members", "") if request.method == "POST" else roster
    sent_ids = set(sent.split(","))
    defaults = {f"q_{q['key']}": "no" for q in definition.questions if q["type"] == "yes_no"}
    forms = [
        DoorToDoorMemberForm(
            request.POST if request.method == "POST" and str(m.public_id) in sent_ids else None,
            definition=definition,
            prefix=f"m-{m.public_id}",
            initial={"present": True, **defaults},
        )
        for m in members
    ]
    once = Submission(request, f"declarations:door-to-door:{household.pk}")
    status = 200
    if request.method == "POST":
        if (again := once.repeat()) is not None:  # a double tap saves the household once
            return again
        if sent != roster:
            messages.warning(
                request,
                _(
                    "The members of this household changed since the page was opened. "
                    "Nothing was saved: check each member's answers and save again."
                ),
            )
            status = 409
        elif all(form.is_valid() for form in forms):
            entries = [
                (member, form.answers())
                for member, form in zip(members, forms, strict=True)
                if form.cleaned_data.get("present")
            ]
            try:
                saved = actions.submit_household_declarations(
                    actor=request.user, household=household, entries=entries
                )
            except ValidationError as exc:
                flash_errors(request, exc)
            else:
                messages.success(
                    request,
                    _("%(n)d declarations saved for %(address)s.")
                    % {"n": len(saved), "address": household.address},
                )
                return once.done(
                    reverse("declarations:door-to-door-village", args=[household.unit.public_id])
                )
        once.release()
    today = timezone.localdate()
    done_today = set(
        Declaration.objects.restrict(request.user, "view")
        .filter(person__in=members, submitted_at__date=today)
        .values_list("person_id", flat=True)
    )
    return render(
        request,
        "declarations/door_to_door_household.html",
        {
            "household": household,
            "rows": [
                {"person": m, "form": f, "done": m.pk in done_today}
                for m, f in zip(members, forms, strict=True)
            ],
            "roster": roster,
            "definition": definition,
            "submission": once.key_value or uuid.uuid4(),
        },
        status=status,
    )


# --- follow-ups ------------------------------------------------------------------------------


@login_required
def followup_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "declarations.view_followup")
    base = FollowUp.objects.restrict(request.user, "view")
    data = request.GET.copy()
    data.setdefault("status", "pending")
    filterset = FollowUpFilter(data, queryset=base, request=request)
    items = filterset.qs if filterset.is_valid() else base.none()
    items = items.select_related("person", "unit", "assigned_to").order_by("-last_seen", "-id")
    page = paginate(request, items, per_page=50)
    counts = dict(
        base.filter(status__in=FollowUp.PENDING).values_list("reason").annotate(n=Count("id"))
    )
    reasons = [(value, label, counts.get(value, 0)) for value, label in FollowUp.Reason.choices]
    return render(
        request,
        "declarations/followup_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "reasons": reasons,
        },
    )


@login_required
@object_view(FollowUp)
def followup_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    return _followup_page(request, public_id)


def _followup_page(
    request: AuthedHttpRequest,
    public_id: Any,
    *,
    resolve_form: FollowUpResolveForm | None = None,
    monitor_form: MonitoringForm | None = None,
) -> HttpResponse:
    """The follow-up's page; with a refused form, that form as sent, with its errors."""
    item = get_object_or_404(
        FollowUp.objects.restrict(request.user, "view").select_related(
            "person__residence_unit",
            "unit",
            "declaration__form",
            "diary_entry",
            "assigned_to",
            "resolved_by",
        ),
        public_id=public_id,
    )
    audit.record_view(actor=request.user, target=item, unit_path=item.unit.path)
    can_change = FollowUp.objects.restrict(request.user, "change").filter(pk=item.pk).exists()
    monitoring = (
        Monitoring.objects.restrict(request.user, "view")
        .filter(person=item.person, status=Monitoring.Status.ACTIVE)
        .first()
    )
    refused = resolve_form is not None or monitor_form is not None
    return render(
        request,
        "declarations/followup_detail.html",
        {
            "item": item,
            "answers": describe(item.declaration.form.questions, item.declaration.answers)
            if item.declaration
            else [],
            "recent": Declaration.objects.restrict(request.user, "view")
            .filter(person=item.person)
            .order_by("-submitted_at")[:5],
            "can_change": can_change and item.is_pending,
            "resolve_form": resolve_form or FollowUpResolveForm(),
            "monitor_form": monitor_form or MonitoringForm(initial={"reason": _reason_for(item)}),
            "monitor_open": monitor_form is not None,
            "monitoring": monitoring,
        },
        status=400 if refused else 200,
    )


def _reason_for(item: FollowUp) -> str:
    reasons: dict[str, str] = {
        FollowUp.Reason.HIGH_RISK_AREA: Monitoring.Reason.ARRIVAL,
        FollowUp.Reason.CONTACT: Monitoring.Reason.CONTACT,
    }
    return reasons.get(item.reason, Monitoring.Reason.SYMPTOMS)


def _changeable_item(request: AuthedHttpRequest, public_id: str) -> FollowUp:
    return get_object_or_404(FollowUp.objects.restrict(request.user, "change"), public_id=public_id)


@login_required
@object_view(FollowUp)
@require_POST
def followup_take(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    item = _changeable_item(request, public_id)
    try:
        actions.take_follow_up(actor=request.user, follow_up=item)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("declarations:followup-detail", public_id=item.public_id)


@login_required
@object_view(FollowUp)
@require_POST
def followup_resolve(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    item = _changeable_item(request, public_id)
    form = FollowUpResolveForm(request.POST)
    if not form.is_valid():
        return _followup_page(request, item.public_id, resolve_form=form)
    try:
        actions.resolve_follow_up(
            actor=request.user,
            follow_up=item,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        add_errors(form, exc)
        return _followup_page(request, item.public_id, resolve_form=form)
    messages.success(request, _("Follow-up closed."))
    return redirect("declarations:followup-list")


@login_required
@object_view(FollowUp)
@require_POST
def followup_monitor(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    item = _changeable_item(request, public_id)
    form = MonitoringForm(request.POST)
    if not form.is_valid():
        return _followup_page(request, item.public_id, monitor_form=form)
    try:
        monitoring = actions.start_monitoring(
            actor=request.user,
            person=item.person,
            reason=form.cleaned_data["reason"],
            days=form.cleaned_data["days"],
            starts_on=form.cleaned_data["starts_on"],
            unit=item.unit,
            note=form.cleaned_data["note"],
        )
        if item.status == FollowUp.Status.OPEN:
            actions.take_follow_up(actor=request.user, follow_up=item)
    except ValidationError as exc:
        add_errors(form, exc)
        return _followup_page(request, item.public_id, monitor_form=form)
    messages.success(request, _("Health monitoring started."))
    return redirect("declarations:monitoring-detail", public_id=monitoring.public_id)


# --- monitoring and diaries ------------------------------------------------------------------


@login_required
def monitoring_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "declarations.view_monitoring")
    base = Monitoring.objects.restrict(request.user, "view")
    data = request.GET.copy()
    data.setdefault("status", Monitoring.Status.ACTIVE)
    filterset = MonitoringFilter(data, queryset=base, request=request)
    items = filterset.qs if filterset.is_valid() else base.none()
    today = timezone.localdate()
    items = items.select_related("person", "unit")
    page = paginate(request, items.order_by("ends_on", "id"), per_page=50)
    entered = set(
        Monitoring.objects.filter(pk__in=[m.pk for m in page], entries__day=today).values_list(
            "pk", flat=True
        )
    )
    return render(
        request,
        "declarations/monitoring_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "entered": entered,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "declarations.add_monitoring")
    person = None
    person_id = request.GET.get("person") or request.POST.get("person")
    if person_id:
        person = (
            Person.objects.restrict(request.user, "view")
            .current()
            .filter(public_id=person_id)
            .first()
            if _is_uuid(person_id)
            else None
        )
    if person is None:
        return render(
            request,
            "core/message.html",
            {"title": _("Start health monitoring"), "message": _("Open the person's page first.")},
            status=404 if person_id else 200,
        )
    form = MonitoringForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            monitoring = actions.start_monitoring(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                days=form.cleaned_data["days"],
                starts_on=form.cleaned_data["starts_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Health monitoring started."))
            return redirect("declarations:monitoring-detail", public_id=monitoring.public_id)
    return render(request, "declarations/monitoring_form.html", {"form": form, "person": person})


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except (ValueError, TypeError):
        return False
    return True


@login_required
@object_view(Monitoring)
def monitoring_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    return _monitoring_page(request, public_id)


def _monitoring_page(
    request: AuthedHttpRequest,
    public_id: Any,
    *,
    form: DiaryDayForm | None = None,
    end_form: EndMonitoringForm | None = None,
) -> HttpResponse:
    """The monitoring's page; with a refused form, that form as sent, with its errors."""
    monitoring = get_object_or_404(
        Monitoring.objects.restrict(request.user, "view").select_related("person", "unit"),
        public_id=public_id,
    )
    audit.record_view(actor=request.user, target=monitoring, unit_path=monitoring.unit.path)
    definition = actions.form_in_force(FormKind.DIARY)
    can_change = (
        Monitoring.objects.restrict(request.user, "change").filter(pk=monitoring.pk).exists()
    )
    link = request.build_absolute_uri(reverse("declare:diary", args=[monitoring.access_token]))
    entries = list(monitoring.entries.select_related("form", "recorded_by").order_by("-day"))
    refused = form is not None or end_form is not None
    return render(
        request,
        "declarations/monitoring_detail.html",
        {
            "monitoring": monitoring,
            "entries": [(e, describe(e.form.questions, e.answers)) for e in entries],
            "can_change": can_change and monitoring.status == Monitoring.Status.ACTIVE,
            "form": form or (DiaryDayForm(definition=definition) if can_change else None),
            "form_open": form is not None or not entries,
            "end_form": end_form or EndMonitoringForm(),
            "link": link,
        },
        status=400 if refused else 200,
    )


@login_required
@object_view(Monitoring)
def monitoring_qr(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """The resident's diary link as a QR code (SVG) to show or print for them."""
    monitoring = get_object_or_404(
        Monitoring.objects.restrict(request.user, "change"), public_id=public_id
    )
    link = request.build_absolute_uri(reverse("declare:diary", args=[monitoring.access_token]))
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=6, border=2)
    audit.record(
        actor=request.user,
        verb="show_diary_link",
        target=monitoring,
        unit_path=monitoring.unit.path,
    )
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@login_required
@object_view(Monitoring)
@require_POST
def monitoring_entry(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    monitoring = get_object_or_404(
        Monitoring.objects.restrict(request.user, "change"), public_id=public_id
    )
    form = DiaryDayForm(request.POST, definition=actions.form_in_force(FormKind.DIARY))
    if not form.is_valid():
        return _monitoring_page(request, monitoring.public_id, form=form)
    try:
        actions.record_diary_entry(
            actor=request.user,
            monitoring=monitoring,
            answers=form.answers(),
            day=form.cleaned_data["day"],
        )
    except ValidationError as exc:
        add_errors(form, exc, prefix="q_")
        return _monitoring_page(request, monitoring.public_id, form=form)
    messages.success(request, _("Diary entry saved."))
    return redirect("declarations:monitoring-detail", public_id=monitoring.public_id)


@login_required
@object_view(Monitoring)
@require_POST
def monitoring_end(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    monitoring = get_object_or_404(
        Monitoring.objects.restrict(request.user, "change"), public_id=public_id
    )
    form = EndMonitoringForm(request.POST)
    if not form.is_valid():
        return _monitoring_page(request, monitoring.public_id, end_form=form)
    try:
        actions.end_monitoring(
            actor=request.user, monitoring=monitoring, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Monitoring ended."))
    return redirect("declarations:monitoring-detail", public_id=monitoring.public_id)


# --- forms -----------------------------------------------------------------------------------


@login_required
def form_list(request: AuthedHttpRequest) -> HttpResponse:
    """Every version of every form; ``?kind=…&version=…`` shows one version's questions.
    (Forms are province-wide rules, not records of an area: no object URL.)"""
    require_perm(request.user, "declarations.view_formdefinition")
    base = FormDefinition.objects.restrict(request.user, "view")
    filterset = FormDefinitionFilter(request.GET, queryset=base)
    forms = filterset.qs if filterset.is_valid() else base.none()
    now = timezone.now()
    in_force = {kind: FormDefinition.objects.in_force(kind, now) for kind in FormKind.values}
    shown = None
    version = request.GET.get("version", "")
    if version.isascii() and version.isdigit() and request.GET.get("kind") in FormKind.values:
        shown = base.filter(kind=request.GET["kind"], version=int(version)).first()
    return render(
        request,
        "declarations/formdefinition_list.html",
        {
            "filter": filterset,
            "forms": forms.order_by("kind", "-version"),
            "in_force": {f.pk for f in in_force.values() if f is not None},
            "can_publish": actions.can_publish_forms(request.user),
            "kinds": FormKind.choices,
            "now": now,
            "shown": shown,
            "preview": AnswersForm(definition=shown) if shown else None,
            "json": json.dumps(shown.questions, ensure_ascii=False, indent=2) if shown else "",
        },
    )


def form_url(definition: FormDefinition) -> str:
    return (
        f"{reverse('declarations:formdefinition-list')}"
        f"?kind={definition.kind}&version={definition.version}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def form_publish(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "declarations.add_formdefinition")
    if not actions.can_publish_forms(request.user):
        return render(request, "404.html", status=404)
    kind = request.GET.get("kind") or request.POST.get("kind") or FormKind.POPULATION
    if kind not in FormKind.values:
        kind = FormKind.POPULATION
    current = (
        FormDefinition.objects.in_force(kind) or FormDefinition.objects.filter(kind=kind).first()
    )
    initial = {}
    if current is not None:
        initial = {
            "title": current.title,
            "intro": current.intro,
            "questions": json.dumps(current.questions, ensure_ascii=False, indent=2),
        }
    form = PublishForm(request.POST or None, initial=initial)
    once = Submission(request, "declarations:form-publish")
    if request.method == "POST" and (again := once.repeat()) is not None:
        return again  # one new version, not two
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            definition = actions.publish_form(
                actor=request.user,
                kind=kind,
                title=data["title"],
                intro=data["intro"],
                questions=data["questions"],
                valid_from=data["valid_from"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(v)d published; in force from %(at)s.")
                % {
                    "v": definition.version,
                    "at": timezone.localtime(definition.valid_from).strftime("%H:%M %d/%m/%Y"),
                },
            )
            return once.done(form_url(definition))
    once.release()
    return render(
        request,
        "declarations/formdefinition_form.html",
        {"form": form, "kind": kind, "kind_label": FormKind(kind).label, "current": current},
    )
