"""Reads behind the owner's daily counts and the officials' activity pages (aggregates only:
no person appears). Callers pass querysets already restricted to the user."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from vungxanh.geo.models import AdminUnit
from vungxanh.venues.models import CheckIn, CheckInPurge, Venue, VenueDailyCount


def day_range(days: int, end: datetime.date | None = None) -> list[datetime.date]:
    last = end or timezone.localdate()
    return [last - datetime.timedelta(days=n) for n in range(days - 1, -1, -1)]


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight (Asia/Ho_Chi_Minh) of ``day`` as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def daily_counts(
    venue_ids: Iterable[int], days: list[datetime.date]
) -> dict[int, dict[datetime.date, int]]:
    """Check-ins per venue per local day (the venue index answers it)."""
    ids = list(venue_ids)
    out: dict[int, dict[datetime.date, int]] = {vid: dict.fromkeys(days, 0) for vid in ids}
    if not ids or not days:
        return out
    rows = (
        CheckIn.objects.filter(
            venue_id__in=ids,
            check_in__gte=day_start(days[0]),
            check_in__lt=day_start(days[-1] + datetime.timedelta(days=1)),
        )
        .annotate(day=TruncDate("check_in"))
        .values_list("venue_id", "day")
        .annotate(n=Count("id"))
    )
    for venue_id, day, n in rows:
        if day in out[venue_id]:
            out[venue_id][day] = n
    return out


EXPLICIT_VENUE_LIMIT = 3000


@dataclass
class UnitActivity:
    unit: AdminUnit
    venues_active: int = 0
    venues_pending: int = 0
    checkins_today: int = 0
    checkins_week: int = 0


@dataclass(frozen=True)
class Activity:
    rows: list[UnitActivity]
    today_is_live: bool


def activity_by_unit(
    venues: QuerySet[Venue], parent: AdminUnit, children: Iterable[AdminUnit], today: datetime.date
) -> Activity:
    """For each child unit of ``parent``: venues (active, pending) and check-ins today (live,
    from the venue index) and in the last 7 days (earlier days from the daily counts),
    counting only ``venues`` (the user's restricted queryset). Aggregates by venue in the
    database and rolls venues up to units here, so no query joins millions of check-ins."""
    rows = {c.path: UnitActivity(unit=c) for c in children}
    if not rows:
        return Activity(rows=[], today_is_live=True)
    paths = sorted(rows, key=len, reverse=True)
    unit_row: dict[int, UnitActivity] = {}
    for unit_id, path in AdminUnit.objects.filter(path__startswith=parent.path).values_list(
        "pk", "path"
    ):
        for p in paths:
            if path.startswith(p):
                unit_row[unit_id] = rows[p]
                break
    inside = venues.filter(unit__path__startswith=parent.path)
    venue_unit: dict[int, int] = {}
    for venue_id, unit_id, status in inside.values_list("pk", "unit_id", "status"):
        venue_unit[venue_id] = unit_id
        row = unit_row.get(unit_id)
        if row is None:
            continue
        if status == Venue.Status.ACTIVE:
            row.venues_active += 1
        elif status == Venue.Status.PENDING:
            row.venues_pending += 1
    # A short explicit list of venues (a commune) counts today live from the venue index; a
    # large area (a district, the province) reads today from the daily counts as well (the
    # page has the worker recount today every few minutes), and keeps its own venues here.
    live = len(venue_unit) <= EXPLICIT_VENUE_LIMIT
    today_counts: Iterable[tuple[int, int | None]]
    if live:
        ids = list(venue_unit)
        today_counts = (
            CheckIn.objects.filter(venue_id__in=ids, check_in__gte=day_start(today))
            .values_list("venue_id")
            .annotate(n=Count("id"))
        )
        earlier_qs = VenueDailyCount.objects.filter(venue_id__in=ids)
    else:
        earlier_qs = VenueDailyCount.objects.all()
        today_counts = (
            earlier_qs.filter(day=today).values_list("venue_id").annotate(n=Sum("checkins"))
        )
    earlier = (
        earlier_qs.filter(day__gte=today - datetime.timedelta(days=6), day__lt=today)
        .values_list("venue_id")
        .annotate(n=Sum("checkins"))
    )
    for venue_id, n in today_counts:
        row = unit_row.get(venue_unit.get(venue_id, -1))
        if row is not None:
            row.checkins_today += n or 0
            row.checkins_week += n or 0
    for venue_id, n in earlier:
        row = unit_row.get(venue_unit.get(venue_id, -1))
        if row is not None:
            row.checkins_week += n or 0
    return Activity(rows=list(rows.values()), today_is_live=live)


def counts_refreshed_at(day: datetime.date) -> datetime.datetime | None:
    """When the counts of ``day`` were last recomputed."""
    latest: datetime.datetime | None = VenueDailyCount.objects.filter(day=day).aggregate(
        t=Max("refreshed_at")
    )["t"]
    return latest


#: A purge that has not run for longer than this is overdue (it is meant to run daily).
PURGE_OVERDUE = datetime.timedelta(days=2)


@dataclass(frozen=True)
class PurgeStatus:
    last: CheckInPurge | None
    overdue: bool  # never run, or not for more than PURGE_OVERDUE


def purge_status(now: datetime.datetime | None = None) -> PurgeStatus:
    """The last run of the check-in retention purge, and whether it is overdue."""
    last = CheckInPurge.objects.order_by("-finished_at").first()
    now = now or timezone.now()
    return PurgeStatus(last, last is None or now - last.finished_at > PURGE_OVERDUE)
