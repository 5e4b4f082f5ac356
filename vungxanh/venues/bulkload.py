"""Loading tens of millions of synthetic check-ins into PostgreSQL fast (the load-checkins
benchmark): secondary indexes and constraints dropped, rows streamed day by day with
``COPY … FROM STDIN (FORMAT binary)`` built from NumPy arrays, then the indexes and
constraints re-created exactly as they were (their definitions are read from the catalogue
first), then ``VACUUM ANALYZE`` so that tracing queries get index-only scans."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from vungxanh.venues.synthetic import SOURCES, DayBatch

TABLE = "venues_checkin"
PG_EPOCH_US = 946_684_800 * 1_000_000  # 2000-01-01 in Unix microseconds


@dataclass
class SavedSchema:
    constraints: list[tuple[str, str]] = field(default_factory=list)  # (name, definition)
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX …)


def save_and_drop_schema(cursor: Any) -> SavedSchema:
    """Drop every index and constraint of the table except NOT NULL, remembering them."""
    saved = SavedSchema()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c') ORDER BY contype",
        [TABLE],
    )
    constraints = cursor.fetchall()
    constraint_names = {name for name, _, _ in constraints}
    cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [TABLE])
    saved.indexes = [(n, d) for n, d in cursor.fetchall() if n not in constraint_names]
    # keep CHECK constraints in place (cheap per row); the others are rebuilt after loading
    saved.constraints = [(n, d) for n, d, kind in constraints if kind != "c"]
    for name, _ in saved.constraints:
        cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
    for name, _ in saved.indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return saved


def restore_schema(cursor: Any, saved: SavedSchema, report: Callable[[str, float], None]) -> None:
    """Re-create the saved indexes and constraints: primary and unique keys first, the
    secondary indexes, then the foreign keys (added NOT VALID, then validated)."""
    cursor.execute("SET maintenance_work_mem = '1GB'")
    cursor.execute("SET max_parallel_maintenance_workers = 2")
    keys = [(n, d) for n, d in saved.constraints if d.startswith(("PRIMARY KEY", "UNIQUE"))]
    foreign = [(n, d) for n, d in saved.constraints if d.startswith("FOREIGN KEY")]
    for name, definition in keys:
        started = time.perf_counter()
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        report(f"constraint {name}", time.perf_counter() - started)
    for name, definition in saved.indexes:
        started = time.perf_counter()
        cursor.execute(definition)
        report(f"index {name}", time.perf_counter() - started)
    for name, definition in foreign:
        started = time.perf_counter()
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition} NOT VALID')
        cursor.execute(f'ALTER TABLE {TABLE} VALIDATE CONSTRAINT "{name}"')
        report(f"foreign key {name}", time.perf_counter() - started)


def binary_copy_payload(batch: DayBatch, mask: Any, created_at_us: int) -> bytes:
    """PostgreSQL binary COPY rows for ``venue_id, person_id, check_in, check_out,
    checkout_is_automatic, source, created_at`` of the rows selected by ``mask`` (all of one
    source, so that every row has the same length)."""
    import numpy as np

    rows = int(np.count_nonzero(mask))
    if not rows:
        return b""
    source = str(SOURCES[int(batch.source[mask][0])]).encode()
    slen = len(source)
    dtype = np.dtype(
        [
            ("nfields", ">i2"),
            ("l1", ">i4"),
            ("venue", ">i8"),
            ("l2", ">i4"),
            ("person", ">i8"),
            ("l3", ">i4"),
            ("check_in", ">i8"),
            ("l4", ">i4"),
            ("check_out", ">i8"),
            ("l5", ">i4"),
            ("automatic", "u1"),
            ("l6", ">i4"),
            ("source", f"S{slen}"),
            ("l7", ">i4"),
            ("created_at", ">i8"),
        ]
    )
    out = np.empty(rows, dtype=dtype)
    out["nfields"] = 7
    for name in ("l1", "l2", "l3", "l4", "l7"):
        out[name] = 8
    out["l5"] = 1
    out["l6"] = slen
    out["venue"] = batch.venue_id[mask]
    out["person"] = batch.person_id[mask]
    out["check_in"] = batch.check_in_us[mask] - PG_EPOCH_US
    out["check_out"] = batch.check_out_us[mask] - PG_EPOCH_US
    out["automatic"] = batch.automatic[mask].astype(np.uint8)
    out["source"] = source
    out["created_at"] = np.minimum(batch.check_in_us[mask], created_at_us) - PG_EPOCH_US
    return out.tobytes()


COPY_SQL = (
    f"COPY {TABLE} (venue_id, person_id, check_in, check_out, checkout_is_automatic, source, "
    "created_at) FROM STDIN (FORMAT binary)"
)
HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)


def copy_batch(cursor: Any, batch: DayBatch, created_at: datetime.datetime) -> int:
    """Stream one day through COPY (one COPY per source value). Returns the rows sent."""
    created_us = int(created_at.timestamp() * 1_000_000)
    sent = 0
    for code in range(len(SOURCES)):
        mask = batch.source == code
        payload = binary_copy_payload(batch, mask, created_us)
        if not payload:
            continue
        with cursor.copy(COPY_SQL) as copy:
            copy.write(HEADER)
            view = memoryview(payload)
            step = 8 * 1024 * 1024
            for offset in range(0, len(view), step):
                copy.write(view[offset : offset + step])
            copy.write(TRAILER)
        sent += int(mask.sum())
    return sent


def raw_cursor() -> Any:
    """The psycopg 3 cursor under Django's connection (COPY needs the driver's API)."""
    connection.ensure_connection()
    return connection.connection.cursor()
