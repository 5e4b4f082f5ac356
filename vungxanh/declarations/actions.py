"""Every write of the declarations app: declarations (public, door to door, staff),
follow-ups, monitoring and the health diary, and new versions of the forms.

``actor`` is a user, SYSTEM, or ``None`` for a resident on a public page (a declaration,
their own diary). Each action runs in one transaction and writes the audit log.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.core import audit
from vungxanh.core.scoping import OutOfScope, require, require_unit, scope_of
from vungxanh.declarations.models import (
    Channel,
    Declaration,
    DiaryEntry,
    FollowUp,
    FormDefinition,
    FormKind,
    Monitoring,
)
from vungxanh.declarations.questions import (
    QuestionError,
    check_answers,
    flags_of,
    validate_questions,
)
from vungxanh.geo.models import AdminUnit, Facility
from vungxanh.people import actions as people_actions
from vungxanh.people.duplicates import commune_of
from vungxanh.people.models import Household, Person

ADD_DECLARATION = "declarations.add_declaration"


def _user(actor: Any) -> Any:
    return actor if isinstance(actor, models.Model) else None


def form_in_force(kind: str, at: datetime.datetime | None = None) -> FormDefinition:
    form = FormDefinition.objects.in_force(kind, at)
    if form is None:
        raise ValidationError(_("No form of this kind is in force yet."))
    return form


# --- declarations ----------------------------------------------------------------------------


@transaction.atomic
def submit_declaration(
    *,
    actor: Any,
    kind: str,
    answers: Mapping[str, Any],
    channel: str,
    person: Person | None = None,
    identity: Mapping[str, Any] | None = None,
    unit: AdminUnit | None = None,
    address: str = "",
    token: uuid.UUID | None = None,
    place_code: str = "",
    facility: Facility | None = None,
    at: datetime.datetime | None = None,
) -> tuple[Declaration, bool]:
    """Record a declaration. The declarant is ``person`` (an official chose them) or is
    identified from ``identity`` (citizen ID, or phone + name + year of birth; a new
    self-declared person otherwise). ``unit`` is where they live or stay now (commune or
    village). The same ``token`` submitted again returns the first declaration, unchanged:
    ``(declaration, created)`` (see :func:`_sent_before`). Answers that need action raise
    follow-ups."""
    if kind not in FormKind.values or kind == FormKind.DIARY:
        raise ValidationError({"kind": _("Unknown kind of declaration.")})
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if token is not None and (done := _sent_before(actor, token)) is not None:
        return done, False
    at = at or timezone.now()
    form = form_in_force(kind, at)
    cleaned = check_answers(form.questions, answers)
    if unit is not None:
        people_actions.check_residence(unit, "unit")
    if actor is not None:
        place = unit or (person.temporary_unit or person.residence_unit if person else None)
        if place is None:
            raise ValidationError({"unit": _("Choose the commune or ward where the person is.")})
        require_unit(actor, ADD_DECLARATION, place.path)
    if person is None:
        ident = dict(identity or {})
        try:
            person, _created = people_actions.identify_person(
                actor=actor,
                cccd=ident.get("cccd", ""),
                phone=ident.get("phone", ""),
                full_name=ident.get("full_name", ""),
                birth_year=ident.get("birth_year"),
                birth_date=ident.get("birth_date"),
                sex=ident.get("sex", ""),
                residence_unit=unit,
                address=address,
                source="declaration",
            )
        except ValidationError as exc:
            raise _rename(exc, {"residence_unit": "unit"}) from None
    elif (
        actor is not None
        and not Person.objects.restrict(actor, "view").filter(pk=person.pk).exists()
    ):
        raise OutOfScope()
    place_unit = unit or person.temporary_unit or person.residence_unit
    declaration = Declaration(
        form=form,
        kind=kind,
        person=person,
        unit=place_unit,
        address=" ".join(address.split())[:255],
        submitted_at=at,
        channel=channel,
        answers=cleaned,
        flags=flags_of(form.questions, cleaned),
        place_code=place_code.strip()[:64],
        facility=facility,
        entered_by=_user(actor),
        token=token,
    )
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError:
        existing = _sent_before(actor, token) if token else None
        if existing is None:
            raise
        return existing, False
    audit.record(
        actor=actor,
        verb="submit_declaration",
        target=declaration,
        target_label=f"{declaration} · {person.full_name}",
        unit_path=place_unit.path,
        extra={
            "kind": kind,
            "channel": channel,
            "flags": declaration.flags,
            "person": str(person.public_id),
        },
    )
    for flag in declaration.flags:
        raise_follow_up(
            actor=actor, person=person, reason=flag, unit=place_unit, declaration=declaration, at=at
        )
    return declaration, True


def _sent_before(actor: Any, token: uuid.UUID) -> Declaration | None:
    """The declaration already recorded with ``token`` (a retry, a double click), checked
    against the actor's scope first: a user gets it back only if it is in their area, and
    is refused otherwise without learning anything about it. For a resident (``None``) the
    public page shows only what the resident sent, never the declaration's own content."""
    done = Declaration.objects.filter(token=token).first()
    if done is None or actor is None:
        return done
    if not Declaration.objects.restrict(actor, "view").filter(pk=done.pk).exists():
        raise ValidationError(
            {"token": _("This token was already used for another declaration: send a new one.")}
        )
    return done


@transaction.atomic
def submit_household_declarations(
    *,
    actor: Any,
    household: Household,
    entries: Iterable[tuple[Person, Mapping[str, Any]]],
    at: datetime.datetime | None = None,
) -> list[Declaration]:
    """The door-to-door screen: one whole-population declaration for each member met at
    home, all or none (a refused answer saves nobody, so that sending the corrected
    household again declares nobody twice)."""
    saved = []
    for person, answers in entries:
        if person.household_id != household.pk:
            raise ValidationError(
                _("%(name)s is not a member of this household.") % {"name": person.full_name}
            )
        declaration, _created = submit_declaration(
            actor=actor,
            kind=FormKind.POPULATION,
            answers=answers,
            channel=Channel.DOOR_TO_DOOR,
            person=person,
            unit=household.unit,
            address=household.address,
            at=at,
        )
        saved.append(declaration)
    return saved


def _rename(exc: ValidationError, names: Mapping[str, str]) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(k, k): v for k, v in exc.error_dict.items()})


# --- follow-ups ------------------------------------------------------------------------------


def raise_follow_up(
    *,
    actor: Any,
    person: Person,
    reason: str,
    unit: AdminUnit,
    declaration: Declaration | None = None,
    diary_entry: DiaryEntry | None = None,
    at: datetime.datetime | None = None,
) -> FollowUp:
    """Put (or keep) a person on the queue of the commune health station for ``reason``.
    A pending item for the same person and reason is updated, never duplicated, also when
    two signals arrive at once (the partial unique constraint decides)."""
    if reason not in FollowUp.Reason.values:
        raise ValueError(f"unknown follow-up reason {reason!r}")
    at = at or timezone.now()
    commune = commune_of(unit) or unit
    for _attempt in range(3):
        pending = (
            FollowUp.objects.select_for_update()
            .filter(person=person, reason=reason, status__in=FollowUp.PENDING)
            .first()
        )
        if pending is not None:
            FollowUp.objects.filter(pk=pending.pk).update(
                signals=F("signals") + 1,
                last_seen=max(at, pending.last_seen),
                declaration=declaration or pending.declaration,
                diary_entry=diary_entry or pending.diary_entry,
            )
            pending.refresh_from_db()
            return pending
        item = FollowUp(
            person=person,
            unit=commune,
            reason=reason,
            declaration=declaration,
            diary_entry=diary_entry,
            first_seen=at,
            last_seen=at,
        )
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            continue  # another signal created it a moment ago: update that one
        audit.record(
            actor=actor,
            verb="raise_follow_up",
            target=item,
            target_label=f"{item.get_reason_display()} · {person.full_name}",
            unit_path=commune.path,
            extra={"reason": reason, "person": str(person.public_id)},
        )
        return item
    raise RuntimeError("could not record the follow-up")


def _pending_for_update(actor: Any, follow_up: FollowUp) -> FollowUp:
    item = FollowUp.objects.select_for_update().select_related("unit").get(pk=follow_up.pk)
    require(actor, item, "change")
    return item


@transaction.atomic
def take_follow_up(*, actor: Any, follow_up: FollowUp) -> FollowUp:
    item = _pending_for_update(actor, follow_up)
    if not item.is_pending:
        raise ValidationError(_("This follow-up is already closed."))
    before = audit.snapshot(item, ("status", "assigned_to"))
    item.status = FollowUp.Status.IN_PROGRESS
    item.assigned_to = _user(actor)
    item.save(update_fields=["status", "assigned_to"])
    audit.record(
        actor=actor,
        verb="take_follow_up",
        target=item,
        unit_path=item.unit.path,
        changes=audit.diff(before, audit.snapshot(item, ("status", "assigned_to"))),
    )
    return item


@transaction.atomic
def resolve_follow_up(*, actor: Any, follow_up: FollowUp, status: str, note: str = "") -> FollowUp:
    item = _pending_for_update(actor, follow_up)
    if status not in (FollowUp.Status.DONE, FollowUp.Status.DISMISSED):
        raise ValidationError({"status": _("Choose done or no action needed.")})
    if not item.is_pending:
        raise ValidationError(_("This follow-up is already closed."))
    if status == FollowUp.Status.DISMISSED and not note.strip():
        raise ValidationError({"note": _("Say why no action is needed.")})
    _close_follow_up(actor, item, status, note.strip(), timezone.now())
    return item


def _close_follow_up(
    actor: Any, item: FollowUp, status: str, note: str, now: datetime.datetime, **extra: Any
) -> None:
    """Close a locked, pending follow-up with ``status``, adding ``note`` to its notes."""
    before = audit.snapshot(item, ("status", "note"))
    item.status = status
    item.note = "\n".join(filter(None, [item.note, note]))
    item.resolved_at = now
    item.resolved_by = _user(actor)
    item.save(update_fields=["status", "note", "resolved_at", "resolved_by"])
    audit.record(
        actor=actor,
        verb="resolve_follow_up",
        target=item,
        unit_path=item.unit.path,
        changes=audit.diff(before, audit.snapshot(item, ("status", "note"))),
        extra=extra or None,
    )


# --- monitoring and the diary ----------------------------------------------------------------


#: How far from today a monitoring period may start: back to an exposure weeks ago, ahead to
#: a planned arrival. A date outside is a typing mistake (a year of 1900 or 9999).
MONITORING_BACKDATE = datetime.timedelta(days=60)
MONITORING_AHEAD = datetime.timedelta(days=30)


@transaction.atomic
def start_monitoring(
    *,
    actor: Any,
    person: Person,
    reason: str,
    days: int,
    starts_on: datetime.date | None = None,
    unit: AdminUnit | None = None,
    note: str = "",
) -> Monitoring:
    """Put a person under health monitoring for ``days`` days. A person already under
    monitoring keeps their diary: the period is extended if needed."""
    if reason not in Monitoring.Reason.values:
        raise ValidationError({"reason": _("Unknown reason.")})
    if not 1 <= days <= 60:
        raise ValidationError({"days": _("Monitoring lasts from 1 to 60 days.")})
    person = Person.objects.select_for_update().select_related("residence_unit").get(pk=person.pk)
    place = unit or person.temporary_unit or person.residence_unit
    commune = commune_of(place) or place
    require(actor, person, "view")
    require_unit(actor, "declarations.add_monitoring", commune.path)
    today = timezone.localdate()
    starts_on = starts_on or today
    if not today - MONITORING_BACKDATE <= starts_on <= today + MONITORING_AHEAD:
        raise ValidationError(
            {
                "starts_on": _(
                    "Monitoring starts between %(first)s and %(last)s (a past contact "
                    "date, or a planned arrival)."
                )
                % {
                    "first": f"{today - MONITORING_BACKDATE:%d/%m/%Y}",
                    "last": f"{today + MONITORING_AHEAD:%d/%m/%Y}",
                }
            }
        )
    ends_on = starts_on + datetime.timedelta(days=days - 1)
    current = (
        Monitoring.objects.select_for_update()
        .filter(person=person, status=Monitoring.Status.ACTIVE)
        .first()
    )
    if current is not None:
        if ends_on > current.ends_on:
            before = {"ends_on": current.ends_on}
            current.ends_on = ends_on
            current.save(update_fields=["ends_on"])
            audit.record(
                actor=actor,
                verb="extend_monitoring",
                target=current,
                unit_path=current.unit.path,
                changes=audit.diff(before, {"ends_on": ends_on}),
                extra={"reason": reason},
            )
        return current
    monitoring = Monitoring.objects.create(
        person=person,
        unit=commune,
        reason=reason,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note.strip()[:255],
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        verb="start_monitoring",
        target=monitoring,
        target_label=f"{monitoring} · {person.full_name}",
        unit_path=commune.path,
        extra={"person": str(person.public_id), "reason": reason, "days": days},
    )
    return monitoring


@transaction.atomic
def end_monitoring(*, actor: Any, monitoring: Monitoring, note: str = "") -> Monitoring:
    monitoring = Monitoring.objects.select_for_update().select_related("unit").get(pk=monitoring.pk)
    require(actor, monitoring, "change")
    if monitoring.status != Monitoring.Status.ACTIVE:
        raise ValidationError(_("This monitoring has already ended."))
    monitoring.status = Monitoring.Status.ENDED
    monitoring.ended_at = timezone.now()
    if note.strip():
        monitoring.note = "; ".join(filter(None, [monitoring.note, note.strip()]))[:255]
    monitoring.save(update_fields=["status", "ended_at", "note"])
    audit.record(
        actor=actor, verb="end_monitoring", target=monitoring, unit_path=monitoring.unit.path
    )
    return monitoring


@transaction.atomic
def record_diary_entry(
    *,
    actor: Any,
    monitoring: Monitoring,
    answers: Mapping[str, Any],
    day: datetime.date | None = None,
) -> tuple[DiaryEntry, bool]:
    """Record a day of the diary (``actor`` ``None``: the resident through their link).
    A second entry for the same day replaces the first one's answers. A fever or a
    symptom raises a follow-up for the health station."""
    monitoring = (
        Monitoring.objects.select_for_update()
        .select_related("person", "unit")
        .get(pk=monitoring.pk)
    )
    if actor is not None:
        require(actor, monitoring, "change")
    today = timezone.localdate()
    day = day or today
    if monitoring.status != Monitoring.Status.ACTIVE:
        raise ValidationError(_("This monitoring has ended; the diary is closed."))
    if day > today:
        raise ValidationError({"day": _("The day is in the future.")})
    if not monitoring.covers(day):
        raise ValidationError(
            {
                "day": _("The monitoring runs from %(start)s to %(end)s.")
                % {
                    "start": monitoring.starts_on.strftime("%d/%m/%Y"),
                    "end": monitoring.ends_on.strftime("%d/%m/%Y"),
                }
            }
        )
    at = timezone.now()
    form = form_in_force(FormKind.DIARY, at)
    cleaned = check_answers(form.questions, answers)
    temperature = cleaned.get("temperature")
    values = {
        "person": monitoring.person,
        "form": form,
        "answers": cleaned,
        "temperature": Decimal(str(temperature)).quantize(Decimal("0.1"))
        if temperature is not None
        else None,
        "flags": flags_of(form.questions, cleaned),
        "recorded_at": at,
        "recorded_by": _user(actor),
    }
    entry = DiaryEntry.objects.filter(monitoring=monitoring, day=day).first()
    created = entry is None
    before: dict[str, Any] = {}
    if entry is None:
        entry = DiaryEntry.objects.create(monitoring=monitoring, day=day, **values)
    else:
        before = audit.snapshot(entry, ("answers", "temperature"))
        for name, value in values.items():
            setattr(entry, name, value)
        entry.save()
    audit.record(
        actor=actor,
        verb="record_diary_entry",
        target=entry,
        target_label=f"{entry} · {monitoring.person.full_name}",
        unit_path=monitoring.unit.path,
        changes=audit.diff(before, audit.snapshot(entry, ("answers", "temperature")))
        if before
        else {},
        extra={
            "day": day.isoformat(),
            "flags": entry.flags,
            "monitoring": str(monitoring.public_id),
        },
    )
    for flag in entry.flags:
        raise_follow_up(
            actor=actor,
            person=monitoring.person,
            reason=flag,
            unit=monitoring.unit,
            diary_entry=entry,
            at=at,
        )
    return entry, created


# --- merging two records of one person -------------------------------------------------------

FOLLOW_UP_FIELDS = (
    "status",
    "signals",
    "first_seen",
    "last_seen",
    "declaration",
    "diary_entry",
    "assigned_to",
    "note",
)
MONITORING_FIELDS = ("starts_on", "ends_on", "note")


@transaction.atomic
def fold_merged_person(*, actor: Any, keep: Person, other: Person) -> dict[str, int]:
    """The registry is merging ``other`` into ``keep`` (``people.actions.MERGE_HOOK``, called
    inside the merge before every reference moves to ``keep``). A person has one pending
    follow-up per reason and one active monitoring; when both records have one, ``other``'s
    is folded into ``keep``'s:

    * follow-up: ``keep``'s item takes the signals, the first and last time seen, the latest
      declaration or diary entry, and whoever is handling ``other``'s; ``other``'s is closed
      as "no action needed", its note saying where it went on;
    * monitoring: ``keep``'s covers both periods and takes ``other``'s diary days it lacks;
      ``other``'s ends, ``merged_into`` ``keep``'s, so that its diary link opens ``keep``'s.

    Each fold is audited on both items. Returns how many of each were folded."""
    require(actor, keep, "change")
    require(actor, other, "change")
    now = timezone.now()
    follow_ups = 0
    pending = FollowUp.objects.select_for_update().select_related("unit")
    for item in pending.filter(person=other, status__in=FollowUp.PENDING).order_by("pk"):
        kept = pending.filter(person=keep, reason=item.reason, status__in=FollowUp.PENDING).first()
        if kept is None:
            continue  # moved to keep as it is
        _fold_follow_up(actor, kept, item, now)
        follow_ups += 1
    monitorings = 0
    active = Monitoring.objects.select_for_update().select_related("unit")
    theirs = active.filter(person=other, status=Monitoring.Status.ACTIVE).first()
    mine = active.filter(person=keep, status=Monitoring.Status.ACTIVE).first()
    if theirs is not None and mine is not None:
        _fold_monitoring(actor, mine, theirs, now)
        monitorings = 1
    return {"declarations.followup": follow_ups, "declarations.monitoring": monitorings}


def _fold_follow_up(actor: Any, kept: FollowUp, item: FollowUp, now: datetime.datetime) -> None:
    before = audit.snapshot(kept, FOLLOW_UP_FIELDS)
    if item.last_seen > kept.last_seen:
        kept.declaration = item.declaration or kept.declaration
        kept.diary_entry = item.diary_entry or kept.diary_entry
    kept.signals += item.signals
    kept.first_seen = min(kept.first_seen, item.first_seen)
    kept.last_seen = max(kept.last_seen, item.last_seen)
    if kept.status == FollowUp.Status.OPEN and item.status == FollowUp.Status.IN_PROGRESS:
        kept.status = FollowUp.Status.IN_PROGRESS
        kept.assigned_to_id = item.assigned_to_id
    kept.note = "\n".join(filter(None, [kept.note, item.note]))
    kept.save(update_fields=list(FOLLOW_UP_FIELDS))
    audit.record(
        actor=actor,
        verb="fold_follow_up",
        target=kept,
        unit_path=kept.unit.path,
        changes=audit.diff(before, audit.snapshot(kept, FOLLOW_UP_FIELDS)),
        extra={"folded": str(item.public_id)},
    )
    folded = _("Two records of this person were merged; this follow-up goes on in another.")
    _close_follow_up(
        actor, item, FollowUp.Status.DISMISSED, folded, now, folded_into=str(kept.public_id)
    )


def _fold_monitoring(
    actor: Any, mine: Monitoring, theirs: Monitoring, now: datetime.datetime
) -> None:
    before = audit.snapshot(mine, MONITORING_FIELDS)
    mine.starts_on = min(mine.starts_on, theirs.starts_on)
    mine.ends_on = max(mine.ends_on, theirs.ends_on)
    mine.note = "; ".join(dict.fromkeys(filter(None, [mine.note, theirs.note])))[:255]
    mine.save(update_fields=list(MONITORING_FIELDS))
    days = mine.entries.values("day")
    carried = (
        DiaryEntry.objects.filter(monitoring=theirs).exclude(day__in=days).update(monitoring=mine)
    )
    audit.record(
        actor=actor,
        verb="fold_monitoring",
        target=mine,
        unit_path=mine.unit.path,
        changes=audit.diff(before, audit.snapshot(mine, MONITORING_FIELDS)),
        extra={"folded": str(theirs.public_id), "diary_days": carried},
    )
    theirs.status = Monitoring.Status.ENDED
    theirs.ended_at = now
    theirs.merged_into = mine
    theirs.save(update_fields=["status", "ended_at", "merged_into"])
    audit.record(
        actor=actor,
        verb="end_monitoring",
        target=theirs,
        unit_path=theirs.unit.path,
        extra={"folded_into": str(mine.public_id)},
    )


# --- forms -----------------------------------------------------------------------------------


def can_publish_forms(actor: Any) -> bool:
    """Forms are province-wide rules: publishing needs a province-level write scope."""
    scope = scope_of(actor)
    if scope.unrestricted:
        return True
    return any(
        path.count("/") == 2 for path in scope.paths("declarations.add_formdefinition", "add")
    )


@transaction.atomic
def publish_form(
    *,
    actor: Any,
    kind: str,
    title: str,
    questions: Any,
    valid_from: datetime.datetime,
    intro: str = "",
    note: str = "",
) -> FormDefinition:
    """A new version of a kind of form, in force from ``valid_from`` (which may be in the
    future: "announce in advance"). Earlier versions stay as they were."""
    if not can_publish_forms(actor):
        raise OutOfScope()
    if kind not in FormKind.values:
        raise ValidationError({"kind": _("Unknown kind of form.")})
    try:
        questions = validate_questions(questions)
    except QuestionError as exc:
        raise ValidationError({"questions": str(exc)}) from None
    if not title.strip():
        raise ValidationError({"title": _("Give the form a title.")})
    latest = (
        FormDefinition.objects.select_for_update().filter(kind=kind).order_by("-version").first()
    )
    if latest is not None and valid_from <= latest.valid_from:
        raise ValidationError(
            {
                "valid_from": _(
                    "The new version must come into force after version %(v)s (%(at)s)."
                )
                % {
                    "v": latest.version,
                    "at": timezone.localtime(latest.valid_from).strftime("%H:%M %d/%m/%Y"),
                }
            }
        )
    version = (FormDefinition.objects.filter(kind=kind).aggregate(m=Max("version"))["m"] or 0) + 1
    form = FormDefinition.objects.create(
        kind=kind,
        version=version,
        title=title.strip()[:200],
        intro=intro.strip(),
        questions=questions,
        valid_from=valid_from,
        note=note.strip()[:255],
        created_by=_user(actor),
    )
    audit.record(
        actor=actor,
        verb="publish_form",
        target=form,
        extra={"kind": kind, "version": version, "valid_from": valid_from.isoformat()},
    )
    return form
