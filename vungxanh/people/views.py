"""Registry pages: the searchable person list, a person's record (audited, with who viewed
it), creating and editing with the exact-match offer, the chip ID card QR, households and
"who lives here" per village, the duplicates queue, imports and exports."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, add_errors, flash_errors
from vungxanh.core.jobs import start_job
from vungxanh.core.pagination import paginate, query_without_page
from vungxanh.core.scoping import object_view, require_perm, scope_of
from vungxanh.core.submissions import Submission
from vungxanh.geo.models import AdminUnit
from vungxanh.people import actions
from vungxanh.people.filters import DuplicateFilter, PersonFilter
from vungxanh.people.forms import (
    IMPORT_COLUMNS,
    IMPORT_EXAMPLE,
    CccdQrForm,
    HouseholdAddressForm,
    HouseholdForm,
    MemberForm,
    NewPersonForm,
    NotDuplicateForm,
    PersonForm,
    RemoveMemberForm,
    UploadForm,
)
from vungxanh.people.imports import (
    EXPORT_INLINE_LIMIT,
    XLSX,
    export_name,
    export_queryset,
    record_export,
    workbook,
)
from vungxanh.people.models import DuplicateCandidate, Household, Person, Relation
from vungxanh.people.paging import slice_page
from vungxanh.people.panels import person_panels
from vungxanh.people.search import RankedNames, search_q

VIEW_PERSON = "people.view_person"
#: The form's name of the birth fields the actions name separately.
BIRTH = {"birth_year": "birth", "birth_date": "birth"}


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


def _persons(request: AuthedHttpRequest, action: str = "view") -> Any:
    return Person.objects.restrict(request.user, action)


def _can(request: AuthedHttpRequest, perm: str) -> bool:
    return scope_of(request.user).has_perm(perm)


# --- list and search -------------------------------------------------------------------------


@login_required
def person_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, VIEW_PERSON)
    base = _persons(request).current()
    filterset = PersonFilter(request.GET, queryset=base, request=request)
    persons = filterset.qs if filterset.is_valid() else base.none()
    query = search_q(request.GET.get("q", ""))
    if query.kind == "cccd" and filterset.is_valid():
        found = list(persons[:2])
        if len(found) == 1:
            return redirect("people:person-detail", public_id=found[0].public_id)
    related = ("residence_unit__parent", "household")
    if query.kind == "name" and query.value and filterset.is_valid():
        others = request.GET.copy()
        others.pop("q", None)
        scoped = PersonFilter(others, queryset=base, request=request).qs
        page = slice_page(request, RankedNames(scoped, query, related))
    else:
        page = slice_page(request, persons.order_by("name_folded", "id").select_related(*related))
    return render(
        request,
        "people/person_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "search": query,
            "can_add": _can(request, "people.add_person"),
        },
    )


# --- one person ------------------------------------------------------------------------------


@login_required
@object_view(Person)
def person_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    person = get_object_or_404(
        _persons(request).select_related(
            "residence_unit__parent", "temporary_unit__parent", "household__unit", "merged_into"
        ),
        public_id=public_id,
    )
    audit.record_view(actor=request.user, target=person, unit_path=person.residence_unit.path)
    events = audit.events_for(person)
    members = []
    if person.household_id:
        members = list(
            _persons(request)
            .current()
            .filter(household_id=person.household_id)
            .exclude(pk=person.pk)
            .order_by("birth_year")
        )
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "members": members,
            "viewers": events.filter(verb="view")[:20],
            "history": events.exclude(verb="view")[:20],
            "panels": person_panels(request, person),
            "can_change": actions.can_change(request.user, person) and not person.merged_into_id,
            "merged_from": _persons(request).filter(merged_into=person),
        },
    )


def _match_rows(
    request: AuthedHttpRequest, matches: list[tuple[str, Person]]
) -> list[dict[str, Any]]:
    """Matches the user may open, and a count of the ones outside their area (never named)."""
    visible = set(
        _persons(request).filter(pk__in=[p.pk for _k, p in matches]).values_list("pk", flat=True)
    )
    return [
        {"person": p if p.pk in visible else None, "how": actions.describe_match(kind)}
        for kind, p in matches
    ]


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.add_person")
    household = None
    household_id = parse_uuid(request.POST.get("household") or request.GET.get("household", ""))
    if household_id is not None:
        household = (
            Household.objects.restrict(request.user, "change")
            .select_related("unit")
            .filter(public_id=household_id)
            .first()
        )
    initial = request.session.pop("people_prefill", None) if request.method == "GET" else None
    if household is not None and initial is None:
        initial = {"residence_unit": household.unit_id, "residence_address": household.address}
    form = NewPersonForm(request.POST or None, initial=initial, actor=request.user)
    matches: list[dict[str, Any]] = []
    once = Submission(request, "people:person-create")
    if request.method == "POST":
        if (again := once.repeat()) is not None:  # a double click: the first one registered
            return again
        if form.is_valid():
            relation = request.POST.get("relation", "") if household else ""
            try:
                person = actions.create_person(
                    actor=request.user,
                    household=household,
                    relation_to_head=relation if relation in Relation.values else "",
                    **form.action_kwargs(),
                )
            except actions.ExactMatch as exc:
                matches = _match_rows(request, exc.matches)
                form.add_error(None, exc.message)
            except ValidationError as exc:
                add_errors(form, exc, aliases=BIRTH)
            else:
                messages.success(request, _("%(name)s registered.") % {"name": person.full_name})
                return once.done(reverse("people:person-detail", args=[person.public_id]))
        once.release()  # refused: the corrected form may be sent with the same key
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "matches": matches,
            "household": household,
            "relations": Relation.choices,
            "creating": True,
        },
    )


@login_required
@object_view(Person)
@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    person = get_object_or_404(_persons(request, "change").current(), public_id=public_id)
    initial = {
        "full_name": person.full_name,
        "birth": person.birth_display,
        "sex": person.sex,
        "cccd": person.cccd or "",
        "cmnd": person.cmnd,
        "passport": person.passport,
        "phone": ("0" + person.phone[3:]) if person.phone else "",
        "other_phone": ("0" + person.other_phone[3:]) if person.other_phone else "",
        "residence_unit": person.residence_unit_id,
        "residence_address": person.residence_address,
        "temporary_unit": person.temporary_unit_id,
        "temporary_address": person.temporary_address,
        "occupation": person.occupation,
        "workplace": person.workplace,
        "comorbidities": person.comorbidities,
        "pregnancy_week": person.pregnancy_week,
        "priority_groups": person.priority_groups,
    }
    if request.method == "GET":  # the form shows the whole record: a read, like the page
        audit.record_view(actor=request.user, target=person, unit_path=person.residence_unit.path)
    form = PersonForm(request.POST or None, initial=initial, actor=request.user)
    if person.residence_unit_id:  # keep the current place selectable even if outside scope
        field: Any = form.fields["residence_unit"]
        field.queryset = field.queryset | AdminUnit.objects.filter(pk=person.residence_unit_id)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_person(actor=request.user, person=person, **form.action_kwargs())
        except ValidationError as exc:
            add_errors(form, exc, aliases=BIRTH)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("people:person-detail", public_id=person.public_id)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_scan(request: AuthedHttpRequest) -> HttpResponse:
    """Read a chip ID card's QR: open the person, or start registering them."""
    require_perm(request.user, VIEW_PERSON)
    form = CccdQrForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        card = form.cleaned_data["qr"]
        found = Person.objects.current().filter(cccd=card.cccd).first()
        if found is not None:
            if _persons(request).filter(pk=found.pk).exists():
                return redirect("people:person-detail", public_id=found.public_id)
            form.add_error(
                None,
                _(
                    "This citizen ID is registered in another area. Ask that area, or the "
                    "district, to record the person's temporary residence here."
                ),
            )
        elif not _can(request, "people.add_person"):
            form.add_error(None, _("Nobody with this citizen ID is registered in your area."))
        else:
            request.session["people_prefill"] = {
                "full_name": card.full_name,
                "birth": card.birth_date.strftime("%d/%m/%Y"),
                "sex": card.sex,
                "cccd": card.cccd,
                "cmnd": card.cmnd or "",
                "residence_address": card.address,
            }
            messages.info(
                request,
                _("Nobody with this citizen ID is registered yet: check the details and save."),
            )
            return redirect("people:person-create")
    return render(request, "people/person_scan.html", {"form": form})


# --- who lives here --------------------------------------------------------------------------


@login_required
@object_view(AdminUnit)
def unit_residents(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """For door-to-door teams: the households of a village with every member; for a commune,
    its villages with their counts."""
    unit = get_object_or_404(
        AdminUnit.objects.restrict(request.user, "view").filter(level__gte=3), public_id=public_id
    )
    if not scope_of(request.user).covers(VIEW_PERSON, "view", unit.path):
        return render(request, "404.html", status=404)
    persons = _persons(request).current()
    context: dict[str, Any] = {"unit": unit}
    if unit.level == AdminUnit.Level.COMMUNE:
        villages = list(AdminUnit.objects.filter(parent=unit).current().order_by("code"))
        counts = dict(
            persons.filter(residence_unit__in=villages)
            .values_list("residence_unit")
            .annotate(n=Count("id"))
        )
        households = dict(
            Household.objects.restrict(request.user, "view")
            .filter(unit__in=villages)
            .values_list("unit")
            .annotate(n=Count("id"))
        )
        context["villages"] = [
            {"unit": v, "persons": counts.get(v.pk, 0), "households": households.get(v.pk, 0)}
            for v in villages
        ]
        context["unplaced"] = persons.filter(residence_unit=unit).count()
    else:
        members = persons.order_by("birth_year", "id")
        in_village = (
            Household.objects.restrict(request.user, "view")
            .filter(unit=unit)
            .select_related("head")
            .prefetch_related(Prefetch("members", queryset=members, to_attr="residents"))
            .order_by("address", "id")
        )
        page = paginate(request, in_village, per_page=100)
        context["page"] = page
        context["query"] = query_without_page(request)
        context["loose"] = persons.filter(
            Q(residence_unit=unit) | Q(temporary_unit=unit), household__isnull=True
        ).order_by("name_folded")[:500]
        context["lodgers"] = (
            persons.filter(temporary_unit=unit)
            .exclude(household__unit=unit)
            .exclude(household__isnull=True)
            .order_by("name_folded")[:500]
        )
    audit.record(
        actor=request.user,
        verb="view_residents",
        target=unit,
        unit_path=unit.path,
    )
    context["can_add"] = scope_of(request.user).covers("people.add_household", "add", unit.path)
    return render(request, "people/unit_residents.html", context)


# --- households ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.add_household")
    initial = {}
    unit_id = parse_uuid(request.GET.get("unit", ""))
    if unit_id is not None:
        unit = AdminUnit.objects.filter(public_id=unit_id).first()
        if unit is not None:
            initial["unit"] = unit.pk
    form = HouseholdForm(request.POST or None, initial=initial, actor=request.user)
    once = Submission(request, "people:household-create")
    if request.method == "POST":
        if (again := once.repeat()) is not None:
            return again
        if form.is_valid():
            try:
                household = actions.create_household(
                    actor=request.user,
                    unit=form.cleaned_data["unit"],
                    address=form.cleaned_data["address"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Household created. Add its members."))
                return once.done(reverse("people:household-detail", args=[household.public_id]))
        once.release()
    return render(request, "people/household_form.html", {"form": form})


@login_required
@object_view(Household)
def household_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    return _household_page(request, public_id)


def _household_page(
    request: AuthedHttpRequest, public_id: Any, *, address_form: HouseholdAddressForm | None = None
) -> HttpResponse:
    """The household's page; with a refused address, the form as sent, with its error."""
    household = get_object_or_404(
        Household.objects.restrict(request.user, "view").select_related("unit__parent", "head"),
        public_id=public_id,
    )
    members = list(
        _persons(request).current().filter(household=household).order_by("birth_year", "id")
    )
    can_change = Household.objects.restrict(request.user, "change").filter(pk=household.pk).exists()
    candidates: list[Person] = []
    text = request.GET.get("q", "").strip()
    if can_change and text:
        candidates = list(
            _persons(request, "change")
            .current()
            .search(text)
            .exclude(household=household)
            .select_related("residence_unit")[:20]
        )
    audit.record_view(actor=request.user, target=household, unit_path=household.unit.path)
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "members": members,
            "can_change": can_change,
            "candidates": candidates,
            "searched": text,
            "relations": Relation.choices,
            "address_form": address_form
            or HouseholdAddressForm(initial={"address": household.address}),
            "address_open": address_form is not None,
        },
        status=200 if address_form is None else 400,
    )


def _changeable_household(request: AuthedHttpRequest, public_id: str) -> Household:
    return get_object_or_404(
        Household.objects.restrict(request.user, "change"), public_id=public_id
    )


@login_required
@object_view(Household)
@require_POST
def household_edit(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    household = _changeable_household(request, public_id)
    form = HouseholdAddressForm(request.POST)
    if not form.is_valid():
        return _household_page(request, household.public_id, address_form=form)
    actions.update_household(
        actor=request.user, household=household, address=form.cleaned_data["address"]
    )
    messages.success(request, _("Changes saved."))
    return redirect("people:household-detail", public_id=household.public_id)


@login_required
@object_view(Household)
@require_POST
def household_member_add(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    household = _changeable_household(request, public_id)
    form = MemberForm(request.POST)
    if form.is_valid():
        person = get_object_or_404(
            _persons(request, "change").current(), public_id=form.cleaned_data["person"]
        )
        try:
            actions.add_to_household(
                actor=request.user,
                household=household,
                person=person,
                relation=form.cleaned_data["relation"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.full_name})
    else:
        flash_errors(request, form)
    return redirect("people:household-detail", public_id=household.public_id)


@login_required
@object_view(Household)
@require_POST
def household_member_remove(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    household = _changeable_household(request, public_id)
    form = RemoveMemberForm(request.POST)
    if form.is_valid():
        person = get_object_or_404(
            _persons(request, "change").filter(household=household),
            public_id=form.cleaned_data["person"],
        )
        actions.remove_from_household(actor=request.user, household=household, person=person)
        messages.success(request, _("%(name)s removed.") % {"name": person.full_name})
    else:
        flash_errors(request, form)
    return redirect("people:household-detail", public_id=household.public_id)


# --- duplicates ------------------------------------------------------------------------------


@login_required
def duplicate_list(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.view_duplicatecandidate")
    base = DuplicateCandidate.objects.restrict(request.user, "view")
    data = request.GET.copy()
    data.setdefault("status", DuplicateCandidate.Status.OPEN)
    filterset = DuplicateFilter(data, queryset=base)
    pairs = filterset.qs if filterset.is_valid() else base.none()
    pairs = pairs.select_related(
        "person_a__residence_unit", "person_b__residence_unit", "resolved_by"
    ).order_by("-score", "-found_at", "id")
    page = paginate(request, pairs, per_page=50)
    return render(
        request,
        "people/duplicate_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query_without_page(request),
            "can_scan": _can(request, "people.change_person"),
        },
    )


@login_required
@object_view(DuplicateCandidate)
def duplicate_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    return _duplicate_page(request, public_id)


def _duplicate_page(
    request: AuthedHttpRequest, public_id: Any, *, dismiss_form: NotDuplicateForm | None = None
) -> HttpResponse:
    """The pair side by side; with a refused "not the same person", the form as sent."""
    pair = get_object_or_404(
        DuplicateCandidate.objects.restrict(request.user, "view").select_related(
            "person_a__residence_unit__parent",
            "person_b__residence_unit__parent",
            "person_a__household",
            "person_b__household",
        ),
        public_id=public_id,
    )
    for person in (pair.person_a, pair.person_b):
        audit.record_view(actor=request.user, target=person, unit_path=person.residence_unit.path)
    rows = [
        (_("Full name"), "full_name"),
        (_("Date or year of birth"), "birth_display"),
        (_("Sex"), "get_sex_display"),
        (_("Citizen ID (CCCD)"), "cccd"),
        (_("Phone"), "phone"),
        (_("Permanent residence"), "residence_unit"),
        (_("Address"), "residence_address"),
        (_("Household"), "household"),
        (_("Occupation"), "occupation"),
        (_("Registered"), "created_at"),
    ]

    def value(person: Person, attr: str) -> Any:
        v = getattr(person, attr)
        return v() if callable(v) else v

    table = [
        (label, value(pair.person_a, attr), value(pair.person_b, attr)) for label, attr in rows
    ]
    return render(
        request,
        "people/duplicate_detail.html",
        {
            "pair": pair,
            "table": table,
            "can_change": DuplicateCandidate.objects.restrict(request.user, "change")
            .filter(pk=pair.pk)
            .exists()
            and pair.status == DuplicateCandidate.Status.OPEN,
            "dismiss_form": dismiss_form or NotDuplicateForm(),
        },
        status=200 if dismiss_form is None else 400,
    )


def _open_pair(request: AuthedHttpRequest, public_id: str) -> DuplicateCandidate:
    return get_object_or_404(
        DuplicateCandidate.objects.restrict(request.user, "change").select_related(
            "person_a", "person_b"
        ),
        public_id=public_id,
    )


@login_required
@object_view(DuplicateCandidate)
@require_POST
def duplicate_merge(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    pair = _open_pair(request, public_id)
    keep_id = request.POST.get("keep", "")
    by_id = {
        str(pair.person_a.public_id): pair.person_a,
        str(pair.person_b.public_id): pair.person_b,
    }
    keep = by_id.get(keep_id)
    if keep is None:
        messages.error(request, _("Choose the record to keep."))
        return redirect("people:duplicatecandidate-detail", public_id=pair.public_id)
    other = pair.person_b if keep.pk == pair.person_a_id else pair.person_a
    try:
        actions.merge_persons(actor=request.user, keep=keep, other=other)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("people:duplicatecandidate-detail", public_id=pair.public_id)
    messages.success(request, _("The two records were merged."))
    return redirect("people:person-detail", public_id=keep.public_id)


@login_required
@object_view(DuplicateCandidate)
@require_POST
def duplicate_dismiss(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    pair = _open_pair(request, public_id)
    form = NotDuplicateForm(request.POST)
    if not form.is_valid():  # e.g. a note too long: keep it on screen, decide nothing yet
        return _duplicate_page(request, pair.public_id, dismiss_form=form)
    actions.mark_not_duplicate(
        actor=request.user,
        person_a=pair.person_a,
        person_b=pair.person_b,
        note=form.cleaned_data["note"],
    )
    messages.success(
        request, _("Recorded: not the same person. This pair will not be offered again.")
    )
    return redirect("people:duplicatecandidate-list")


@login_required
@require_POST
def duplicate_scan(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.change_person")
    roots = scope_of(request.user).paths("people.change_person", "change")
    unit = AdminUnit.objects.filter(path__in=roots).order_by("path").first()
    if unit is None:
        messages.error(request, _("You have no area to scan."))
        return redirect("people:duplicatecandidate-list")
    job = start_job(
        actor=request.user,
        kind="vungxanh.people.duplicates.scan_duplicates",
        label=_("Find likely duplicates: %(unit)s") % {"unit": unit.name},
        params={"unit": str(unit.public_id)},
        unit_path=unit.path,
    )
    return redirect("core:job-detail", public_id=job.public_id)


# --- import and export -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_import(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.add_person")
    form = UploadForm(request.POST or None, request.FILES or None)
    once = Submission(request, "people:person-import")
    if request.method == "POST":
        if (again := once.repeat()) is not None:  # one import per upload, not two
            return again
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = start_job(
                actor=request.user,
                kind="vungxanh.people.imports.import_people",
                label=_("Import people: %(file)s") % {"file": upload.name},
                input_name=upload.name,
                input_data=upload.read(),
            )
            return once.done(reverse("core:job-detail", args=[job.public_id]))
        once.release()
    return render(request, "people/person_import.html", {"form": form, "columns": IMPORT_COLUMNS})


@login_required
def person_import_template(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.add_person")
    if request.GET.get("format") == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(IMPORT_COLUMNS)
        writer.writerow(IMPORT_EXAMPLE)
        response = HttpResponse(text.getvalue().encode("utf-8-sig"), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="vungxanh-people-template.csv"'
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "people"
    sheet.append(IMPORT_COLUMNS)
    sheet.append(IMPORT_EXAMPLE)
    for column in ("cccd", "phone", "unit_code", "birth"):
        letter = chr(ord("A") + IMPORT_COLUMNS.index(column))
        for cell in sheet[letter]:
            cell.number_format = "@"  # text: keeps leading zeros
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="vungxanh-people-template.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def person_export(request: AuthedHttpRequest) -> HttpResponse:
    require_perm(request.user, "people.view_person")
    query = request.GET.urlencode() if request.method == "GET" else request.POST.get("query", "")
    persons = export_queryset(request.user, query)
    if request.method == "GET":
        return render(
            request,
            "people/person_export.html",
            {"count": persons.count(), "query": query, "limit": EXPORT_INLINE_LIMIT},
        )
    count = persons.count()
    if count > EXPORT_INLINE_LIMIT:
        job = start_job(
            actor=request.user,
            kind="vungxanh.people.imports.export_people",
            label=_("Export %(count)d persons") % {"count": count},
            params={"query": query},
        )
        return redirect("core:job-detail", public_id=job.public_id)
    data = workbook(persons)
    record_export(request.user, query, count)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{export_name()}"'
    return response


def list_url_for(unit: AdminUnit) -> str:
    return f"{reverse('people:person-list')}?unit={unit.public_id}"
