"""Demo data of the registry: ``ctx.people`` synthetic persons in households, spread over the
synthetic villages in proportion to their population (villages come from geo's demo step).

Households and persons come from :class:`~vungxanh.people.synthetic.PopulationGenerator`.
On PostgreSQL rows are streamed with ``COPY`` in batches of 50,000 persons (1.32 million in a
few minutes); elsewhere with ``bulk_create``. Everything is marked synthetic. Generated data
bypasses the actions on purpose (no audit events for a million invented people).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from vungxanh.geo.demo import split_total
from vungxanh.geo.models import AdminUnit
from vungxanh.people.identity import fold_name
from vungxanh.people.models import Household, Person, PriorityGroup
from vungxanh.people.synthetic import PopulationGenerator, SynthHousehold, SynthPerson

BATCH = 50_000
#: Share of working-age adults who stay temporarily in another commune (workers' lodgings).
TEMPORARY_SHARE = 0.03

WORKPLACES: dict[str, Sequence[str]] = {
    "Thợ mỏ": (
        "Công ty Than Hà Lầm – TKV",
        "Công ty Than Mông Dương – TKV",
        "Công ty Than Núi Béo – TKV",
        "Công ty Than Vàng Danh – TKV",
        "Công ty Than Hòn Gai – TKV",
        "Công ty Than Hạ Long – TKV",
        "Công ty Than Quang Hanh – TKV",
        "Công ty Than Mạo Khê – TKV",
    ),
    "Công nhân": (
        "KCN Cái Lân",
        "KCN Việt Hưng",
        "KCN Đông Mai",
        "KCN Hải Yên",
        "KCN Đầm Nhà Mạc",
        "Nhà máy Nhiệt điện Quảng Ninh",
        "Nhà máy Xi măng Hạ Long",
        "Cảng Cái Lân",
    ),
    "Du lịch - dịch vụ": (
        "Khu du lịch Bãi Cháy",
        "Cảng tàu khách quốc tế Hạ Long",
        "Tàu du lịch vịnh Hạ Long",
        "Khu du lịch Tuần Châu",
        "Nhà hàng, khách sạn tư nhân",
    ),
    "Ngư dân": ("Tàu cá tư nhân",),
    "Tài xế": ("Hợp tác xã vận tải", "Công ty xe khách Quảng Ninh", "Xe công nghệ"),
    "Nhân viên văn phòng": ("Ngân hàng", "Công ty tư nhân", "Bưu điện"),
}
LOCAL_WORKPLACES = {
    "Giáo viên": "Trường THCS {commune}",
    "Nhân viên y tế": "Trạm Y tế {commune}",
    "Cán bộ, công chức": "UBND {commune}",
    "Học sinh": "Trường {school} {commune}",
    "Sinh viên": "Trường Đại học Hạ Long",
}
PRIORITY_BY_OCCUPATION = {
    "Nhân viên y tế": PriorityGroup.FRONTLINE,
    "Lực lượng vũ trang": PriorityGroup.FRONTLINE,
    "Giáo viên": PriorityGroup.TEACHER_OFFICIAL,
    "Cán bộ, công chức": PriorityGroup.TEACHER_OFFICIAL,
    "Tài xế": PriorityGroup.ESSENTIAL,
    "Du lịch - dịch vụ": PriorityGroup.ESSENTIAL,
}
PERSON_COLUMNS = (
    "id",
    "public_id",
    "created_at",
    "updated_at",
    "cccd",
    "cmnd",
    "passport",
    "full_name",
    "name_folded",
    "birth_date",
    "birth_year",
    "sex",
    "nationality",
    "phone",
    "other_phone",
    "residence_unit_id",
    "residence_address",
    "temporary_unit_id",
    "temporary_address",
    "occupation",
    "workplace",
    "comorbidities",
    "pregnancy_week",
    "priority_groups",
    "household_id",
    "relation_to_head",
    "is_self_declared",
    "is_synthetic",
    "merged_into_id",
    "created_by_id",
)
HOUSEHOLD_COLUMNS = (
    "id",
    "public_id",
    "created_at",
    "updated_at",
    "unit_id",
    "address",
    "head_id",
    "is_synthetic",
)


@dataclass
class Place:
    unit: AdminUnit
    commune: AdminUnit
    target: int
    filled: int = 0
    houses: int = 0


def places_for(province: AdminUnit, people: int) -> list[Place]:
    """Villages (or communes without villages) with the number of people each receives."""
    communes = {
        c.pk: c
        for c in AdminUnit.objects.current().filter(
            path__startswith=province.path, level=AdminUnit.Level.COMMUNE
        )
    }
    villages = list(
        AdminUnit.objects.current()
        .filter(path__startswith=province.path, level=AdminUnit.Level.VILLAGE)
        .order_by("path")
    )
    with_villages = {v.parent_id for v in villages}
    units = villages + [c for c in communes.values() if c.pk not in with_villages]
    units.sort(key=lambda u: u.path)
    weights = [float(u.population or 1) for u in units]
    targets = split_total(people, weights)
    return [
        Place(u, communes.get(u.parent_id or 0, u) if u.level == AdminUnit.Level.VILLAGE else u, t)
        for u, t in zip(units, targets, strict=True)
        if t > 0
    ]


class Rows:
    """Turns synthetic households into registry rows (ids assigned up front)."""

    def __init__(self, places: list[Place], seed: int, next_person: int, next_household: int):
        self.places = places
        self.rng = random.Random(seed * 7919 + 17)
        self.person_id = next_person
        self.household_id = next_household
        self.index = 0
        self.now = timezone.now()
        self.temporary_pool = [p.unit.pk for p in places]

    def _place(self) -> Place:
        while self.index < len(self.places) - 1 and (
            self.places[self.index].filled >= self.places[self.index].target
        ):
            self.index += 1
        return self.places[self.index]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _address(self, place: Place) -> str:
        place.houses += 1
        n = place.houses
        if place.unit.kind in (AdminUnit.Kind.QUARTER, AdminUnit.Kind.RESIDENTIAL_GROUP) or (
            place.unit.level == AdminUnit.Level.COMMUNE
        ):
            return f"Số {n % 120 + 1}, ngõ {n // 120 + 1}"
        return f"Xóm {n // 25 + 1}, nhà {n % 25 + 1}"

    def _workplace(self, person: SynthPerson, commune: AdminUnit) -> str:
        options = WORKPLACES.get(person.occupation)
        if options:
            return options[int(self.rng.random() * len(options))]
        local = LOCAL_WORKPLACES.get(person.occupation)
        if local:
            school = "Tiểu học" if person.birth_date.year >= 2010 else "THCS"
            return local.format(commune=commune.name, school=school)
        return ""

    def _priority(self, person: SynthPerson) -> list[str]:
        groups = []
        if person.occupation in PRIORITY_BY_OCCUPATION:
            groups.append(str(PRIORITY_BY_OCCUPATION[person.occupation]))
        if person.comorbidities or person.birth_date.year <= 1956:
            groups.append(str(PriorityGroup.CHRONIC_ELDERLY))
        return groups

    def household(self, synth: SynthHousehold) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        place = self._place()
        place.filled += len(synth.members)
        household_id = self.household_id
        self.household_id += 1
        address = self._address(place)
        persons = []
        head_id = None
        for member in synth.members:
            pid = self.person_id
            self.person_id += 1
            if member.relation_to_head == "head":
                head_id = pid
            temporary = None
            age = 2021 - member.birth_date.year
            if 18 <= age <= 50 and self.rng.random() < TEMPORARY_SHARE:
                temporary = self.temporary_pool[int(self.rng.random() * len(self.temporary_pool))]
                if temporary == place.unit.pk:
                    temporary = None
            persons.append(
                {
                    "id": pid,
                    "public_id": self._uuid(),
                    "created_at": self.now,
                    "updated_at": self.now,
                    "cccd": member.cccd,
                    "cmnd": "",
                    "passport": "",
                    "full_name": member.full_name,
                    "name_folded": fold_name(member.full_name),
                    "birth_date": member.birth_date,
                    "birth_year": member.birth_date.year,
                    "sex": member.sex,
                    "nationality": "VN",
                    "phone": member.phone or "",
                    "other_phone": "",
                    "residence_unit_id": place.unit.pk,
                    "residence_address": address,
                    "temporary_unit_id": temporary,
                    "temporary_address": "Nhà trọ công nhân" if temporary else "",
                    "occupation": member.occupation,
                    "workplace": self._workplace(member, place.commune),
                    "comorbidities": list(member.comorbidities),
                    "pregnancy_week": member.pregnancy_week,
                    "priority_groups": self._priority(member),
                    "household_id": household_id,
                    "relation_to_head": member.relation_to_head,
                    "is_self_declared": False,
                    "is_synthetic": True,
                    "merged_into_id": None,
                    "created_by_id": None,
                }
            )
        household = {
            "id": household_id,
            "public_id": self._uuid(),
            "created_at": self.now,
            "updated_at": self.now,
            "unit_id": place.unit.pk,
            "address": address,
            "head_id": head_id,
            "is_synthetic": True,
        }
        return household, persons


def batches(
    generator: PopulationGenerator, rows: Rows, people: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    households: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    for synth in generator.households(people):
        household, members = rows.household(synth)
        households.append(household)
        persons.extend(members)
        if len(persons) >= BATCH:
            yield households, persons
            households, persons = [], []
    if persons:
        yield households, persons


# --- writers ---------------------------------------------------------------------------------


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        import json

        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime):
        value = value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _copy(table: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    lines = "".join("\t".join(_copy_value(row[c]) for c in columns) + "\n" for row in rows)
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(lines)


def _write_postgres(households: list[dict[str, Any]], persons: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        _copy(Household._meta.db_table, HOUSEHOLD_COLUMNS, households)
        _copy(Person._meta.db_table, PERSON_COLUMNS, persons)


def _write_orm(households: list[dict[str, Any]], persons: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        Household.objects.bulk_create([Household(**h) for h in households], batch_size=2000)
        Person.objects.bulk_create([Person(**p) for p in persons], batch_size=2000)


def _next_id(model: Any) -> int:
    last = model.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Household, Person):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


def _secondary_indexes(table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``table`` that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(ix.indexrelid)
            FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid
            WHERE ix.indrelid = %s::regclass AND NOT ix.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid)
            ORDER BY c.relname
            """,
            [table],
        )
        return list(cursor.fetchall())


def _load_empty_postgres(
    ctx: Any, chunks: Iterator[tuple[list[Any], list[Any]]]
) -> tuple[int, int]:
    """Into empty tables: one transaction that drops the secondary indexes, copies every
    row and builds the indexes again (much faster than maintaining them row by row; an
    interruption rolls everything back, indexes included)."""
    started = time.perf_counter()
    done = households = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        dropped = _secondary_indexes(Person._meta.db_table) + _secondary_indexes(
            Household._meta.db_table
        )
        for name, _definition in dropped:
            cursor.execute(f'DROP INDEX "{name}"')
        for household_rows, person_rows in chunks:
            _copy(Household._meta.db_table, HOUSEHOLD_COLUMNS, household_rows)
            _copy(Person._meta.db_table, PERSON_COLUMNS, person_rows)
            done += len(person_rows)
            households += len(household_rows)
            elapsed = time.perf_counter() - started
            ctx.write(
                f"  people: {done:,}/{ctx.people:,} in {households:,} households "
                f"({elapsed:.0f} s, {done / max(elapsed, 0.001):,.0f}/s)"
            )
        step = time.perf_counter()
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the references now
        ctx.write(f"  people: references checked ({time.perf_counter() - step:.1f} s)")
        for name, definition in dropped:
            step = time.perf_counter()
            cursor.execute(definition)
            ctx.write(f"  people: index {name} rebuilt ({time.perf_counter() - step:.1f} s)")
    return done, households


def generate(ctx: Any) -> tuple[int, int]:
    province: AdminUnit = ctx.province
    places = places_for(province, ctx.people)
    if not places:
        return 0, 0
    generator = PopulationGenerator(seed=ctx.seed, province_code=province.code)
    rows = Rows(places, ctx.seed, _next_id(Person), _next_id(Household))
    chunks = batches(generator, rows, ctx.people)
    if connection.vendor == "postgresql" and not Person.objects.exists():
        done, households = _load_empty_postgres(ctx, chunks)
    else:
        write = _write_postgres if connection.vendor == "postgresql" else _write_orm
        started = time.perf_counter()
        done = households = 0
        for household_rows, person_rows in chunks:
            write(household_rows, person_rows)
            done += len(person_rows)
            households += len(household_rows)
            elapsed = time.perf_counter() - started
            ctx.write(
                f"  people: {done:,}/{ctx.people:,} in {households:,} households "
                f"({elapsed:.0f} s, {done / max(elapsed, 0.001):,.0f}/s)"
            )
    _reset_sequences()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_household; ANALYZE people_person;")
    return done, households


def run(ctx: Any) -> list[str]:
    province: AdminUnit = ctx.province
    existing = Person.objects.filter(residence_unit__path__startswith=province.path)
    if ctx.if_empty and existing.exists():
        return ["people: persons already present"]
    if existing.filter(is_synthetic=True).exists():
        return [
            "people: a synthetic population is already present; not generating another one "
            "(use a fresh database for another size or seed)"
        ]
    started = time.perf_counter()
    people, households = generate(ctx)
    elapsed = time.perf_counter() - started
    if not people:
        return ["people: no communes or villages loaded; run `vungxanh load_units` first"]
    return [
        f"people: {people:,} synthetic persons in {households:,} households "
        f"({people / households:.2f} per household) in {elapsed:.0f} s"
    ]
