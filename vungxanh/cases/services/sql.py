"""The SQL shared by the tracing statements, and the few dialect differences between
PostgreSQL and SQLite."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from vungxanh.cases.rules import TracingRules
from vungxanh.venues import rules as checkin_rules


class Dialect:
    """The SQL that differs between PostgreSQL and SQLite."""

    def __init__(self, vendor: str | None = None) -> None:
        self.pg = (vendor or connection.vendor) == "postgresql"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"

    def minutes(self, end: str, start: str) -> str:
        if self.pg:
            # date_part is double precision (EXTRACT is numeric: slower on a million rows).
            return f"(date_part('epoch', ({end}) - ({start})) / 60.0)"
        # Whole seconds (check-in times are), exact at the minute boundaries.
        return f"((strftime('%%s', {end}) - strftime('%%s', {start})) / 60.0)"

    def shift(self, expr: str, param: str) -> str:
        """``expr`` moved by the interval parameter ``param`` (see :meth:`interval`)."""
        if self.pg:
            return f"({expr} + {param})"
        return f"datetime({expr}, {param})"

    def interval(self, delta: datetime.timedelta) -> Any:
        if self.pg:
            return delta
        return f"{int(delta.total_seconds()):+d} seconds"

    def dt(self, value: datetime.datetime) -> Any:
        if self.pg:
            return value
        return connection.ops.adapt_datetimefield_value(value)


def _to_dt(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
    parsed = parse_datetime(str(value))
    assert parsed is not None, value
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _kind_case(
    column: str, mapping: dict[str, Any], default: Any, prefix: str
) -> tuple[str, dict[str, Any]]:
    """``CASE column WHEN 'market' THEN … ELSE default END`` with named parameters."""
    params: dict[str, Any] = {}
    whens = []
    for i, (kind, value) in enumerate(sorted(mapping.items())):
        if kind == "default":
            continue
        params[f"{prefix}k{i}"] = kind
        params[f"{prefix}v{i}"] = value
        whens.append(f"WHEN %({prefix}k{i})s THEN %({prefix}v{i})s")
    params[f"{prefix}d"] = default
    if not whens:
        return f"%({prefix}d)s", params
    return f"(CASE {column} {' '.join(whens)} ELSE %({prefix}d)s END)", params


def _pairs_sql(d: Dialect, rules: TracingRules, f_table: str, extra_where: str) -> str:
    """Co-presences of the check-ins in ``f_table`` (columns venue_id, s, e or cin, cout,
    f0, and the venue's kind and indoor flag) with everybody else's check-ins, by the rule
    set's contact rule."""
    if rules.contact_rule == "pc_covid":
        join = (
            f"c.venue_id = f.venue_id AND c.check_in >= {d.shift('f.cin', '%(pc_before)s')} "
            f"AND c.check_in <= {d.shift('f.cin', '%(pc_after)s')}"
        )
        os_ = d.greatest("c.check_in", "f.cin")
        oe_ = d.least("c.check_out", "f.cout")
    else:
        join = (
            f"c.venue_id = f.venue_id AND c.check_in >= {d.shift('f.s', '%(stay_before)s')} "
            "AND c.check_in < f.e AND c.check_out > f.s"
        )
        os_ = d.greatest("c.check_in", "f.s")
        oe_ = d.least("c.check_out", "f.e")
    return f"""
    SELECT c.person_id, c.venue_id, f.f0 AS via, f.kind, f.indoor, {os_} AS os, {oe_} AS oe
    FROM {f_table} f JOIN venues_checkin c ON {join}
    WHERE c.person_id <> f.f0 {extra_where}"""  # noqa: S608 (fixed fragments; values are parameters)


def _scored_sql(d: Dialect, rules: TracingRules) -> tuple[str, dict[str, Any]]:
    """From ``pairs``: minutes together, the kind's weight, the per-person rank of each
    co-presence; only co-presences that meet the kind's minimum are kept."""
    min_expr, min_params = _kind_case(
        "p.kind", rules.min_overlap_minutes, rules.min_overlap("default"), "mn"
    )
    w_expr, w_params = _kind_case("p.kind", rules.kind_weights, rules.kind_weight("default"), "kw")
    raw = d.minutes("p.oe", "p.os")
    if rules.contact_rule == "pc_covid":
        mins = d.greatest(raw, "0")
        keep = "1 = 1"
        term = f"({mins} + 1)"
    else:
        mins = raw
        keep = f"{raw} >= {min_expr}"
        term = mins
    sql = f"""
    scored AS (
        SELECT p.person_id, p.venue_id, p.via, p.os, p.oe, {mins} AS mins,
               p.indoor,
               {term} * (CASE WHEN p.indoor THEN %(indoor_w)s ELSE 1.0 END) * {w_expr} AS w,
               ROW_NUMBER() OVER (PARTITION BY p.person_id ORDER BY {raw} DESC, p.os) AS rn
        FROM pairs p
        WHERE {keep}
    ),
    agg AS (
        SELECT person_id, SUM(mins) AS minutes, COUNT(*) AS visits, MIN(os) AS first_start,
               MAX(oe) AS last_end, SUM(w) AS score,
               MAX(CASE WHEN indoor THEN 1 ELSE 0 END) AS indoor,
               MAX(CASE WHEN rn = 1 THEN venue_id END) AS venue_id,
               MAX(CASE WHEN rn = 1 THEN via END) AS via
        FROM scored GROUP BY person_id
    )"""  # noqa: S608 (fixed fragments; values are parameters)
    return sql, {**min_params, **w_params, "indoor_w": rules.indoor_weight}


#: The venue of each check-in of the case (or F1): its kind and indoor flag travel with the
#: co-presences instead of being joined once per pair.
VENUE_JOIN = "JOIN venues_venue fv ON fv.id = ci.venue_id"
VENUE_COLUMNS = "fv.kind AS kind, fv.is_indoor AS indoor"

_HYDRATE = """
SELECT r.person_id, r.minutes, r.visits, r.first_start, r.last_end, r.score, r.indoor,
       r.venue_id, r.total, p.public_id, p.full_name, p.birth_year, p.phone, u.name,
       v.name, v.kind, r.via
FROM ranked r
JOIN people_person p ON p.id = r.person_id
LEFT JOIN geo_adminunit u ON u.id = COALESCE(p.temporary_unit_id, p.residence_unit_id)
LEFT JOIN venues_venue v ON v.id = r.venue_id
ORDER BY r.score DESC, r.person_id"""


def _interval_params(d: Dialect, rules: TracingRules) -> dict[str, Any]:
    pc = datetime.timedelta(minutes=rules.pc_covid_minutes)
    return {
        "stay_before": d.interval(-checkin_rules.max_stay()),
        "pc_before": d.interval(-pc),
        "pc_after": d.interval(pc),
    }
