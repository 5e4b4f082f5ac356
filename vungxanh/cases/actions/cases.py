"""Registering, confirming, correcting, discarding and reinstating cases; re-grading the
contacts of a person who becomes a case."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vungxanh.cases import services
from vungxanh.cases.actions.clusters import link_clusters
from vungxanh.cases.actions.common import (
    CASE_FIELDS,
    FUTURE_TOLERANCE,
    case_audit,
    check_dates,
    lock_case,
    lock_person,
    next_number,
    province_of,
    require_report,
    task_audit,
    user_of,
)
from vungxanh.cases.actions.contacts import ensure_task, task_or_link
from vungxanh.cases.actions.landmarks import build_landmarks
from vungxanh.cases.models import (
    Basis,
    Case,
    Cluster,
    ClusterMember,
    Contact,
    Landmark,
    PositiveRapidTest,
    TracingTask,
)
from vungxanh.cases.rules import require_rule_set, rules_of
from vungxanh.core import audit
from vungxanh.core.scoping import require, require_unit
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Person


@transaction.atomic
def confirm_case(
    *,
    actor: Any,
    person: Person,
    basis: str,
    sample_date: datetime.date | None = None,
    onset_date: datetime.date | None = None,
    source: str | None = None,
    responsible_unit: AdminUnit | None = None,
    isolated_at: datetime.datetime | None = None,
    lab_reference: str = "",
    note: str = "",
) -> Case:
    """Register or confirm the case of ``person``. Idempotent: a person with an active
    confirmed case gets it back unchanged; an active suspected case is upgraded. ``basis``
    must confirm a case under the rule set in force (else :func:`register_suspected_case`).
    ``source`` defaults to "found among F1 under monitoring" for an F1, else "community"."""
    now = timezone.now()
    person = lock_person(person)
    residence = services.living_unit(person)
    responsible = responsible_unit or services.commune_of(residence)
    require_report(actor, responsible.path)
    rule_set = require_rule_set(now)
    rules = rules_of(rule_set)
    if basis not in Basis.values:
        raise ValidationError({"basis": _("Unknown basis of confirmation.")})
    if not rules.confirms(basis):
        raise ValidationError(
            {
                "basis": _(
                    "Under the rule set “%(rules)s” this basis does not confirm a case: "
                    "register a suspected case and take an RT-PCR sample."
                )
                % {"rules": rule_set.name}
            }
        )
    if source is not None and source not in Case.Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    existing = Case.objects.select_for_update(of=("self",)).active().filter(person=person).first()
    if existing is not None and existing.is_confirmed:
        return existing
    check_dates(
        sample_date=sample_date or (existing.sample_date if existing else None),
        onset_date=onset_date or (existing.onset_date if existing else None),
        isolated_at=isolated_at,
        now=now,
    )
    if source is None:
        source = (
            Case.Source.AMONG_F1
            if services.is_under_tracing_as_f1(person, now)
            else Case.Source.COMMUNITY
        )
    province = province_of(responsible)
    if existing is not None:
        case = lock_case(existing)
        before = audit.snapshot(case, CASE_FIELDS)
        case.classification = Case.Classification.CONFIRMED
        case.basis = basis
        case.number = next_number(province)
        case.sample_date = sample_date or case.sample_date
        case.onset_date = onset_date or case.onset_date
        case.isolated_at = isolated_at or case.isolated_at
        case.source = source if source else case.source
        case.responsible_unit = responsible if responsible_unit else case.responsible_unit
        case.needs_pcr = False
        case.rule_set = rule_set
        case.lab_reference = lab_reference or case.lab_reference
        case.note = "\n".join(filter(None, [case.note, note]))
        case.confirmed_at = now
        case.confirmed_by = user_of(actor)
        case.save()
        case_audit(actor, "confirm_case", case, before)
    else:
        case = Case.objects.create(
            person=person,
            number=next_number(province),
            province=province,
            classification=Case.Classification.CONFIRMED,
            basis=basis,
            sample_date=sample_date,
            onset_date=onset_date,
            source=source,
            responsible_unit=responsible,
            residence_unit=residence,
            isolated_at=isolated_at,
            rule_set=rule_set,
            lab_reference=lab_reference,
            note=note,
            reported_at=now,
            confirmed_at=now,
            confirmed_by=user_of(actor),
        )
        case_audit(actor, "confirm_case", case)
    build_landmarks(actor, case, now)
    _regrade_on_confirm(actor, case, now)
    link_clusters(actor, case, now)
    return case


@transaction.atomic
def register_suspected_case(
    *,
    actor: Any,
    person: Person,
    basis: str = Basis.SYMPTOMS,
    sample_date: datetime.date | None = None,
    onset_date: datetime.date | None = None,
    source: str = Case.Source.COMMUNITY,
    responsible_unit: AdminUnit | None = None,
    isolated_at: datetime.datetime | None = None,
    needs_pcr: bool = True,
    lab_reference: str = "",
    note: str = "",
) -> Case:
    """A suspected case (symptoms, or a positive rapid test that does not confirm): no case
    number, landmarks built for the investigation, no contacts re-graded. Idempotent: a
    person with an active case gets it back (marked as needing a PCR when asked)."""
    now = timezone.now()
    person = lock_person(person)
    residence = services.living_unit(person)
    responsible = responsible_unit or services.commune_of(residence)
    require_report(actor, responsible.path)
    rule_set = require_rule_set(now)
    if basis not in Basis.values:
        raise ValidationError({"basis": _("Unknown basis of confirmation.")})
    if source not in Case.Source.values:
        raise ValidationError({"source": _("Unknown source.")})
    existing = Case.objects.select_for_update(of=("self",)).active().filter(person=person).first()
    if existing is not None:
        if needs_pcr and not existing.is_confirmed and not existing.needs_pcr:
            before = audit.snapshot(existing, CASE_FIELDS)
            existing.needs_pcr = True
            existing.save(update_fields=["needs_pcr", "updated_at"])
            case_audit(actor, "update_case", existing, before)
        return existing
    check_dates(sample_date=sample_date, onset_date=onset_date, isolated_at=isolated_at, now=now)
    case = Case.objects.create(
        person=person,
        province=province_of(responsible),
        classification=Case.Classification.SUSPECTED,
        basis=basis,
        sample_date=sample_date,
        onset_date=onset_date,
        source=source,
        responsible_unit=responsible,
        residence_unit=residence,
        isolated_at=isolated_at,
        needs_pcr=needs_pcr,
        rule_set=rule_set,
        lab_reference=lab_reference,
        note=note,
        reported_at=now,
    )
    case_audit(actor, "register_suspected_case", case)
    build_landmarks(actor, case, now)
    return case


@transaction.atomic
def handle_positive_rapid_test(
    *,
    actor: Any,
    person: Person,
    taken_at: datetime.datetime,
    supervised: bool,
    lab_reference: str = "",
) -> Case:
    """Apply the rule set in force at ``taken_at`` to a positive rapid antigen test
    (DOMAIN.md §2.2): an F1 becomes a confirmed case; two supervised positives within the
    interval (either one recorded first; exactly the interval apart still counts) with an
    epidemiological link confirm; a suspected case with symptoms and a
    link is confirmed; anything else is (or stays) a suspected case with ``needs_pcr``.
    Unsupervised tests never confirm."""
    now = timezone.now()
    if taken_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"taken_at": _("The test time cannot be in the future.")})
    person = lock_person(person)
    require_report(actor, services.living_unit(person).path)
    rules = rules_of(require_rule_set(taken_at))
    # The other test of a pair may have been taken before or after this one (results are
    # often recorded out of order). "The second within 8 hours of the first": two tests
    # exactly 8 h 00 min apart still pair. A test at the very same moment is the same test
    # recorded twice, not a second one.
    window = datetime.timedelta(hours=rules.rapid_pair_hours)
    paired = (
        PositiveRapidTest.objects.filter(
            person=person,
            supervised=True,
            taken_at__gte=taken_at - window,
            taken_at__lte=taken_at + window,
        )
        .exclude(taken_at=taken_at)
        .exists()
    )
    test = PositiveRapidTest.objects.create(
        person=person,
        taken_at=taken_at,
        supervised=supervised,
        lab_reference=lab_reference,
        recorded_by=user_of(actor),
    )
    existing = Case.objects.active().filter(person=person).first()
    basis: str | None = None
    if supervised and (existing is None or not existing.is_confirmed):
        link = services.has_epidemiological_link(person, taken_at, rules)
        if rules.confirms(Basis.F1_RAPID_POSITIVE) and services.is_under_tracing_as_f1(
            person, taken_at
        ):
            basis = Basis.F1_RAPID_POSITIVE
        elif link and paired and rules.confirms(Basis.TWO_RAPID_WITH_LINK):
            basis = Basis.TWO_RAPID_WITH_LINK
        elif (
            link
            and existing is not None
            and existing.onset_date is not None
            and rules.confirms(Basis.SUSPECTED_RAPID_WITH_LINK)
        ):
            basis = Basis.SUSPECTED_RAPID_WITH_LINK
    sample_day = timezone.localdate(taken_at)
    if existing is not None and existing.is_confirmed:
        case = existing
    elif basis is not None:
        case = confirm_case(
            actor=actor,
            person=person,
            basis=basis,
            sample_date=sample_day,
            onset_date=existing.onset_date if existing else None,
            lab_reference=lab_reference,
        )
    else:
        case = register_suspected_case(
            actor=actor,
            person=person,
            basis=Basis.RAPID_POSITIVE,
            sample_date=sample_day,
            needs_pcr=True,
            lab_reference=lab_reference,
        )
    test.case = case
    test.save(update_fields=["case"])
    audit.record(
        actor=actor,
        verb="positive_rapid_test",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={
            "taken_at": taken_at,
            "supervised": supervised,
            "result": case.classification,
            "basis": basis or "",
        },
    )
    return case


@transaction.atomic
def update_case(
    *,
    actor: Any,
    case: Case,
    sample_date: datetime.date | None = None,
    onset_date: datetime.date | None = None,
    isolated_at: datetime.datetime | None = None,
    status: str | None = None,
    source: str | None = None,
    responsible_unit: AdminUnit | None = None,
    note: str | None = None,
    clear_onset: bool = False,
) -> Case:
    """Correct a case's dates, status, source, responsible unit or note. Changing the
    anchor dates or the isolation time rebuilds the check-in landmarks (and links the case
    to the cases it now shares a place with). A case goes back to "active" only if the
    person has no other active case (one open episode per person)."""
    require(actor, case, "change")
    if status == Case.Status.ACTIVE:
        lock_person(case.person)  # before the case, as confirm_case does
    case = lock_case(case)
    if case.is_discarded:
        raise ValidationError(_("A discarded case cannot be changed; reinstate it first."))
    if (
        status == Case.Status.ACTIVE
        and case.status != Case.Status.ACTIVE
        and Case.objects.active().filter(person_id=case.person_id).exclude(pk=case.pk).exists()
    ):
        raise ValidationError(
            {
                "status": _(
                    "This person has another active case; close or discard it before "
                    "making this case active again."
                )
            }
        )
    now = timezone.now()
    before = audit.snapshot(case, CASE_FIELDS)
    new_onset = None if clear_onset else (onset_date or case.onset_date)
    new_sample = sample_date or case.sample_date
    # The dates are checked as they will be: new dates against the isolation on record.
    check_dates(
        sample_date=new_sample,
        onset_date=new_onset,
        isolated_at=isolated_at if isolated_at is not None else case.isolated_at,
        now=now,
    )
    case.onset_date = new_onset
    case.sample_date = new_sample
    if isolated_at is not None:
        case.isolated_at = isolated_at
    if status is not None:
        if status not in Case.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        case.status = status
    if source is not None:
        if source not in Case.Source.values:
            raise ValidationError({"source": _("Unknown source.")})
        case.source = source
    if responsible_unit is not None and responsible_unit.pk != case.responsible_unit_id:
        require_unit(actor, "cases.change_case", responsible_unit.path, "change")
        case.responsible_unit = responsible_unit
    if note is not None:
        case.note = note
    case.save()
    case_audit(actor, "update_case", case, before)
    window_fields = ["onset_date", "sample_date", "isolated_at"]
    if audit.snapshot(case, window_fields) != {k: before[k] for k in window_fields}:
        build_landmarks(actor, case, now)
        if case.is_confirmed:
            link_clusters(actor, case, now)
    return case


@transaction.atomic
def discard_case(*, actor: Any, case: Case, reason: str) -> Case:
    """The case was not a case (a false positive, a duplicate). Everything derived only from
    it closes: its contacts, the tracing tasks that exist only because of it, its published
    landmarks, its cluster memberships (a proposed cluster left with one case is dismissed).
    Contacts that had become this case return to what they were. Reversible with
    :func:`reinstate_case`."""
    require(actor, case, "change")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is discarded.")})
    case = lock_case(case)
    if case.is_discarded:
        return case
    now = timezone.now()
    before = audit.snapshot(case, CASE_FIELDS)
    case.classification_before_discard = case.classification
    case.classification = Case.Classification.DISCARDED
    case.discarded_at = now
    case.discard_reason = reason[:255]
    case.save()
    closed = _close_derived(actor, case, now)
    case_audit(actor, "discard_case", case, before, reason=reason, closed=closed)
    return case


@transaction.atomic
def reinstate_case(*, actor: Any, case: Case) -> Case:
    """Undo :func:`discard_case`: the case, its contacts, tasks, landmarks and cluster
    memberships come back as they were; contacts of the person are re-graded again."""
    require(actor, case, "change")
    case = lock_case(case)
    if not case.is_discarded:
        return case
    lock_person(case.person)
    if Case.objects.active().filter(person=case.person).exclude(pk=case.pk).exists():
        raise ValidationError(
            _("This person has another active case; discard or close it before reinstating.")
        )
    now = timezone.now()
    before = audit.snapshot(case, CASE_FIELDS)
    case.classification = case.classification_before_discard or Case.Classification.SUSPECTED
    case.classification_before_discard = ""
    case.discarded_at = None
    case.discard_reason = ""
    case.save()
    restored = _restore_derived(actor, case, now)
    if case.is_confirmed:
        _regrade_on_confirm(actor, case, now)
    case_audit(actor, "reinstate_case", case, before, restored=restored)
    return case


def _close_derived(actor: Any, case: Case, now: datetime.datetime) -> dict[str, int]:
    counts = {
        "contacts": 0,
        "tasks": 0,
        "repointed_tasks": 0,
        "reopened_tasks": 0,
        "landmarks": 0,
        "clusters": 0,
        "created_tasks": 0,
    }
    # 1. The case's own contacts.
    for contact in Contact.objects.select_for_update().filter(
        case=case, status__in=[Contact.Status.PROPOSED, Contact.Status.CONFIRMED]
    ):
        contact.status_before_close = contact.status
        contact.status = Contact.Status.CLOSED
        contact.closed_by = case
        contact.save(update_fields=["status", "status_before_close", "closed_by"])
        counts["contacts"] += 1
    # 2. Tasks that exist only because of this case.
    task_ids = set(
        Contact.objects.filter(case=case, task__isnull=False).values_list("task_id", flat=True)
    )
    for task in TracingTask.objects.select_for_update().filter(
        pk__in=task_ids, status=TracingTask.Status.OPEN
    ):
        other = (
            Contact.objects.filter(task=task, status=Contact.Status.CONFIRMED)
            .exclude(case=case)
            .exclude(case__classification=Case.Classification.DISCARDED)
            .select_related("case")
            .first()
        )
        if other is not None:
            if task.case_id == case.pk:
                # Another case still needs this F1 traced: the task goes on under it, and
                # remembers where it came from (reinstating this case moves it back).
                task.case = other.case
                task.repointed_from = case
                task.save(update_fields=["case", "repointed_from"])
                task_audit(actor, "repoint_task", task, reason="case_discarded", was=case)
                counts["repointed_tasks"] += 1
            continue
        task.status_before_close = task.status
        task.status = TracingTask.Status.CANCELLED
        task.closed_at = now
        task.closed_by_case = case
        task.save(update_fields=["status", "status_before_close", "closed_at", "closed_by_case"])
        task_audit(actor, "cancel_task", task, reason="case_discarded")
        counts["tasks"] += 1
    # 3. Contacts who had become this case are contacts again; their tasks reopen.
    became = list(
        Contact.objects.select_for_update(of=("self",))
        .filter(became_case=case)
        .select_related("case", "case__rule_set")
    )
    for contact in became:
        contact.became_case = None
        contact.save(update_fields=["became_case"])
    for task in TracingTask.objects.select_for_update().filter(
        closed_by_case=case, status=TracingTask.Status.BECAME_CASE
    ):
        if TracingTask.objects.filter(person_id=task.person_id, status="open").exists():
            continue
        task.status = task.status_before_close or TracingTask.Status.OPEN
        task.status_before_close = ""
        task.closed_at = None
        task.closed_by_case = None
        task.save(update_fields=["status", "status_before_close", "closed_at", "closed_by_case"])
        task_audit(actor, "reopen_task", task, reason="case_discarded")
        counts["reopened_tasks"] += 1
    # F1 confirmed while they already were this case got no task: now they need one.
    for contact in became:
        if (
            contact.degree == Contact.Degree.F1
            and contact.status == Contact.Status.CONFIRMED
            and contact.task_id is None
            and not contact.case.is_discarded
        ):
            ensure_task(actor, contact, rules_of(contact.case.rule_set), now)
            counts["created_tasks"] += 1
    # 4. Published landmarks are withdrawn.
    for landmark in Landmark.objects.select_for_update().filter(case=case, is_published=True):
        landmark.is_published = False
        landmark.withdrawn_at = now
        landmark.withdrawn_by_discard = True
        landmark.save(update_fields=["is_published", "withdrawn_at", "withdrawn_by_discard"])
        counts["landmarks"] += 1
    # 5. Cluster memberships; a proposed cluster left with fewer than two cases goes.
    for member in ClusterMember.objects.select_for_update().filter(
        case=case, removed_by_case__isnull=True
    ):
        member.removed_by_case = case
        member.save(update_fields=["removed_by_case"])
        cluster = (
            Cluster.objects.select_for_update().select_related("unit").get(pk=member.cluster_id)
        )
        cluster_audit(actor, "remove_from_cluster", cluster, case=case, reason="case_discarded")
        remaining = cluster.members.filter(removed_by_case__isnull=True).count()
        if cluster.status == Cluster.Status.PROPOSED and remaining < 2:
            before = audit.snapshot(cluster, CLUSTER_STATUS_FIELDS)
            cluster.status_before_close = cluster.status
            cluster.status = Cluster.Status.DISMISSED
            cluster.closed_at = now
            cluster.closed_by_case = case
            cluster.save(
                update_fields=["status", "status_before_close", "closed_at", "closed_by_case"]
            )
            cluster_audit(
                actor, "dismiss_cluster", cluster, before, case=case, reason="case_discarded"
            )
            counts["clusters"] += 1
    return counts


def _restore_derived(actor: Any, case: Case, now: datetime.datetime) -> dict[str, int]:
    counts = {
        "contacts": 0,
        "tasks": 0,
        "repointed_tasks": 0,
        "reopened_tasks": 0,
        "landmarks": 0,
        "clusters": 0,
    }
    restored: list[Contact] = []
    for contact in Contact.objects.select_for_update().filter(closed_by=case):
        contact.status = contact.status_before_close or Contact.Status.PROPOSED
        contact.status_before_close = ""
        contact.closed_by = None
        contact.save(update_fields=["status", "status_before_close", "closed_by"])
        counts["contacts"] += 1
        restored.append(contact)
    # Tasks that went on under another case of the same F1 come back to this one, whatever
    # became of them meanwhile (a task done stays done: only its source case changes).
    for task in TracingTask.objects.select_for_update().filter(repointed_from=case):
        was = task.case
        task.case = case
        task.repointed_from = None
        task.save(update_fields=["case", "repointed_from"])
        task_audit(actor, "repoint_task", task, reason="case_reinstated", was=was)
        counts["repointed_tasks"] += 1
    for task in TracingTask.objects.select_for_update().filter(
        closed_by_case=case, status=TracingTask.Status.CANCELLED
    ):
        open_task = TracingTask.objects.filter(person_id=task.person_id, status="open").first()
        if open_task is not None:
            Contact.objects.filter(task=task).update(task=open_task)
            continue
        task.status = task.status_before_close or TracingTask.Status.OPEN
        task.status_before_close = ""
        task.closed_at = None
        task.closed_by_case = None
        task.save(update_fields=["status", "status_before_close", "closed_at", "closed_by_case"])
        task_audit(actor, "reopen_task", task, reason="case_reinstated")
        counts["tasks"] += 1
    counts["reopened_tasks"] = _reopen_tasks_of(actor, case, restored, now)
    for landmark in Landmark.objects.select_for_update().filter(
        case=case, withdrawn_by_discard=True
    ):
        landmark.is_published = True
        landmark.withdrawn_at = None
        landmark.withdrawn_by_discard = False
        landmark.save(update_fields=["is_published", "withdrawn_at", "withdrawn_by_discard"])
        counts["landmarks"] += 1
    for cluster in (
        Cluster.objects.select_for_update().select_related("unit").filter(closed_by_case=case)
    ):
        before = audit.snapshot(cluster, CLUSTER_STATUS_FIELDS)
        cluster.status = cluster.status_before_close or Cluster.Status.PROPOSED
        cluster.status_before_close = ""
        cluster.closed_at = None
        cluster.closed_by_case = None
        cluster.save(update_fields=["status", "status_before_close", "closed_at", "closed_by_case"])
        cluster_audit(
            actor, "restore_cluster", cluster, before, case=case, reason="case_reinstated"
        )
        counts["clusters"] += 1
    for member in ClusterMember.objects.select_for_update().filter(removed_by_case=case):
        member.removed_by_case = None
        member.save(update_fields=["removed_by_case"])
        cluster = Cluster.objects.select_related("unit").get(pk=member.cluster_id)
        cluster_audit(actor, "add_to_cluster", cluster, case=case, reason="case_reinstated")
    return counts


#: What a discard or a reinstatement changes on a cluster (its own audit trail).
CLUSTER_STATUS_FIELDS = ("status", "closed_at")


def cluster_audit(
    actor: Any,
    verb: str,
    cluster: Cluster,
    before: dict[str, Any] | None = None,
    **extra: Any,
) -> None:
    """An event on the cluster itself (its history names the case that changed it)."""
    audit.record(
        actor=actor,
        verb=verb,
        target=cluster,
        unit_path=cluster.unit.path,
        changes=audit.diff(before, audit.snapshot(cluster, CLUSTER_STATUS_FIELDS))
        if before is not None
        else None,
        extra=extra,
    )


def _reopen_tasks_of(
    actor: Any, case: Case, contacts: list[Contact], now: datetime.datetime
) -> int:
    """Confirmed F1 of a reinstated case whose task was cancelled meanwhile for a reason of
    another case (the case it had moved to was discarded too, or that case's contact was
    dismissed): the F1 is traced again for this case (their open task if they have one,
    else the cancelled task reopens under this case)."""
    reopened = 0
    for contact in contacts:
        if contact.status != Contact.Status.CONFIRMED or contact.degree != Contact.Degree.F1:
            continue
        if contact.task_id is None or contact.became_case_id is not None:
            continue
        task = TracingTask.objects.select_for_update().get(pk=contact.task_id)
        if task.status != TracingTask.Status.CANCELLED:
            continue
        closer = task.closed_by_case
        lock_person(contact.person)
        open_task = TracingTask.objects.filter(person_id=task.person_id, status="open").first()
        if open_task is not None:
            contact.task = open_task
            contact.save(update_fields=["task"])
            continue
        task.status = TracingTask.Status.OPEN
        task.status_before_close = ""
        task.closed_at = None
        task.closed_by_case = None
        task.case = case
        task.repointed_from = None
        task.save(
            update_fields=[
                "status",
                "status_before_close",
                "closed_at",
                "closed_by_case",
                "case",
                "repointed_from",
            ]
        )
        task_audit(actor, "reopen_task", task, reason="case_reinstated", was_closed_by=closer or "")
        reopened += 1
    return reopened


def _regrade_on_confirm(actor: Any, case: Case, now: datetime.datetime) -> None:
    """The person of ``case`` was a contact of other cases: those contact records now say
    so and their open tracing task closes ("became a case"); every F2 recorded through
    them becomes an F1 of ``case`` with its own tracing task."""
    person_id = case.person_id
    became = (
        Contact.objects.select_for_update()
        .filter(
            person_id=person_id,
            status__in=[Contact.Status.PROPOSED, Contact.Status.CONFIRMED],
            became_case__isnull=True,
        )
        .exclude(case=case)
    )
    for contact in became:
        contact.became_case = case
        contact.save(update_fields=["became_case"])
        audit.record(
            actor=actor,
            verb="regrade_contact",
            target=contact.case,
            unit_path=contact.case.responsible_unit.path,
            extra={"person": person_id, "degree": contact.degree, "became_case": case},
        )
    for task in TracingTask.objects.select_for_update().filter(
        person_id=person_id, status=TracingTask.Status.OPEN
    ):
        task.status_before_close = task.status
        task.status = TracingTask.Status.BECAME_CASE
        task.closed_at = now
        task.closed_by_case = case
        task.save(update_fields=["status", "status_before_close", "closed_at", "closed_by_case"])
        task_audit(actor, "close_task", task, reason="became_case")
    rules = rules_of(case.rule_set)
    f2s = (
        Contact.objects.select_related("person")
        .filter(
            degree=Contact.Degree.F2,
            status=Contact.Status.CONFIRMED,
            via__person_id=person_id,
        )
        .exclude(case__classification=Case.Classification.DISCARDED)
        .exclude(person_id=person_id)
    )
    for f2 in f2s:
        existing = Contact.objects.filter(
            case=case, person_id=f2.person_id, degree=Contact.Degree.F1
        ).first()
        if existing is not None:
            if existing.status == Contact.Status.CLOSED:
                continue
            if existing.status != Contact.Status.CONFIRMED:
                existing.status = Contact.Status.CONFIRMED
                existing.decided_at = now
                existing.save(update_fields=["status", "decided_at"])
                task_or_link(actor, existing, rules, now)
            continue
        f1 = Contact.objects.create(
            case=case,
            person_id=f2.person_id,
            degree=Contact.Degree.F1,
            status=Contact.Status.CONFIRMED,
            origin=Contact.Origin.REGRADED,
            exposure_type=f2.exposure_type,
            exposure_start=f2.exposure_start,
            exposure_end=f2.exposure_end,
            overlap_minutes=f2.overlap_minutes,
            venue_id=f2.venue_id,
            is_indoor=f2.is_indoor,
            within_2m=f2.within_2m,
            masked=f2.masked,
            strength=f2.strength,
            exposures=f2.exposures,
            unit_id=f2.unit_id,
            regraded_from=f2,
            decided_at=now,
            decided_by=user_of(actor),
        )
        audit.record(
            actor=actor,
            verb="regrade_contact",
            target=case,
            unit_path=case.responsible_unit.path,
            extra={"person": f2.person_id, "from": "F2", "to": "F1", "f2_of": f2.case},
        )
        task_or_link(actor, f1, rules, now)
