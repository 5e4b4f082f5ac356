"""F2 on demand: contacts of F1 from their exposure until their isolation."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from vungxanh.cases.models import Case, Contact
from vungxanh.cases.services.f1 import (
    CandidatePage,
    _candidates,
)
from vungxanh.cases.services.sql import (
    _HYDRATE,
    VENUE_COLUMNS,
    VENUE_JOIN,
    Dialect,
    _interval_params,
    _pairs_sql,
    _scored_sql,
)
from vungxanh.cases.services.windows import (
    infectious_window,
    rules_for,
)
from vungxanh.venues import rules as checkin_rules


@dataclass(frozen=True)
class F1Source:
    """An F1 whose own contacts are searched: from when they could have been infected
    (their first exposure to the case) until they were isolated."""

    person_id: int
    since: datetime.datetime
    until: datetime.datetime


def f2_sql(
    case: Case, f1s: Sequence[F1Source], *, limit: int, exclude_decided: bool = True
) -> tuple[str, dict[str, Any]]:
    d = Dialect()
    rules = rules_for(case)
    stay = checkin_rules.max_stay()
    params: dict[str, Any] = {}
    values = []
    for i, src in enumerate(f1s):
        params.update(
            {
                f"p{i}": src.person_id,
                f"s{i}": d.dt(src.since),
                f"l{i}": d.dt(src.since - stay),
                f"e{i}": d.dt(max(src.since, src.until)),
            }
        )
        values.append(f"(%(p{i})s, %(s{i})s, %(l{i})s, %(e{i})s)")
    if rules.contact_rule == "pc_covid":
        f_sql = f"""
        SELECT ci.venue_id, ci.check_in AS cin, ci.check_out AS cout, ci.person_id AS f0,
               {VENUE_COLUMNS}
        FROM k JOIN venues_checkin ci ON ci.person_id = k.person_id
             AND ci.check_in >= k.ws AND ci.check_in < k.we
        {VENUE_JOIN}"""  # noqa: S608 (fixed fragments; values are parameters)
    else:
        f_sql = f"""
        SELECT ci.venue_id, {d.greatest("ci.check_in", "k.ws")} AS s,
               {d.least("ci.check_out", "k.we")} AS e, ci.person_id AS f0, {VENUE_COLUMNS}
        FROM k JOIN venues_checkin ci ON ci.person_id = k.person_id
             AND ci.check_in >= k.lo AND ci.check_in < k.we AND ci.check_out > k.ws
        {VENUE_JOIN}"""  # noqa: S608 (fixed fragments; values are parameters)
    scored, scored_params = _scored_sql(d, rules)
    params.update(scored_params)
    exclude = (
        "AND c.person_id <> %(case_person)s "
        "AND NOT EXISTS (SELECT 1 FROM k k2 WHERE k2.person_id = c.person_id)"
    )
    decided = (
        "WHERE NOT EXISTS (SELECT 1 FROM cases_contact x WHERE x.case_id = %(case)s "
        "AND x.person_id = a.person_id)"
        if exclude_decided
        else ""
    )
    sql = f"""
    WITH k(person_id, ws, lo, we) AS (VALUES {", ".join(values)}),
    f AS ({f_sql}),
    pairs AS ({_pairs_sql(d, rules, "f", exclude)}),
    {scored},
    ranked AS (
        SELECT a.*, COUNT(*) OVER () AS total FROM agg a {decided}
        ORDER BY a.score DESC, a.person_id LIMIT %(limit)s
    )
    {_HYDRATE}"""  # noqa: S608 (fixed fragments; values are parameters)
    params.update(_interval_params(d, rules))
    params.update(case_person=case.person_id, case=case.pk or 0, limit=limit)
    return sql, params


def f2_candidates(
    case: Case,
    f1s: Sequence[F1Source],
    *,
    limit: int | None = None,
) -> CandidatePage:
    """Contacts of the given F1s of ``case`` (each from their first exposure until their
    isolation), excluding the case, its F1 and contacts already decided; ranked and capped
    at the rule set's ``f2_cap``. Never expanded automatically (PERFORMANCE.md §5.5)."""
    if not f1s:
        return CandidatePage(total=0, offset=0, items=[])
    rules = rules_for(case)
    cap = min(limit or rules.f2_cap, rules.f2_cap)
    sql, params = f2_sql(case, f1s, limit=cap)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        total, items = _candidates(cursor.fetchall())
    return CandidatePage(total=total, offset=0, items=items)


def f1_source_of(contact: Contact, now: datetime.datetime | None = None) -> F1Source:
    """The F2 window of a confirmed F1: from their first exposure to the case (or the start
    of the case's infectious window) until they were quarantined (or now)."""
    start, _end = infectious_window(contact.case, now)
    since = contact.exposure_start or start
    task = contact.task
    until = task.quarantined_at if task is not None and task.quarantined_at else None
    until = until or now or timezone.now()
    return F1Source(person_id=contact.person_id, since=since, until=max(since, until))
