"""Clusters: proposed from links between cases, confirmed, closed after the quiet days."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from vungxanh.cases.actions.common import lock_case
from vungxanh.cases.models import (
    Case,
    Cluster,
    ClusterMember,
    Contact,
    Landmark,
)
from vungxanh.cases.rules import require_rule_set, rules_of
from vungxanh.core import audit
from vungxanh.core.scoping import require, require_unit
from vungxanh.geo.models import AdminUnit, ancestor_paths


def _common_unit(units: Iterable[AdminUnit]) -> AdminUnit:
    """The lowest unit containing all of ``units``."""
    paths = [u.path for u in units]
    common = ancestor_paths(paths[0])
    for path in paths[1:]:
        mine = set(ancestor_paths(path))
        common = [p for p in common if p in mine]
    return AdminUnit.objects.get(path=common[-1])


def linked_cases(case: Case) -> list[tuple[Case, str, int | None]]:
    """Confirmed cases linked to ``case``: at the same venue at overlapping times (from the
    landmarks), or recorded as contacts of one another."""
    found: dict[int, tuple[Case, str, int | None]] = {}
    mine = list(
        Landmark.objects.filter(case=case, venue__isnull=False).values_list(
            "venue_id", "start", "end"
        )
    )
    if mine:
        q = Q(pk__in=[])
        for venue_id, start, end in mine:
            q |= Q(venue_id=venue_id, start__lt=end, end__gt=start)
        shared = (
            Landmark.objects.filter(q)
            .exclude(case=case)
            .filter(case__classification=Case.Classification.CONFIRMED)
            .select_related("case", "case__responsible_unit")
        )
        for lm in shared:
            found.setdefault(lm.case_id, (lm.case, ClusterMember.Link.LANDMARK, lm.venue_id))
    contacts = Contact.objects.filter(
        Q(person_id=case.person_id) & ~Q(case=case) | Q(case=case, status=Contact.Status.CONFIRMED)
    ).exclude(status__in=[Contact.Status.DISMISSED, Contact.Status.CLOSED])
    for contact in contacts.select_related("case"):
        other: Case | None
        if contact.case_id == case.pk:
            other = (
                Case.objects.confirmed()
                .filter(person_id=contact.person_id)
                .select_related("responsible_unit")
                .first()
            )
        else:
            other = contact.case if contact.case.is_confirmed else None
        if other is not None and other.pk != case.pk:
            found.setdefault(other.pk, (other, ClusterMember.Link.CONTACT, contact.venue_id))
    return list(found.values())


_OPEN = (Cluster.Status.PROPOSED, Cluster.Status.ACTIVE)


def _case_day(case: Case, now: datetime.datetime) -> datetime.date:
    """The day a case counts for a cluster's "latest case": its confirmation."""
    return timezone.localdate(case.confirmed_at or now)


def _open_membership(case_ids: Iterable[int]) -> ClusterMember | None:
    """The oldest open cluster any of these cases belongs to."""
    return (
        ClusterMember.objects.filter(
            case_id__in=list(case_ids), removed_by_case__isnull=True, cluster__status__in=_OPEN
        )
        .select_related("cluster")
        .order_by("cluster__proposed_at", "cluster_id")
        .first()
    )


def _join(
    actor: Any,
    cluster: Cluster,
    joining: list[tuple[Case, str, Any, int | None]],
    now: datetime.datetime,
    note: str = "",
) -> None:
    """Add cases to an open cluster: ``(case, link, linked case, venue id)`` each. The
    latest-case date moves on; a proposal's unit widens to contain the new cases (an
    official's choice of unit for an active cluster stays: the districts of its cases see
    it through their cases, see ``ClusterQuerySet``)."""
    added = []
    how_of = {member_case.pk: how for member_case, how, _linked, _venue in joining}
    for member_case, how, linked_to, venue_id in joining:
        _member, created = ClusterMember.objects.get_or_create(
            cluster=cluster,
            case=member_case,
            defaults={"link": how, "linked_case": linked_to, "venue_id": venue_id},
        )
        if created:
            added.append(member_case)
    if not added:
        return
    before = audit.snapshot(cluster, ("unit", "last_case_date"))
    for member_case in added:
        day = _case_day(member_case, now)
        cluster.last_case_date = max(cluster.last_case_date or day, day)
    if cluster.status == Cluster.Status.PROPOSED:
        cluster.unit = _common_unit([cluster.unit] + [c.responsible_unit for c in added])
    cluster.save(update_fields=["last_case_date", "unit"])
    for member_case in added:
        audit.record(
            actor=actor,
            verb="add_to_cluster",
            target=cluster,
            unit_path=cluster.unit.path,
            changes=audit.diff(before, audit.snapshot(cluster, ("unit", "last_case_date"))),
            extra={"case": member_case, "link": how_of[member_case.pk]}
            | ({"note": note} if note else {}),
        )


def link_clusters(actor: Any, case: Case, now: datetime.datetime) -> Cluster | None:
    """Put a confirmed case and the confirmed cases linked to it (a shared place at
    overlapping times, a contact) into one open cluster: the case's own, else the oldest
    open cluster of a linked case, else a new proposal. Linked cases already in another
    open cluster stay there (clusters are never merged automatically). Called whenever a
    link may appear: a confirmation, a contact recorded between two cases, an interview
    landmark, landmarks rebuilt from late check-ins or changed dates. Idempotent."""
    if not case.is_confirmed:
        return None
    links = linked_cases(case)
    if not links:
        return None
    linked_ids = {c.pk for c, _link, _venue in links}
    busy = set(
        ClusterMember.objects.filter(
            case_id__in=linked_ids, removed_by_case__isnull=True, cluster__status__in=_OPEN
        ).values_list("case_id", flat=True)
    )
    free = [x for x in links if x[0].pk not in busy]
    own = _open_membership([case.pk])
    if own is not None:
        cluster = Cluster.objects.select_for_update().select_related("unit").get(pk=own.cluster_id)
        _join(actor, cluster, [(c, how, case, v) for c, how, v in free], now)
        return cluster
    member = _open_membership(linked_ids)
    if member is not None:
        cluster = (
            Cluster.objects.select_for_update().select_related("unit").get(pk=member.cluster_id)
        )
        link = next(x for x in links if x[0].pk == member.case_id)
        _join(
            actor,
            cluster,
            [(case, link[1], link[0], link[2])] + [(c, how, case, v) for c, how, v in free],
            now,
        )
        return cluster
    if not free:
        return None
    today = max(_case_day(c, now) for c in [case] + [c for c, _l, _v in free])
    unit = _common_unit([case.responsible_unit] + [c.responsible_unit for c, _l, _v in free])
    venue_id = next((v for _c, _l, v in free if v), None)
    from vungxanh.venues.models import Venue

    venue = Venue.objects.filter(pk=venue_id).first() if venue_id else None
    with translation.override(settings.LANGUAGE_CODE):  # stored names: the default language
        name = (
            _("Cluster at %(place)s") % {"place": venue.name}
            if venue is not None
            else _("Cluster of %(case)s") % {"case": case}
        )
    cluster = Cluster.objects.create(
        name=name[:200], unit=unit, proposed_at=now, last_case_date=today
    )
    ClusterMember.objects.create(
        cluster=cluster, case=case, link=free[0][1], linked_case=free[0][0], venue_id=free[0][2]
    )
    for other, how, other_venue in free:
        ClusterMember.objects.create(
            cluster=cluster, case=other, link=how, linked_case=case, venue_id=other_venue
        )
    audit.record(
        actor=actor,
        verb="propose_cluster",
        target=cluster,
        unit_path=unit.path,
        extra={"cases": [case] + [c for c, _l, _v in free]},
    )
    return cluster


CLUSTER_FIELDS = ("name", "unit", "containment_zone", "status", "closed_at")


@transaction.atomic
def confirm_cluster(
    *, actor: Any, cluster: Cluster, name: str, unit: AdminUnit, containment_zone: str = ""
) -> Cluster:
    """Name a cluster, set its unit and containment zone; a proposal becomes active."""
    require(actor, cluster, "change")
    require_unit(actor, "cases.change_cluster", unit.path, "change")
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.status in {Cluster.Status.CLOSED, Cluster.Status.DISMISSED}:
        raise ValidationError(_("This cluster is closed."))
    if not name.strip():
        raise ValidationError({"name": _("Give the cluster a name.")})
    before = audit.snapshot(cluster, CLUSTER_FIELDS)
    cluster.name = name.strip()[:200]
    cluster.unit = unit
    cluster.containment_zone = containment_zone.strip()
    if cluster.status == Cluster.Status.PROPOSED:
        cluster.status = Cluster.Status.ACTIVE
        cluster.confirmed_at = timezone.now()
    cluster.save()
    audit.record(
        actor=actor,
        verb="confirm_cluster",
        target=cluster,
        unit_path=cluster.unit.path,
        changes=audit.diff(before, audit.snapshot(cluster, CLUSTER_FIELDS)),
    )
    return cluster


@transaction.atomic
def dismiss_cluster(*, actor: Any, cluster: Cluster) -> Cluster:
    require(actor, cluster, "change")
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.status != Cluster.Status.PROPOSED:
        raise ValidationError(_("Only proposed clusters can be dismissed."))
    cluster.status = Cluster.Status.DISMISSED
    cluster.closed_at = timezone.now()
    cluster.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, verb="dismiss_cluster", target=cluster, unit_path=cluster.unit.path)
    return cluster


def cluster_quiet_until(cluster: Cluster) -> datetime.date | None:
    """The first day the cluster may close (its latest case + the rule set's days)."""
    if cluster.last_case_date is None:
        return None
    rule_set = require_rule_set()
    return cluster.last_case_date + datetime.timedelta(days=rules_of(rule_set).cluster_quiet_days)


@transaction.atomic
def close_cluster(*, actor: Any, cluster: Cluster, now: datetime.datetime | None = None) -> Cluster:
    """Close an active cluster once the configured days have passed without a new case."""
    require(actor, cluster, "change")
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.status != Cluster.Status.ACTIVE:
        raise ValidationError(_("Only active clusters can be closed."))
    moment = now or timezone.now()
    until = cluster_quiet_until(cluster)
    if until is not None and timezone.localdate(moment) < until:
        raise ValidationError(
            _("The cluster can close from %(date)s, after the days without new cases.")
            % {"date": until.strftime("%d/%m/%Y")}
        )
    cluster.status = Cluster.Status.CLOSED
    cluster.closed_at = moment
    cluster.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, verb="close_cluster", target=cluster, unit_path=cluster.unit.path)
    return cluster


def close_quiet_clusters(*, actor: Any, now: datetime.datetime | None = None) -> int:
    """Close every active cluster past its quiet period (the daily job)."""
    moment = now or timezone.now()
    closed = 0
    for cluster in Cluster.objects.filter(status=Cluster.Status.ACTIVE):
        until = cluster_quiet_until(cluster)
        if until is not None and timezone.localdate(moment) >= until:
            close_cluster(actor=actor, cluster=cluster, now=moment)
            closed += 1
    return closed


@transaction.atomic
def add_case_to_cluster(
    *, actor: Any, cluster: Cluster, case: Case, note: str = ""
) -> ClusterMember:
    """An official adds a confirmed case they know belongs to the cluster, a link that
    neither the check-ins nor the recorded contacts show (the interview, a field report).
    The official must be able to change the cluster and to see the case. A case belongs to
    one open cluster at a time (clusters are never merged behind the officials' backs).
    Adding it again changes nothing. Audited on the cluster, like the automatic links."""
    require(actor, cluster, "change")
    require(actor, case, "view")
    cluster = Cluster.objects.select_for_update().select_related("unit").get(pk=cluster.pk)
    case = lock_case(case)
    if cluster.status in {Cluster.Status.CLOSED, Cluster.Status.DISMISSED}:
        raise ValidationError(_("This cluster is closed."))
    if not case.is_confirmed:
        raise ValidationError(_("Only confirmed cases belong to clusters."))
    member = ClusterMember.objects.filter(cluster=cluster, case=case).first()
    if member is not None:  # a confirmed case's membership is never a removed one
        return member
    elsewhere = (
        ClusterMember.objects.filter(
            case=case, removed_by_case__isnull=True, cluster__status__in=_OPEN
        )
        .exclude(cluster=cluster)
        .exists()
    )
    if elsewhere:
        raise ValidationError(_("This case already belongs to another open cluster."))
    _join(
        actor,
        cluster,
        [(case, ClusterMember.Link.MANUAL, None, None)],
        timezone.now(),
        note=note.strip()[:255],
    )
    return ClusterMember.objects.get(cluster=cluster, case=case)
