"""Epidemiological landmarks: built from check-ins, added from the interview, published
and withdrawn."""

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
    FUTURE_TOLERANCE,
    check_not_before,
    lock_case,
    user_of,
)
from vungxanh.cases.models import (
    Case,
    Landmark,
)
from vungxanh.core import audit
from vungxanh.core.scoping import require
from vungxanh.geo.models import AdminUnit


def build_landmarks(actor: Any, case: Case, now: datetime.datetime) -> dict[str, int]:
    visits = services.landmark_visits(case, now)
    existing = {
        lm.checkin_id: lm
        for lm in Landmark.objects.filter(case=case, origin=Landmark.Origin.CHECKIN)
    }
    from vungxanh.venues.models import Venue

    venues = Venue.objects.in_bulk({v.venue_id for v in visits})
    added = updated = 0
    seen = set()
    for visit in visits:
        seen.add(visit.checkin_id)
        venue = venues.get(visit.venue_id)
        lm = existing.get(visit.checkin_id)
        if lm is None:
            Landmark.objects.create(
                case=case,
                origin=Landmark.Origin.CHECKIN,
                checkin_id=visit.checkin_id,
                venue_id=visit.venue_id,
                place="",
                address=venue.address if venue else "",
                unit_id=venue.unit_id if venue else None,
                start=visit.check_in,
                end=visit.check_out,
                vehicle=venue.name if venue and venue.kind == "vehicle" else "",
                route=venue.route if venue else "",
                co_present=visit.co_present,
                created_at=now,
                created_by=user_of(actor),
            )
            added += 1
        elif (lm.start, lm.end, lm.co_present) != (
            visit.check_in,
            visit.check_out,
            visit.co_present,
        ):
            lm.start, lm.end, lm.co_present = visit.check_in, visit.check_out, visit.co_present
            lm.save(update_fields=["start", "end", "co_present"])
            updated += 1
    gone = [lm.pk for cid, lm in existing.items() if cid not in seen and not lm.is_published]
    removed = Landmark.objects.filter(pk__in=gone).delete()[0] if gone else 0
    return {"added": added, "updated": updated, "removed": removed}


@transaction.atomic
def refresh_landmarks(*, actor: Any, case: Case) -> dict[str, int]:
    """Rebuild the check-in landmarks (late uploads, changed dates) and recount who was
    there at the same time."""
    require(actor, case, "change")
    case = lock_case(case)
    now = timezone.now()
    counts = build_landmarks(actor, case, now)
    audit.record(
        actor=actor,
        verb="refresh_landmarks",
        target=case,
        unit_path=case.responsible_unit.path,
        extra=counts,
    )
    # Late check-ins may put the case at a place another case visited at the same time.
    link_clusters(actor, case, now)
    return counts


@transaction.atomic
def add_landmark(
    *,
    actor: Any,
    case: Case,
    start: datetime.datetime,
    end: datetime.datetime,
    venue: Any = None,
    place: str = "",
    address: str = "",
    unit: AdminUnit | None = None,
    vehicle: str = "",
    route: str = "",
    note: str = "",
    reported_people: int | None = None,
) -> Landmark:
    """A place, event or trip from the interview."""
    require(actor, case, "change")
    case = lock_case(case)
    if case.is_discarded:
        raise ValidationError(_("A discarded case cannot be changed; reinstate it first."))
    errors: dict[str, str] = {}
    if venue is None and not place.strip():
        errors["place"] = _("Choose a venue or describe the place.")
    if end < start:
        errors["end"] = _("The end is before the start.")
    now = timezone.now()
    if start > now + FUTURE_TOLERANCE:
        errors["start"] = _("The start cannot be in the future.")
    elif end > now + FUTURE_TOLERANCE:
        errors["end"] = _("The end cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    check_not_before(start, services.landmark_window(case, now)[0], "start")
    co_present = (
        services.co_present_count(venue.pk, start, end, case.person_id)
        if venue is not None
        else None
    )
    landmark = Landmark.objects.create(
        case=case,
        origin=Landmark.Origin.INTERVIEW,
        venue=venue,
        place=place.strip(),
        address=address.strip() or (venue.address if venue is not None else ""),
        unit=unit or (venue.unit if venue is not None else None),
        start=start,
        end=end,
        vehicle=vehicle.strip(),
        route=route.strip(),
        note=note.strip(),
        co_present=co_present,
        reported_people=reported_people,
        created_by=user_of(actor),
    )
    audit.record(
        actor=actor,
        verb="add_landmark",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={"landmark": landmark, "place": landmark.place_label, "start": start, "end": end},
    )
    if venue is not None:
        link_clusters(actor, case, now)  # another case may have been there at the time
    return landmark


@transaction.atomic
def remove_landmark(*, actor: Any, landmark: Landmark) -> None:
    """Remove an interview landmark entered by mistake (never a published one)."""
    require(actor, landmark, "change")
    landmark = (
        Landmark.objects.select_for_update(of=("self",)).select_related("case").get(pk=landmark.pk)
    )
    if landmark.is_published:
        raise ValidationError(_("Withdraw the landmark from the public list first."))
    if landmark.origin != Landmark.Origin.INTERVIEW:
        raise ValidationError(_("Landmarks from check-ins cannot be removed."))
    case = landmark.case
    audit.record(
        actor=actor,
        verb="remove_landmark",
        target=case,
        unit_path=case.responsible_unit.path,
        extra={"place": landmark.place_label, "start": landmark.start, "end": landmark.end},
    )
    landmark.delete()


@transaction.atomic
def publish_landmark(*, actor: Any, landmark: Landmark, public_note: str = "") -> Landmark:
    """Put a landmark on the public list ("people who were at … between … and … contact
    the health station"). Only landmarks of confirmed cases; the case is never named."""
    require(actor, landmark, "change")
    landmark = (
        Landmark.objects.select_for_update(of=("self",)).select_related("case").get(pk=landmark.pk)
    )
    if not landmark.case.is_confirmed:
        raise ValidationError(_("Only landmarks of confirmed cases can be published."))
    if landmark.unit_id is None and landmark.venue_id is None:
        raise ValidationError(_("Set the unit of the place before publishing it."))
    now = timezone.now()
    landmark.is_published = True
    landmark.published_at = now
    landmark.published_by = user_of(actor)
    landmark.withdrawn_at = None
    landmark.withdrawn_by_discard = False
    landmark.public_note = public_note.strip()[:255]
    landmark.save()
    audit.record(
        actor=actor,
        verb="publish_landmark",
        target=landmark.case,
        unit_path=landmark.case.responsible_unit.path,
        extra={"landmark": landmark, "place": landmark.place_label},
    )
    return landmark


@transaction.atomic
def withdraw_landmark(*, actor: Any, landmark: Landmark) -> Landmark:
    require(actor, landmark, "change")
    landmark = (
        Landmark.objects.select_for_update(of=("self",)).select_related("case").get(pk=landmark.pk)
    )
    if not landmark.is_published:
        return landmark
    landmark.is_published = False
    landmark.withdrawn_at = timezone.now()
    landmark.save(update_fields=["is_published", "withdrawn_at"])
    audit.record(
        actor=actor,
        verb="withdraw_landmark",
        target=landmark.case,
        unit_path=landmark.case.responsible_unit.path,
        extra={"landmark": landmark, "place": landmark.place_label},
    )
    return landmark
