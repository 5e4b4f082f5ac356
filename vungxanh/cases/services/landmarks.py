"""Landmarks from check-ins with who was there, and backward tracing (possible sources)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db import connection

from vungxanh.cases.models import Case
from vungxanh.cases.services.sql import (
    Dialect,
    _to_dt,
    _uuid,
)
from vungxanh.cases.services.windows import (
    landmark_window,
    rules_for,
)
from vungxanh.venues import rules as checkin_rules


@dataclass(frozen=True)
class CheckInVisit:
    checkin_id: int
    venue_id: int
    check_in: datetime.datetime
    check_out: datetime.datetime
    co_present: int


def landmark_visits(case: Case, now: datetime.datetime | None = None) -> list[CheckInVisit]:
    """The case's check-ins in the landmark window, each with how many other people were
    at that venue at the same time."""
    d = Dialect()
    start, end = landmark_window(case, now)
    stay = checkin_rules.max_stay()
    lower = d.shift("ci.check_in", "%(stay_before)s")
    sql = f"""
    SELECT ci.id, ci.venue_id, ci.check_in, ci.check_out,
           (SELECT COUNT(DISTINCT c.person_id) FROM venues_checkin c
            WHERE c.venue_id = ci.venue_id AND c.check_in >= {lower}
              AND c.check_in < ci.check_out AND c.check_out > ci.check_in
              AND c.person_id <> ci.person_id) AS co_present
    FROM venues_checkin ci
    WHERE ci.person_id = %(person)s AND ci.check_in >= %(lo)s AND ci.check_in < %(we)s
      AND ci.check_out > %(ws)s
    ORDER BY ci.check_in"""  # noqa: S608 (fixed fragments; values are parameters)
    params = {
        "person": case.person_id,
        "lo": d.dt(start - stay),
        "ws": d.dt(start),
        "we": d.dt(end),
        "stay_before": d.interval(-stay),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [CheckInVisit(r[0], r[1], _to_dt(r[2]), _to_dt(r[3]), int(r[4])) for r in rows]


def co_present_count(
    venue_id: int, start: datetime.datetime, end: datetime.datetime, exclude_person_id: int
) -> int:
    """How many people were checked in at a venue at some moment of [start, end)."""
    from vungxanh.venues.models import CheckIn

    return (
        CheckIn.objects.filter(
            venue_id=venue_id,
            check_in__gte=start - checkin_rules.max_stay(),
            check_in__lt=end,
            check_out__gt=start,
        )
        .exclude(person_id=exclude_person_id)
        .values("person_id")
        .distinct()
        .count()
    )


# --- backward tracing -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceCandidate:
    case_id: int
    case_public_id: uuid.UUID
    case_number: int | None
    venue_id: int
    venue_name: str
    start: datetime.datetime
    end: datetime.datetime
    minutes: float


def source_candidates(case: Case, limit: int = 50) -> list[SourceCandidate]:
    """Co-visitors in the look-back (source) window who are, or have since become,
    confirmed cases: where this case may have been infected."""
    d = Dialect()
    rules = rules_for(case)
    start, end = rules.source_window(case.anchor_date)
    stay = checkin_rules.max_stay()
    sql = f"""
    WITH f AS (
        SELECT ci.venue_id, {d.greatest("ci.check_in", "%(ws)s")} AS s,
               {d.least("ci.check_out", "%(we)s")} AS e, ci.person_id AS f0
        FROM venues_checkin ci
        WHERE ci.person_id = %(person)s AND ci.check_in >= %(ws_lo)s AND ci.check_in < %(we)s
          AND ci.check_out > %(ws)s
    ),
    pairs AS (
        SELECT c.person_id, c.venue_id, {d.greatest("c.check_in", "f.s")} AS os,
               {d.least("c.check_out", "f.e")} AS oe
        FROM f JOIN venues_checkin c ON c.venue_id = f.venue_id
             AND c.check_in >= {d.shift("f.s", "%(stay_before)s")} AND c.check_in < f.e
             AND c.check_out > f.s
        WHERE c.person_id <> %(person)s
    )
    SELECT k.id, k.public_id, k.number, p.venue_id, v.name, p.os, p.oe,
           {d.minutes("p.oe", "p.os")}
    FROM pairs p
    JOIN cases_case k ON k.person_id = p.person_id AND k.classification = 'confirmed'
         AND k.id <> %(case)s
    JOIN venues_venue v ON v.id = p.venue_id
    ORDER BY p.os, k.id
    LIMIT %(limit)s"""  # noqa: S608 (fixed fragments; values are parameters)
    params = {
        "person": case.person_id,
        "ws": d.dt(start),
        "we": d.dt(end),
        "ws_lo": d.dt(start - stay),
        "stay_before": d.interval(-stay),
        "case": case.pk or 0,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        SourceCandidate(
            case_id=r[0],
            case_public_id=_uuid(r[1]),
            case_number=r[2],
            venue_id=r[3],
            venue_name=r[4],
            start=_to_dt(r[5]),
            end=_to_dt(r[6]),
            minutes=float(r[7]),
        )
        for r in rows
    ]
