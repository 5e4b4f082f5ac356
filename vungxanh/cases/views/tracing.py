"""F1 proposals ("show more" with htmx), decisions, interview contacts and F2 on demand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from vungxanh.cases import actions, services
from vungxanh.cases.forms import ConfirmTopForm, ContactForm
from vungxanh.cases.models import Case, Contact
from vungxanh.cases.views.common import (
    can,
    case_label,
    get_case,
    get_contact,
    is_htmx,
    visible_case_ids,
)
from vungxanh.core import audit
from vungxanh.core.http import AuthedHttpRequest, add_errors, flash_errors
from vungxanh.core.scoping import object_view
from vungxanh.people.models import Person


def _offset(request: AuthedHttpRequest) -> int:
    try:
        return max(0, min(int(request.GET.get("offset", 0)), 1_000_000))
    except ValueError:
        return 0


def proposal_context(request: AuthedHttpRequest, case: Case, offset: int = 0) -> dict[str, Any]:
    """One page of F1 proposals, strongest first: on the first page the household (with the
    check-ins its members shared with the case) and the stored proposals (interview), then
    the check-in overlaps of everyone else; "show more" asks for the next page. Each person
    appears once. Never a wall of thousands. Showing them is audited."""
    page = services.f1_candidates(case, offset=offset)  # the household left out
    household: list[Person] = []
    shared: dict[int, services.Candidate] = {}
    stored: list[Contact] = []
    if offset == 0:
        decided = set(
            case.contacts.filter(degree=Contact.Degree.F1)
            .exclude(status=Contact.Status.PROPOSED)
            .values_list("person_id", flat=True)
        )
        stored = list(
            case.contacts.filter(degree=Contact.Degree.F1, status=Contact.Status.PROPOSED)
            .select_related("person", "unit", "venue")
            .order_by("-strength", "pk")
        )
        stored_ids = {c.person_id for c in stored}
        household = [
            p
            for p in actions.household_members(case)
            if p.pk not in decided and p.pk not in stored_ids
        ]
        if household:
            # Household members who also shared a place with the case: one row each, the
            # household's, with the check-ins shown on it.
            shared = {
                c.person_id: c
                for c in services.f1_candidates(case, household="only", limit=len(household)).items
            }
    # Proposals who are cases already: named by number only when the official may open
    # that case.
    already = list(
        Case.objects.not_discarded().filter(person_id__in=[p.person_id for p in page.items])
    )
    visible = visible_case_ids(request, {c.pk for c in already})
    known = {c.person_id: case_label(c, visible) for c in already}
    shown = len(page.items) + len(household) + len(stored)
    # The proposals of the first page in the order shown: "confirm the N strongest".
    top = (
        [p.public_id for p in household]
        + [c.person.public_id for c in stored]
        + [p.person_public_id for p in page.items]
        if offset == 0
        else []
    )
    if shown:
        audit.record(
            actor=request.user,
            verb="view_proposals",
            target=case,
            unit_path=case.responsible_unit.path,
            extra={"offset": offset, "shown": shown, "total": page.total},
        )
    return {
        "case": case,
        "page": page,
        "rows": [(p, known.get(p.person_id, "")) for p in page.items],
        "household": [(p, shared.get(p.pk)) for p in household],
        "stored": stored,
        "offset": offset,
        "can_change": case.is_confirmed and can(request, case),
        "top_ids": ",".join(str(pk) for pk in top),
        "top_count": len(top),
        "top_default": min(len(top), 10),
    }


@login_required
@object_view(Case)
def case_proposals(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id)
    context = proposal_context(request, case, _offset(request))
    if is_htmx(request):
        return render(request, "cases/_proposal_rows.html", context)
    return render(request, "cases/proposals.html", context)


@login_required
@object_view(Case)
@require_POST
def proposal_decide(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    person = _proposal_person(request, case, request.POST.get("person"))
    decision = request.POST.get("decision")
    error = ""
    contact = None
    if person is None or decision not in {"confirm", "dismiss"}:
        error = _("Choose a person and a decision.")
    else:
        try:
            contact = actions.decide_proposal(
                actor=request.user,
                case=case,
                person=person,
                confirm=decision == "confirm",
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if is_htmx(request):
        return render(
            request,
            "cases/proposal_decided.html",
            {"case": case, "contact": contact, "person": person, "error": error},
        )
    if error:
        messages.error(request, error)
    elif contact is not None:
        messages.success(request, _("Decision saved."))
    return redirect("cases:case-detail", public_id=case.public_id)


@login_required
@object_view(Case)
@require_POST
def proposal_confirm_top(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """Confirm the N strongest proposals shown on the case page, one audited decision each."""
    case = get_case(request, public_id, "change")
    form = ConfirmTopForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(reverse("cases:case-detail", args=[case.public_id]) + "#proposals")
    chosen = form.chosen()
    by_id = {p.public_id: p for p in Person.objects.current().filter(public_id__in=chosen)}
    persons = [by_id[pk] for pk in chosen if pk in by_id]
    known = _known_person_ids(request, case, [p.pk for p in persons])
    try:
        result = actions.confirm_proposals(actor=request.user, case=case, persons=persons)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        # Someone the official may not see and who is no proposal of this case (an id
        # typed into the form) is never named.
        unknown = [p for p, _why in result.refused if p.pk not in known]
        refused = [(p, why) for p, why in result.refused if p.pk in known]
        if result.confirmed:
            messages.success(
                request,
                ngettext(
                    "%(n)d F1 confirmed; their communes have tracing tasks.",
                    "%(n)d F1 confirmed; their communes have tracing tasks.",
                    len(result.confirmed),
                )
                % {"n": len(result.confirmed)},
            )
        if result.already:
            messages.info(
                request,
                _("Already decided meanwhile, left as they are: %(names)s.")
                % {"names": ", ".join(p.full_name for p in result.already)},
            )
        for person, why in refused:
            messages.error(request, f"{person.full_name}: {why}")
        if unknown:
            messages.error(
                request,
                ngettext(
                    "%(n)d person is not a proposal of this case and was left out.",
                    "%(n)d persons are not proposals of this case and were left out.",
                    len(unknown),
                )
                % {"n": len(unknown)},
            )
    return redirect(reverse("cases:case-detail", args=[case.public_id]) + "#proposals")


def _uuid_or_none(value: Any) -> Any:
    import uuid

    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _known_person_ids(request: AuthedHttpRequest, case: Case, ids: list[int]) -> set[int]:
    """Which of these persons the official may know about on this case's page: persons of
    their area, the case's person, its household and its recorded contacts."""
    if not ids:
        return set()
    known = set(
        Person.objects.restrict(request.user, "view")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    known |= set(
        case.contacts.filter(person_id__in=ids).values_list("person_id", flat=True).distinct()
    )
    household = case.person.household_id
    if household is not None:
        known |= set(
            Person.objects.filter(pk__in=ids, household_id=household).values_list("pk", flat=True)
        )
    if case.person_id in ids:
        known.add(case.person_id)
    return known


def _proposal_person(request: AuthedHttpRequest, case: Case, raw: Any) -> Person | None:
    """The person an F1 decision names (a public id from the form): someone the official
    may see, or someone the case's proposals show (household, recorded contact, check-in
    overlap with the case). Anyone else is treated as unknown, exactly like an id that
    does not exist: a foreign id reveals nothing."""
    person = Person.objects.current().filter(public_id=_uuid_or_none(raw)).first()
    if person is None:
        return None
    if person.pk in _known_person_ids(request, case, [person.pk]):
        return person
    if services.f1_exposure(case, person.pk):
        return person
    return None


def _f2_person(request: AuthedHttpRequest, contact: Contact, raw: Any) -> Person | None:
    """The person an F2 decision names: someone the official may see, an F2 already
    recorded through this F1, or someone who met the F1 in their F2 window."""
    person = Person.objects.current().filter(public_id=_uuid_or_none(raw)).first()
    if person is None:
        return None
    if Person.objects.restrict(request.user, "view").filter(pk=person.pk).exists():
        return person
    if contact.f2_contacts.filter(person=person).exists():
        return person
    source = services.f1_source_of(contact)
    exposures = services.pair_exposures(
        contact.case, contact.person_id, person.pk, source.since, source.until
    )
    return person if exposures else None


@login_required
@object_view(Case)
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    case = get_case(request, public_id, "change")
    form = ContactForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        exposure = {
            "exposure_type": data["exposure_type"],
            "exposure_start": data["exposure_start"],
            "exposure_end": data["exposure_end"],
            "within_2m": data["within_2m"],
            "masked": data["masked"],
            "note": data["note"],
            "confirm": data["confirm"],
        }
        created = False
        try:
            if data["new_person"] is not None:
                contact, created = actions.add_interview_contact(
                    actor=request.user, case=case, identity=data["new_person"], **exposure
                )
            else:
                contact = actions.add_contact(
                    actor=request.user, case=case, person=data["person_obj"], **exposure
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if created:
                messages.info(
                    request,
                    _("%(name)s was not in the registry and is now registered (self-declared).")
                    % {"name": contact.person.full_name},
                )
            if contact.status == Contact.Status.CONFIRMED:
                messages.success(request, _("F1 confirmed; the commune has a tracing task."))
            else:
                messages.success(request, _("Contact added to the proposals."))
            return redirect("cases:case-detail", public_id=case.public_id)
    return render(request, "cases/contact_form.html", {"case": case, "form": form})


@login_required
@object_view(Contact)
def contact_detail(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """An F1 (or F2): the exposure, the task, and their own contacts (F2) on demand. The
    F1's commune sees this page for its task; the case itself only by number."""
    contact = get_contact(request, public_id)
    audit.record_view(actor=request.user, target=contact, unit_path=contact.unit.path)
    case_visible = Case.objects.restrict(request.user, "view").filter(pk=contact.case_id).exists()
    # F2 are traced by the case's officials: the F1's commune sees its task, not them.
    f2 = (
        list(
            contact.f2_contacts.exclude(status=Contact.Status.DISMISSED)
            .select_related("person", "unit")
            .order_by("-strength")[:200]
        )
        if case_visible
        else []
    )
    return render(
        request,
        "cases/contact_detail.html",
        {
            "contact": contact,
            "case_visible": case_visible,
            "f2": f2,
            "can_change": can(request, contact),
            "window": services.f1_source_of(contact) if contact.degree == 1 else None,
        },
    )


def _get_f1_of_visible_case(
    request: AuthedHttpRequest, public_id: str, action: str = "view"
) -> Contact:
    """A contact whose case the official may see (``action``): F2 work on it."""
    contact = get_contact(request, public_id, action)
    if not Case.objects.restrict(request.user, action).filter(pk=contact.case_id).exists():
        raise Http404
    return contact


@login_required
@object_view(Contact)
def contact_f2(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    """F2 proposals of one confirmed F1, on demand, ranked and capped (for the officials
    of the case)."""
    contact = _get_f1_of_visible_case(request, public_id)
    if contact.degree != Contact.Degree.F1 or contact.status != Contact.Status.CONFIRMED:
        page = services.CandidatePage(total=0, offset=0, items=[])
    else:
        page = services.f2_candidates(contact.case, [services.f1_source_of(contact)])
    if page.items:
        audit.record(
            actor=request.user,
            verb="view_proposals",
            target=contact,
            unit_path=contact.unit.path,
            extra={"degree": "F2", "shown": len(page.items), "total": page.total},
        )
    return render(
        request,
        "cases/f2_proposals.html",
        {
            "contact": contact,
            "page": page,
            "cap": services.rules_for(contact.case).f2_cap,
            "can_change": can(request, contact.case),
            "is_htmx": is_htmx(request),
        },
    )


@login_required
@object_view(Contact)
@require_POST
def contact_f2_decide(request: AuthedHttpRequest, public_id: str) -> HttpResponse:
    contact = _get_f1_of_visible_case(request, public_id, "change")
    person = _f2_person(request, contact, request.POST.get("person"))
    if person is None:
        raise Http404
    decision = request.POST.get("decision")
    error = ""
    decided = None
    try:
        decided = actions.decide_f2(
            actor=request.user, f1=contact, person=person, confirm=decision == "confirm"
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        return render(
            request,
            "cases/proposal_decided.html",
            {"case": contact.case, "contact": decided, "person": person, "error": error},
        )
    if error:
        flash_errors(request, ValidationError(error))
    else:
        messages.success(request, _("Decision saved."))
    return redirect("cases:contact-detail", public_id=contact.public_id)
