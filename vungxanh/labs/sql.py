"""The one place with SQL the ORM cannot say efficiently: creating thousands of pools and
tens of thousands of memberships in one statement each (``vungxanh bench pooling``). Each
statement has a portable fallback and is tested on SQLite and PostgreSQL
(tests/test_pools.py)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from django.db import connection

from vungxanh.labs.models import Pool, PoolMember, Sample, TestingRuleSet

T = TypeVar("T")

CHUNK = 5_000


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_pools(
    *,
    lab_id: int,
    rule_set: TestingRuleSet,
    codes: Sequence[str],
    sizes: Sequence[int],
    created_at: datetime.datetime,
    created_by_id: int | None,
) -> list[Pool]:
    """Create ready pools (one per code, with its size), returned in the same order."""
    if connection.vendor != "postgresql":
        return Pool.objects.bulk_create(
            [
                Pool(
                    code=code,
                    lab_id=lab_id,
                    rule_set=rule_set,
                    size=size,
                    created_at=created_at,
                    created_by_id=created_by_id,
                )
                for code, size in zip(codes, sizes, strict=True)
            ],
            batch_size=1_000,
        )
    table = Pool._meta.db_table
    public_ids = [uuid.uuid4() for _ in codes]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (public_id, code, lab_id, rule_set_id, size, status, result,
                                 attempts, well, created_at, created_by_id, is_synthetic)
            SELECT u.public_id, u.code, %s, %s, u.size, %s, %s, 0, '', %s, %s, false
            FROM unnest(%s::uuid[], %s::varchar[], %s::int[]) AS u(public_id, code, size)
            RETURNING id, code
            """,  # noqa: S608 - the table name is ours, every value is a parameter
            [
                lab_id,
                rule_set.pk,
                Pool.Status.READY.value,
                "pending",
                created_at,
                created_by_id,
                public_ids,
                list(codes),
                list(sizes),
            ],
        )
        ids = {code: pk for pk, code in cursor.fetchall()}
    pools = []
    for code, size, public_id in zip(codes, sizes, public_ids, strict=True):
        # The rows as inserted: no need to read them back.
        pool = Pool(
            id=ids[code],
            public_id=public_id,
            code=code,
            lab_id=lab_id,
            rule_set=rule_set,
            size=size,
            created_at=created_at,
            created_by_id=created_by_id,
        )
        pool._state.adding = False
        pool._state.db = connection.alias
        pools.append(pool)
    return pools


def add_members(pairs: Iterable[tuple[int, int]]) -> int:
    """Put each sample ``(sample_id, pool_id)`` into its pool, only if it still waits at the
    laboratory as a screening RT-PCR sample in no pool. Returns how many were added (the
    caller compares it with what it asked for)."""
    pairs = list(pairs)
    if not pairs:
        return 0
    members, samples = PoolMember._meta.db_table, Sample._meta.db_table
    received = Sample.Status.RECEIVED.value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                INSERT INTO {members} (pool_id, sample_id)
                SELECT v.pool_id, v.sample_id
                FROM unnest(%s::bigint[], %s::bigint[]) AS v(sample_id, pool_id)
                JOIN {samples} s ON s.id = v.sample_id
                WHERE s.status = %s AND NOT s.single_only AND s.test_kind = 'pcr'
                ON CONFLICT (sample_id) DO NOTHING
                """,  # noqa: S608 - the table names are ours, every value is a parameter
                [[p[0] for p in pairs], [p[1] for p in pairs], received],
            )
            return int(cursor.rowcount)
        done = 0
        for part in chunks(pairs):
            cursor.executemany(
                f"INSERT OR IGNORE INTO {members} (pool_id, sample_id) "  # noqa: S608
                f"SELECT %s, id FROM {samples} WHERE id = %s AND status = %s "
                "AND single_only = 0 AND test_kind = 'pcr'",
                [(pool_id, sample_id, received) for sample_id, pool_id in part],
            )
            done += int(cursor.rowcount)
        return done
