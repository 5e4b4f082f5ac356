"""Contacts (F1 proposals decided, interview contacts, F2) and tracing tasks."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.cases import services
from vungxanh.cases.actions.clusters import link_clusters
from vungxanh.cases.actions.common import (
    FUTURE_TOLERANCE,
    LAB_REPORT_PERM,
    check_not_before,
    lock_case,
    lock_person,
    task_audit,
    user_of,
)
from vungxanh.cases.models import (
    Case,
    Contact,
    ExposureType,
    TracingTask,
)
from vungxanh.cases.rules import TracingRules, rules_of
from vungxanh.core import audit
from vungxanh.core.scoping import OutOfScope, require, scope_of
from vungxanh.geo.models import AdminUnit
from vungxanh.people.actions import identify_person
from vungxanh.people.models import Person


def ensure_task(
    actor: Any, contact: Contact, rules: TracingRules, now: datetime.datetime
) -> TracingTask:
    """The open tracing task of a confirmed F1 (one per person, however many cases)."""
    lock_person(contact.person)
    task = TracingTask.objects.filter(person_id=contact.person_id, status="open").first()
    if task is None:
        task = TracingTask.objects.create(
            person_id=contact.person_id,
            unit_id=contact.unit_id,
            case=contact.case,
            created_at=now,
            notify_due_at=now + datetime.timedelta(hours=rules.notify_due_hours),
            due_at=now + datetime.timedelta(hours=rules.sample_due_hours),
        )
        task_audit(actor, "create_task", task)
    contact.task = task
    contact.save(update_fields=["task"])
    return task


def task_or_link(
    actor: Any, contact: Contact, rules: TracingRules, now: datetime.datetime
) -> TracingTask | None:
    """What a confirmed F1 gets: a tracing task, unless the person already has an active
    confirmed case of their own. Then the contact is recorded as that case (no task: they
    are isolated as a case) and the two cases are linked into a cluster."""
    own_case = (
        Case.objects.active()
        .confirmed()
        .filter(person_id=contact.person_id)
        .exclude(pk=contact.case_id)
        .first()
    )
    if own_case is None:
        return ensure_task(actor, contact, rules, now)
    if contact.became_case_id != own_case.pk:
        contact.became_case = own_case
        contact.save(update_fields=["became_case"])
    link_clusters(actor, contact.case, now)
    return None


def _exposure_summary(exposures: list[dict[str, Any]]) -> dict[str, Any]:
    best = max(exposures, key=lambda e: e["minutes"])
    return {
        "exposure_start": min(e["start"] for e in exposures),
        "exposure_end": max(e["end"] for e in exposures),
        "overlap_minutes": round(sum(e["minutes"] for e in exposures)),
        "venue_id": best["venue_id"],
        "is_indoor": any(e["indoor"] for e in exposures),
        "strength": round(sum(e["weight"] for e in exposures), 2),
        "exposure_type": ExposureType.TRANSPORT
        if best["kind"] == "vehicle"
        else ExposureType.VENUE,
        "exposures": [
            {
                "venue": e["venue"],
                "venue_id": e["venue_id"],
                "start": e["start"].isoformat(),
                "end": e["end"].isoformat(),
                "minutes": e["minutes"],
            }
            for e in exposures[:50]
        ],
    }


#: The strength of a household contact (the proposals' scale: minutes × weights); shared
#: check-ins may make it stronger still.
HOUSEHOLD_STRENGTH = 1000.0


def household_members(case: Case) -> list[Person]:
    """Members of the case's household (the first F1 to look at)."""
    person = case.person
    if person.household_id is None:
        return []
    return list(
        Person.objects.filter(household_id=person.household_id, merged_into__isnull=True)
        .exclude(pk=person.pk)
        .select_related("residence_unit", "temporary_unit")
        .order_by("birth_year", "pk")
    )


def _contact_unit(person: Person) -> AdminUnit:
    return services.commune_of(services.living_unit(person))


@transaction.atomic
def decide_proposal(
    *, actor: Any, case: Case, person: Person, confirm: bool, note: str = ""
) -> Contact:
    """Confirm or dismiss one F1 proposal of ``case``: a stored proposal (household,
    interview), or a check-in overlap computed now (the exposure is recomputed here, not
    taken from the page). A confirmed F1 gets a tracing task in the commune where they
    live. Deciding again changes the decision."""
    require(actor, case, "change")
    case = lock_case(case)
    if case.is_discarded:
        raise ValidationError(_("A discarded case cannot be changed; reinstate it first."))
    if confirm and not case.is_confirmed:
        raise ValidationError(_("F1 are confirmed for confirmed cases only."))
    if person.pk == case.person_id:
        raise ValidationError(_("The case cannot be their own contact."))
    person = Person.objects.select_related("residence_unit", "temporary_unit").get(pk=person.pk)
    now = timezone.now()
    status = Contact.Status.CONFIRMED if confirm else Contact.Status.DISMISSED
    contact = (
        Contact.objects.select_for_update()
        .filter(case=case, person=person, degree=Contact.Degree.F1)
        .first()
    )
    if contact is None:
        exposures = services.f1_exposure(case, person.pk, now)
        if person.household_id and person.household_id == case.person.household_id:
            # One proposal, the strongest evidence kept: a household member is a household
            # contact, and the check-ins they shared with the case elsewhere stay recorded.
            fields = _exposure_summary(exposures) if exposures else {}
            fields["exposure_type"] = ExposureType.HOUSEHOLD
            fields["strength"] = max(HOUSEHOLD_STRENGTH, fields.get("strength", 0.0))
            origin = Contact.Origin.HOUSEHOLD
        elif exposures:
            fields = _exposure_summary(exposures)
            origin = Contact.Origin.CHECKIN
        else:
            raise ValidationError(
                _(
                    "No exposure to this case was found for this person; add them as an "
                    "interview contact instead."
                )
            )
        contact = Contact.objects.create(
            case=case,
            person=person,
            degree=Contact.Degree.F1,
            origin=origin,
            status=status,
            unit=_contact_unit(person),
            note=note.strip()[:255],
            decided_at=now,
            decided_by=user_of(actor),
            **fields,
        )
    else:
        if contact.status == Contact.Status.CLOSED:
            raise ValidationError(_("This contact was closed with a discarded case."))
        if contact.status == status:
            return contact
        contact.status = status
        contact.decided_at = now
        contact.decided_by = user_of(actor)
        if note:
            contact.note = note.strip()[:255]
        contact.save(update_fields=["status", "decided_at", "decided_by", "note"])
    audit.record(
        actor=actor,
        verb="confirm_contact" if confirm else "dismiss_contact",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={"person": person, "degree": "F1", "origin": contact.origin},
    )
    if not confirm:
        _drop_task_link(actor, contact, now)
        return contact
    # A contact who is already a case is recorded (the link feeds clusters and chains), but
    # gets no tracing task: they are isolated as a case.
    task_or_link(actor, contact, rules_of(case.rule_set), now)
    return contact


@dataclass
class BulkDecision:
    """What :func:`confirm_proposals` did, person by person."""

    confirmed: list[Contact] = field(default_factory=list)
    already: list[Person] = field(default_factory=list)
    refused: list[tuple[Person, str]] = field(default_factory=list)


@transaction.atomic
def confirm_proposals(*, actor: Any, case: Case, persons: Sequence[Person]) -> BulkDecision:
    """Confirm several F1 proposals at once (the strongest ones the official saw), each
    through :func:`decide_proposal` and audited as such. The case row is locked first, so
    two officials confirming the same proposals one after the other or at the same moment
    record each contact and each tracing task once: a proposal decided meanwhile (confirmed,
    dismissed or closed) is left as it is and reported. A proposal that cannot be confirmed
    (no exposure any more) is reported and the others are still confirmed."""
    require(actor, case, "change")
    case = lock_case(case)
    if case.is_discarded:
        raise ValidationError(_("A discarded case cannot be changed; reinstate it first."))
    if not case.is_confirmed:
        raise ValidationError(_("F1 are confirmed for confirmed cases only."))
    wanted = list({p.pk: p for p in persons}.values())
    decided = set(
        Contact.objects.filter(case=case, degree=Contact.Degree.F1, person__in=wanted)
        .exclude(status=Contact.Status.PROPOSED)
        .values_list("person_id", flat=True)
    )
    result = BulkDecision()
    for person in wanted:
        if person.pk in decided:
            result.already.append(person)
            continue
        try:
            contact = decide_proposal(actor=actor, case=case, person=person, confirm=True)
        except ValidationError as exc:
            result.refused.append((person, " ".join(exc.messages)))
        else:
            result.confirmed.append(contact)
    audit.record(
        actor=actor,
        verb="confirm_proposals",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={
            "confirmed": [c.person_id for c in result.confirmed],
            "already": [p.pk for p in result.already],
            "refused": [p.pk for p, _why in result.refused],
        },
    )
    return result


def _drop_task_link(actor: Any, contact: Contact, now: datetime.datetime) -> None:
    """A contact dismissed after being confirmed: its task closes unless another confirmed
    contact still needs it."""
    task = contact.task
    if task is None:
        return
    contact.task = None
    contact.save(update_fields=["task"])
    if task.status != TracingTask.Status.OPEN:
        return
    if Contact.objects.filter(task=task, status=Contact.Status.CONFIRMED).exists():
        return
    task.status = TracingTask.Status.CANCELLED
    task.closed_at = now
    task.save(update_fields=["status", "closed_at"])
    task_audit(actor, "cancel_task", task, reason="contact_dismissed")


def meets_f1_definition(
    *,
    exposure_type: str,
    within_2m: bool | None,
    masked: bool | None,
    minutes: int | None,
    rules: TracingRules,
) -> str | None:
    """``None`` if an interview contact may be an F1 (DOMAIN.md §2.2), else why not."""
    if exposure_type in {ExposureType.HOUSEHOLD, ExposureType.CARE}:
        return None
    if within_2m is False:
        return _("Contacts farther than 2 m are not F1.")
    if within_2m and masked and minutes is not None and minutes < rules.masked_min_minutes:
        return _("A masked contact within 2 m is an F1 from %(n)s minutes.") % {
            "n": rules.masked_min_minutes
        }
    return None


@transaction.atomic
def add_contact(
    *,
    actor: Any,
    case: Case,
    person: Person,
    exposure_type: str,
    exposure_start: datetime.datetime | None = None,
    exposure_end: datetime.datetime | None = None,
    within_2m: bool | None = None,
    masked: bool | None = None,
    note: str = "",
    confirm: bool = True,
) -> Contact:
    """A contact named in the interview (workplace, transport, care, other…), with time,
    distance and mask flags; confirmed at once (with a task) or kept as a proposal."""
    require(actor, case, "change")
    case = lock_case(case)
    if case.is_discarded:
        raise ValidationError(_("A discarded case cannot be changed; reinstate it first."))
    if person.pk == case.person_id:
        raise ValidationError(_("The case cannot be their own contact."))
    if exposure_type not in ExposureType.values:
        raise ValidationError({"exposure_type": _("Unknown kind of exposure.")})
    if exposure_start and exposure_end and exposure_end < exposure_start:
        raise ValidationError({"exposure_end": _("The end is before the start.")})
    now = timezone.now()
    if exposure_start and exposure_start > now + FUTURE_TOLERANCE:
        raise ValidationError({"exposure_start": _("The start cannot be in the future.")})
    if exposure_end and exposure_end > now + FUTURE_TOLERANCE:
        raise ValidationError({"exposure_end": _("The end cannot be in the future.")})
    earliest = services.landmark_window(case, now)[0]
    check_not_before(exposure_start, earliest, "exposure_start")
    check_not_before(exposure_end, earliest, "exposure_end")
    rules = rules_of(case.rule_set)
    minutes = (
        round((exposure_end - exposure_start).total_seconds() / 60)
        if exposure_start and exposure_end
        else None
    )
    if confirm:
        if not case.is_confirmed:
            raise ValidationError(_("F1 are confirmed for confirmed cases only."))
        why_not = meets_f1_definition(
            exposure_type=exposure_type,
            within_2m=within_2m,
            masked=masked,
            minutes=minutes,
            rules=rules,
        )
        if why_not:
            raise ValidationError(why_not)
    person = Person.objects.select_related("residence_unit", "temporary_unit").get(pk=person.pk)
    contact = (
        Contact.objects.select_for_update()
        .filter(case=case, person=person, degree=Contact.Degree.F1)
        .first()
    )
    if contact is not None and contact.status in {
        Contact.Status.CONFIRMED,
        Contact.Status.CLOSED,
    }:
        raise ValidationError(_("This person is already a contact of the case."))
    values = {
        "origin": Contact.Origin.INTERVIEW,
        "exposure_type": exposure_type,
        "exposure_start": exposure_start,
        "exposure_end": exposure_end,
        "overlap_minutes": minutes,
        "within_2m": within_2m,
        "masked": masked,
        "strength": 500.0
        if exposure_type in {ExposureType.HOUSEHOLD, ExposureType.CARE}
        else 200.0,
        "status": Contact.Status.CONFIRMED if confirm else Contact.Status.PROPOSED,
        "note": note.strip()[:255],
        "unit": _contact_unit(person),
        "decided_at": now if confirm else None,
        "decided_by": user_of(actor) if confirm else None,
    }
    if contact is None:
        contact = Contact.objects.create(case=case, person=person, degree=1, **values)
    else:
        for key, value in values.items():
            setattr(contact, key, value)
        contact.save()
    audit.record(
        actor=actor,
        verb="add_contact",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={"person": person, "exposure": exposure_type, "confirmed": confirm},
    )
    if confirm:
        task_or_link(actor, contact, rules, now)
    return contact


@dataclass(frozen=True)
class NewContactPerson:
    """What the interview gave about a contact who may not be in the registry yet."""

    full_name: str
    birth_year: int | None = None
    sex: str = ""
    cccd: str = ""
    phone: str = ""
    residence_unit: AdminUnit | None = None
    address: str = ""


@transaction.atomic
def add_interview_contact(
    *,
    actor: Any,
    case: Case,
    identity: NewContactPerson,
    exposure_type: str,
    exposure_start: datetime.datetime | None = None,
    exposure_end: datetime.datetime | None = None,
    within_2m: bool | None = None,
    masked: bool | None = None,
    note: str = "",
    confirm: bool = True,
) -> tuple[Contact, bool]:
    """A contact named in the interview by name, phone and address: found in the registry
    (citizen ID, or phone with name and year of birth) or registered now as self-declared
    (:func:`vungxanh.people.actions.identify_person`), then added as :func:`add_contact`
    does. Registering needs the name, year of birth, sex and a residence in the official's
    write scope. Returns ``(contact, person_created)``; nothing is kept if any step fails."""
    require(actor, case, "change")
    try:
        person, created = identify_person(
            actor=actor,
            cccd=identity.cccd,
            phone=identity.phone,
            full_name=identity.full_name,
            birth_year=identity.birth_year,
            sex=identity.sex,
            residence_unit=identity.residence_unit,
            address=identity.address,
            source="case_interview",
        )
    except OutOfScope:
        raise ValidationError(
            {
                "residence_unit": _(
                    "You may register only people who live in your area. For someone who "
                    "lives elsewhere, give their citizen ID or phone if they are registered, "
                    "or ask their commune to register them."
                )
            }
        ) from None
    contact = add_contact(
        actor=actor,
        case=case,
        person=person,
        exposure_type=exposure_type,
        exposure_start=exposure_start,
        exposure_end=exposure_end,
        within_2m=within_2m,
        masked=masked,
        note=note,
        confirm=confirm,
    )
    return contact, created


@transaction.atomic
def decide_f2(*, actor: Any, f1: Contact, person: Person, confirm: bool, note: str = "") -> Contact:
    """Record (or dismiss) an F2: a contact of the F1 ``f1`` from their first exposure to
    the case until they were quarantined. F2 get no tracing task; if the F1 later becomes a
    case, their confirmed F2 become that case's F1 (see :func:`confirm_case`)."""
    require(actor, f1, "change")
    f1 = (
        Contact.objects.select_for_update(of=("self",)).select_related("case", "task").get(pk=f1.pk)
    )
    case = f1.case
    # The F2 are recorded on the case: its officials trace them, not the F1's commune.
    require(actor, case, "change")
    if f1.degree != Contact.Degree.F1 or f1.status != Contact.Status.CONFIRMED:
        raise ValidationError(_("F2 are traced from confirmed F1 only."))
    if case.is_discarded:
        raise ValidationError(_("A discarded case cannot be changed; reinstate it first."))
    if person.pk in {case.person_id, f1.person_id}:
        raise ValidationError(_("This person is the case or the F1."))
    now = timezone.now()
    status = Contact.Status.CONFIRMED if confirm else Contact.Status.DISMISSED
    contact = (
        Contact.objects.select_for_update()
        .filter(case=case, person=person, degree=Contact.Degree.F2)
        .first()
    )
    if contact is None:
        src = services.f1_source_of(f1, now)
        exposures = services.pair_exposures(case, f1.person_id, person.pk, src.since, src.until)
        if not exposures:
            raise ValidationError(_("No exposure to this F1 was found for this person."))
        person = Person.objects.select_related("residence_unit", "temporary_unit").get(pk=person.pk)
        contact = Contact.objects.create(
            case=case,
            person=person,
            degree=Contact.Degree.F2,
            via=f1,
            origin=Contact.Origin.CHECKIN,
            status=status,
            unit=_contact_unit(person),
            note=note.strip()[:255],
            decided_at=now,
            decided_by=user_of(actor),
            **_exposure_summary(exposures),
        )
    elif contact.status != status:
        if contact.status == Contact.Status.CLOSED:
            raise ValidationError(_("This contact was closed with a discarded case."))
        contact.status = status
        contact.decided_at = now
        contact.save(update_fields=["status", "decided_at"])
    audit.record(
        actor=actor,
        verb="confirm_contact" if confirm else "dismiss_contact",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={"person": person, "degree": "F2", "via": f1.person_id},
    )
    return contact


TASK_STEPS = ("notified", "quarantined", "sampled")


@transaction.atomic
def record_task_step(
    *,
    actor: Any,
    task: TracingTask,
    step: str,
    at: datetime.datetime | None = None,
    quarantine_place: str = "",
    lab_reference: str = "",
    note: str = "",
) -> TracingTask:
    """The F1 was notified, quarantined or sampled. A step already recorded keeps its first
    time. When all three are done the task is done."""
    require(actor, task, "change")
    task = (
        TracingTask.objects.select_for_update(of=("self",))
        .select_related("unit", "case")
        .get(pk=task.pk)
    )
    if step not in TASK_STEPS:
        raise ValidationError({"step": _("Unknown step.")})
    if task.status != TracingTask.Status.OPEN:
        raise ValidationError(_("This task is closed."))
    now = timezone.now()
    moment = at or now
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationError({"at": _("The time cannot be in the future.")})
    check_not_before(moment, task.created_at, "at")
    field = f"{step}_at"
    before = audit.snapshot(task, [f"{s}_at" for s in TASK_STEPS] + ["status"])
    if getattr(task, field) is None:
        setattr(task, field, moment)
    if quarantine_place:
        task.quarantine_place = quarantine_place.strip()[:200]
    if lab_reference:
        task.lab_reference = lab_reference.strip()[:100]
    if note:
        task.note = note.strip()[:255]
    if task.notified_at and task.quarantined_at and task.sampled_at:
        task.status = TracingTask.Status.DONE
        task.closed_at = now
    task.save()
    audit.record(
        actor=actor,
        verb=f"task_{step}",
        target=task,
        unit_path=task.unit.path,
        target_label=str(task.person),
        changes=audit.diff(
            before, audit.snapshot(task, [f"{s}_at" for s in TASK_STEPS] + ["status"])
        ),
    )
    return task


@transaction.atomic
def record_contact_sampled(
    *,
    actor: Any,
    person: Person,
    sampled_at: datetime.datetime,
    lab_reference: str = "",
) -> int:
    """A sample of ``person`` was collected (called by the laboratory app): their open
    tracing tasks are marked sampled. Returns how many tasks changed."""
    scope = scope_of(actor)
    tasks = TracingTask.objects.select_for_update().filter(
        person_id=person.pk, status=TracingTask.Status.OPEN
    )
    changed = 0
    for task in tasks.select_related("unit", "case"):
        if not (
            scope.has_perm(LAB_REPORT_PERM)
            or scope.covers("cases.change_tracingtask", "change", task.unit.path)
        ):
            raise OutOfScope()
        if task.sampled_at is not None:
            continue
        _set_task_step(actor, task, "sampled", sampled_at, lab_reference)
        changed += 1
    return changed


def _set_task_step(
    actor: Any, task: TracingTask, step: str, at: datetime.datetime, lab_reference: str
) -> None:
    now = timezone.now()
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({"sampled_at": _("The time cannot be in the future.")})
    setattr(task, f"{step}_at", at)
    if lab_reference:
        task.lab_reference = lab_reference[:100]
    if task.notified_at and task.quarantined_at and task.sampled_at:
        task.status = TracingTask.Status.DONE
        task.closed_at = now
    task.save()
    task_audit(actor, f"task_{step}", task, lab_reference=lab_reference)
