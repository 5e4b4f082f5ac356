"""F1: who was at the same venue at the same time as the case in its infectious window."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection, transaction
from django.utils import timezone

from vungxanh.cases.models import Case, ExposureType
from vungxanh.cases.rules import TracingRules
from vungxanh.cases.services.sql import (
    _HYDRATE,
    VENUE_COLUMNS,
    VENUE_JOIN,
    Dialect,
    _interval_params,
    _kind_case,
    _pairs_sql,
    _scored_sql,
    _to_dt,
    _uuid,
)
from vungxanh.cases.services.windows import (
    infectious_window,
    rules_for,
)
from vungxanh.venues import rules as checkin_rules


@dataclass(frozen=True)
class Candidate:
    """One proposed contact, ranked by strength."""

    person_id: int
    person_public_id: uuid.UUID
    full_name: str
    birth_year: int
    phone: str
    unit_name: str
    minutes: float
    visits: int
    first_start: datetime.datetime
    last_end: datetime.datetime
    score: float
    indoor: bool
    venue_id: int | None
    venue_name: str
    venue_kind: str
    via_person_id: int | None = None

    @property
    def exposure_type(self) -> str:
        return ExposureType.TRANSPORT if self.venue_kind == "vehicle" else ExposureType.VENUE

    @property
    def rounded_minutes(self) -> int:
        return round(self.minutes)


@dataclass(frozen=True)
class CandidatePage:
    total: int
    offset: int
    items: list[Candidate]

    @property
    def next_offset(self) -> int | None:
        end = self.offset + len(self.items)
        return end if end < self.total else None


#: Statement texts built once per (rule set, dialect, shape): the rules only change the
#: text through their per-kind minimums and weights (as parameters). Keyed by the identity of
#: the parsed rules object, which ``rules_of`` keeps for the life of the process.
_F1_TEXT: dict[tuple[int, bool, bool, bool, str], tuple[TracingRules, str, dict[str, Any]]] = {}

#: A member of the case's household (the inner value is computed once per statement).
_IN_HOUSEHOLD = (
    "EXISTS (SELECT 1 FROM people_person hp WHERE hp.id = a.person_id AND hp.household_id = "
    "(SELECT cp.household_id FROM people_person cp WHERE cp.id = %(person)s))"
)

#: Which proposals a page holds: everyone but the case's household ("apart": the household
#: is proposed first, on its own rows), only the household ("only": the check-in evidence of
#: those rows), or everyone ("any").
Household = Literal["apart", "only", "any"]


def _f1_text(
    rules: TracingRules, d: Dialect, paged: bool, exclude_decided: bool, household: Household
) -> tuple[str, dict[str, Any]]:
    key = (id(rules), d.pg, paged, exclude_decided, household)
    cached = _F1_TEXT.get(key)
    if cached is not None and cached[0] is rules:
        return cached[1], cached[2]
    if rules.contact_rule == "pc_covid":
        f_sql = f"""
        SELECT ci.venue_id, ci.check_in AS cin, ci.check_out AS cout, ci.person_id AS f0,
               {VENUE_COLUMNS}
        FROM venues_checkin ci {VENUE_JOIN}
        WHERE ci.person_id = %(person)s AND ci.check_in >= %(ws)s AND ci.check_in < %(we)s"""  # noqa: S608 (fixed fragments; values are parameters)
    else:
        f_sql = f"""
        SELECT ci.venue_id, {d.greatest("ci.check_in", "%(ws)s")} AS s,
               {d.least("ci.check_out", "%(we)s")} AS e, ci.person_id AS f0, {VENUE_COLUMNS}
        FROM venues_checkin ci {VENUE_JOIN}
        WHERE ci.person_id = %(person)s AND ci.check_in >= %(ws_lo)s AND ci.check_in < %(we)s
          AND ci.check_out > %(ws)s"""  # noqa: S608 (fixed fragments; values are parameters)
    scored, params = _scored_sql(d, rules)
    conditions = []
    if exclude_decided:
        conditions.append(
            "NOT EXISTS (SELECT 1 FROM cases_contact x WHERE x.case_id = %(case)s "
            "AND x.person_id = a.person_id AND x.degree = 1)"
        )
    if household == "apart":
        conditions.append(f"NOT {_IN_HOUSEHOLD}")
    elif household == "only":
        conditions.append(_IN_HOUSEHOLD)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    paging = "LIMIT %(limit)s OFFSET %(offset)s" if paged else ""
    sql = f"""
    WITH f AS ({f_sql}),
    pairs AS ({_pairs_sql(d, rules, "f", "")}),
    {scored},
    ranked AS (
        SELECT a.*, COUNT(*) OVER () AS total FROM agg a {where}
        ORDER BY a.score DESC, a.person_id {paging}
    )
    {_HYDRATE}"""  # noqa: S608 (fixed fragments; values are parameters)
    if len(_F1_TEXT) > 64:
        _F1_TEXT.clear()
    _F1_TEXT[key] = (rules, sql, params)
    return sql, params


def f1_sql(
    case: Case,
    *,
    limit: int | None = None,
    offset: int = 0,
    now: datetime.datetime | None = None,
    exclude_decided: bool = True,
    household: Household = "apart",
) -> tuple[str, dict[str, Any]]:
    """The one statement behind :func:`f1_candidates` (the benchmark runs it bare too)."""
    d = Dialect()
    rules = rules_for(case)
    start, end = infectious_window(case, now)
    stay = checkin_rules.max_stay()
    sql, static = _f1_text(rules, d, limit is not None, exclude_decided, household)
    params = dict(static)
    params.update(_interval_params(d, rules))  # the longest stay may change: not cached
    params.update(
        person=case.person_id,
        ws=d.dt(start),
        we=d.dt(end),
        ws_lo=d.dt(start - stay),
        case=case.pk or 0,
        limit=limit,
        offset=offset,
    )
    return sql, params


def _candidates(rows: Iterable[Sequence[Any]]) -> tuple[int, list[Candidate]]:
    total = 0
    items = []
    for row in rows:
        total = int(row[8])
        items.append(
            Candidate(
                person_id=row[0],
                minutes=float(row[1]),
                visits=int(row[2]),
                first_start=_to_dt(row[3]),
                last_end=_to_dt(row[4]),
                score=float(row[5]),
                indoor=bool(row[6]),
                venue_id=row[7],
                person_public_id=_uuid(row[9]),
                full_name=row[10],
                birth_year=row[11],
                phone=row[12] or "",
                unit_name=row[13] or "",
                venue_name=row[14] or "",
                venue_kind=row[15] or "",
                via_person_id=row[16],
            )
        )
    return total, items


def f1_candidates(
    case: Case,
    *,
    offset: int = 0,
    limit: int | None = None,
    now: datetime.datetime | None = None,
    household: Household = "apart",
) -> CandidatePage:
    """Everyone whose check-ins overlap the case's in its infectious window (by the rule
    set's contact rule and minimum per venue kind), not yet confirmed or dismissed, ranked by
    strength; one page of ``limit`` (default: the rule set's page size). Members of the
    case's household are left out (``household="apart"``: they are proposed as the
    household, once) unless asked for (``"only"``, ``"any"``)."""
    rules = rules_for(case)
    size = limit if limit is not None else rules.proposal_page_size
    sql, params = f1_sql(case, limit=size, offset=offset, now=now, household=household)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        total, items = _candidates(cursor.fetchall())
    return CandidatePage(total=total, offset=offset, items=items)


def pair_exposures(
    case: Case,
    person_id: int,
    other_id: int,
    start: datetime.datetime,
    end: datetime.datetime,
) -> list[dict[str, Any]]:
    """The co-presences of ``other_id`` with ``person_id`` in [start, end) under the case's
    rule set (what a confirmed contact stores: F1 with the case, F2 with an F1)."""
    d = Dialect()
    rules = rules_for(case)
    stay = checkin_rules.max_stay()
    if rules.contact_rule == "pc_covid":
        f_sql = f"""
        SELECT ci.venue_id, ci.check_in AS cin, ci.check_out AS cout, ci.person_id AS f0,
               {VENUE_COLUMNS}
        FROM venues_checkin ci {VENUE_JOIN}
        WHERE ci.person_id = %(person)s AND ci.check_in >= %(ws)s AND ci.check_in < %(we)s"""  # noqa: S608 (fixed fragments; values are parameters)
    else:
        f_sql = f"""
        SELECT ci.venue_id, {d.greatest("ci.check_in", "%(ws)s")} AS s,
               {d.least("ci.check_out", "%(we)s")} AS e, ci.person_id AS f0, {VENUE_COLUMNS}
        FROM venues_checkin ci {VENUE_JOIN}
        WHERE ci.person_id = %(person)s AND ci.check_in >= %(ws_lo)s AND ci.check_in < %(we)s
          AND ci.check_out > %(ws)s"""  # noqa: S608 (fixed fragments; values are parameters)
    scored, params = _scored_sql(d, rules)
    sql = f"""
    WITH f AS ({f_sql}),
    pairs AS ({_pairs_sql(d, rules, "f", "AND c.person_id = %(other)s")}),
    {scored}
    SELECT s.venue_id, s.os, s.oe, s.mins, s.w, v.name, v.kind, v.is_indoor
    FROM scored s JOIN venues_venue v ON v.id = s.venue_id ORDER BY s.os"""  # noqa: S608 (fixed fragments; values are parameters)
    params.update(_interval_params(d, rules))
    params.update(
        person=person_id,
        other=other_id,
        ws=d.dt(start),
        we=d.dt(max(start, end)),
        ws_lo=d.dt(start - stay),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        {
            "venue_id": r[0],
            "start": _to_dt(r[1]),
            "end": _to_dt(r[2]),
            "minutes": round(float(r[3]), 1),
            "weight": float(r[4]),
            "venue": r[5],
            "kind": r[6],
            "indoor": bool(r[7]),
        }
        for r in rows
    ]


def f1_exposure(
    case: Case, person_id: int, now: datetime.datetime | None = None
) -> list[dict[str, Any]]:
    """The co-presences of one F1 candidate with the case in its infectious window."""
    start, end = infectious_window(case, now)
    return pair_exposures(case, case.person_id, person_id, start, end)


#: work_mem of the batch statement (PostgreSQL), for this transaction only.
BATCH_WORK_MEM = "64MB"


@dataclass(frozen=True)
class F1Pair:
    case_id: int
    person_id: int
    minutes: float
    score: float


def f1_pairs_for_cases(cases: Sequence[Case], now: datetime.datetime | None = None) -> list[F1Pair]:
    """F1 of many cases in one statement (the case list's counts, nightly refreshes, the
    benchmark's 1,000 cases). Cases are grouped by rule set; each group is one query."""
    moment = now or timezone.now()
    by_rules: dict[int, list[Case]] = {}
    for case in cases:
        by_rules.setdefault(case.rule_set_id, []).append(case)
    out: list[F1Pair] = []
    for group in by_rules.values():
        out.extend(_f1_pairs(rules_for(group[0]), group, moment))
    return out


def _f1_pairs(rules: TracingRules, cases: list[Case], now: datetime.datetime) -> list[F1Pair]:
    if not cases:
        return []
    sql, params = f1_pairs_sql(rules, cases, now)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A thousand cases group ~10^5 pairs: with the default 4 MB the aggregate and
            # the venue sort spill to disk and the planner picks a merge join (EXPLAIN in
            # the benchmark). Raised for this transaction only.
            cursor.execute("SELECT set_config('work_mem', %s, true)", [BATCH_WORK_MEM])
        cursor.execute(sql, params)
        return [F1Pair(r[0], r[1], float(r[2]), float(r[3])) for r in cursor.fetchall()]


def f1_pairs_sql(
    rules: TracingRules, cases: Sequence[Case], now: datetime.datetime
) -> tuple[str, dict[str, Any]]:
    """The statement of :func:`f1_pairs_for_cases` for cases under one rule set."""
    d = Dialect()
    stay = checkin_rules.max_stay()
    params: dict[str, Any] = {}
    values = []
    for i, case in enumerate(cases):
        start, end = rules.infectious_window(case.anchor_date, case.isolated_at, now)
        params.update(
            {
                f"c{i}": case.pk or -(i + 1),
                f"p{i}": case.person_id,
                f"s{i}": d.dt(start),
                f"l{i}": d.dt(start - stay),
                f"e{i}": d.dt(end),
            }
        )
        values.append(f"(%(c{i})s, %(p{i})s, %(s{i})s, %(l{i})s, %(e{i})s)")
    if rules.contact_rule == "pc_covid":
        f_sql = f"""
        SELECT k.case_id, ci.venue_id, ci.check_in AS cin, ci.check_out AS cout,
               ci.person_id AS f0, {VENUE_COLUMNS}
        FROM k JOIN venues_checkin ci ON ci.person_id = k.person_id
             AND ci.check_in >= k.ws AND ci.check_in < k.we
        {VENUE_JOIN}"""  # noqa: S608 (fixed fragments; values are parameters)
    else:
        f_sql = f"""
        SELECT k.case_id, ci.venue_id, {d.greatest("ci.check_in", "k.ws")} AS s,
               {d.least("ci.check_out", "k.we")} AS e, ci.person_id AS f0, {VENUE_COLUMNS}
        FROM k JOIN venues_checkin ci ON ci.person_id = k.person_id
             AND ci.check_in >= k.lo AND ci.check_in < k.we AND ci.check_out > k.ws
        {VENUE_JOIN}"""  # noqa: S608 (fixed fragments; values are parameters)
    pairs = _pairs_sql(d, rules, "f", "").replace(
        "SELECT c.person_id,", "SELECT f.case_id, c.person_id,", 1
    )
    min_expr, min_params = _kind_case(
        "p.kind", rules.min_overlap_minutes, rules.min_overlap("default"), "mn"
    )
    w_expr, w_params = _kind_case("p.kind", rules.kind_weights, rules.kind_weight("default"), "kw")
    raw = d.minutes("p.oe", "p.os")
    if rules.contact_rule == "pc_covid":
        mins, keep, term = d.greatest(raw, "0"), "1 = 1", f"({d.greatest(raw, '0')} + 1)"
    else:
        mins, keep, term = raw, f"{raw} >= {min_expr}", raw
    sql = f"""
    WITH k(case_id, person_id, ws, lo, we) AS (VALUES {", ".join(values)}),
    f AS ({f_sql}),
    pairs AS ({pairs})
    SELECT p.case_id, p.person_id, SUM({mins}),
           SUM({term} * (CASE WHEN p.indoor THEN %(indoor_w)s ELSE 1.0 END) * {w_expr})
    FROM pairs p
    WHERE {keep}
    GROUP BY p.case_id, p.person_id"""  # noqa: S608 (fixed fragments; values are parameters)
    params.update(min_params)
    params.update(w_params)
    params.update(_interval_params(d, rules))
    params["indoor_w"] = rules.indoor_weight
    return sql, params
