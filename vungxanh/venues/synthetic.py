"""Synthetic venues and check-ins for the demo and the benchmarks (never real data).

Venues: about one per 22 residents, spread over communes by population, of realistic kinds
and names. Check-ins: about 0.8 per person per day between 06:00 and 22:00 with morning,
noon and evening peaks; most at venues of the person's own commune, the rest anywhere in the
province; skewed popularity (the ``u²`` rule of PERFORMANCE.md §5.2: a few venues are very
busy, most are quiet); stays log-normal (median about 20 minutes) or the venue's automatic
check-out, never beyond the longest stay. Generation is vectorised with NumPy (optional
dependency of the demo and benchmarks only), one day at a time.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vungxanh.geo.models import AdminUnit
from vungxanh.venues import rules
from vungxanh.venues.models import CheckIn, Venue, VenueKind

if TYPE_CHECKING:
    import numpy as np

PEOPLE_PER_VENUE = 22
CHECKINS_PER_PERSON_DAY = 0.8
LOCAL_SHARE = 0.8  # check-ins at a venue of the person's own commune

#: (kind, share of venues, name patterns; {c} is the commune's name, {n} a number)
KINDS: list[tuple[str, float, tuple[str, ...]]] = [
    (VenueKind.RESTAURANT, 0.26, ("Quán ăn {c} số {n}", "Cà phê {c} {n}", "Nhà hàng {c} {n}")),
    (VenueKind.OTHER, 0.16, ("Cửa hàng tạp hóa {c} {n}", "Tiệm thuốc {c} {n}")),
    (VenueKind.OFFICE, 0.10, ("Công ty TNHH {c} {n}", "Văn phòng {c} {n}")),
    (VenueKind.SUPERMARKET, 0.06, ("Siêu thị mini {c} {n}", "Cửa hàng tiện lợi {c} {n}")),
    (VenueKind.MARKET, 0.04, ("Chợ {c}", "Chợ {c} {n}")),
    (
        VenueKind.SCHOOL,
        0.05,
        ("Trường Tiểu học {c} {n}", "Trường THCS {c} {n}", "Trường Mầm non {c} {n}"),
    ),
    (VenueKind.FACTORY, 0.05, ("Xưởng sản xuất {c} {n}", "Nhà máy {c} {n}")),
    (VenueKind.CONSTRUCTION, 0.04, ("Công trình {c} {n}",)),
    (VenueKind.HOSPITAL, 0.03, ("Phòng khám {c} {n}", "Nhà thuốc {c} {n}")),
    (VenueKind.HOTEL, 0.06, ("Khách sạn {c} {n}", "Nhà nghỉ {c} {n}")),
    (VenueKind.TOURIST_SITE, 0.02, ("Điểm du lịch {c} {n}",)),
    (VenueKind.VEHICLE, 0.04, ("Xe khách {c} {n}", "Xe buýt tuyến {n}")),
    (VenueKind.EVENT, 0.02, ("Sự kiện {c} {n}",)),
    (VenueKind.RELIGIOUS, 0.07, ("Chùa {c} {n}", "Nhà thờ {c} {n}", "Đình {c} {n}")),
]
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def synthetic_code(rng: random.Random) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class CommuneSlot:
    unit: AdminUnit
    weight: float


def communes_with_weights(province: AdminUnit) -> list[CommuneSlot]:
    communes = (
        AdminUnit.objects.current()
        .communes()
        .filter(path__startswith=province.path)
        .order_by("path")
    )
    return [CommuneSlot(c, float(c.population or 1000)) for c in communes]


def plan_venues(
    province: AdminUnit, total: int, rng: random.Random, taken: set[str] | None = None
) -> list[Venue]:
    """``total`` unsaved synthetic venues spread over the province's communes by population."""
    slots = communes_with_weights(province)
    if not slots or total <= 0:
        return []
    taken = set(taken or ())
    weights = [s.weight for s in slots]
    counts = [0] * len(slots)
    for index in rng.choices(range(len(slots)), weights=weights, k=total):
        counts[index] += 1
    kinds = [k for k, _, _ in KINDS]
    kind_weights = [w for _, w, _ in KINDS]
    patterns = {k: p for k, _, p in KINDS}
    villages: dict[int, list[AdminUnit]] = {}
    for village in AdminUnit.objects.villages().filter(path__startswith=province.path):
        villages.setdefault(village.parent_id or 0, []).append(village)
    out: list[Venue] = []
    for slot, count in zip(slots, counts, strict=True):
        commune = slot.unit
        local_villages = villages.get(commune.pk, [])
        for n in range(1, count + 1):
            kind = rng.choices(kinds, weights=kind_weights)[0]
            name = rng.choice(patterns[kind]).format(c=commune.name.split(" ", 1)[-1], n=n)
            code = synthetic_code(rng)
            while code in taken:
                code = synthetic_code(rng)
            taken.add(code)
            unit = rng.choice(local_villages) if local_villages and rng.random() < 0.6 else commune
            out.append(
                Venue(
                    code=code,
                    name=name,
                    kind=kind,
                    unit=unit,
                    address=f"Số {rng.randint(1, 400)}, {unit.name}",
                    route=f"{commune.name} – Hà Nội" if kind == VenueKind.VEHICLE else "",
                    capacity=rng.choice([20, 30, 50, 80, 120, 200, 500]),
                    is_indoor=kind not in (VenueKind.TOURIST_SITE, VenueKind.CONSTRUCTION),
                    status=Venue.Status.ACTIVE,
                    owner_kind=Venue.OwnerKind.BUSINESS,
                    owner_name=f"Hộ kinh doanh {name}",
                    is_synthetic=True,
                )
            )
    return out


@dataclass
class Population:
    """Arrays describing who may check in where (NumPy)."""

    person_ids: np.ndarray  # int64
    person_commune: np.ndarray  # int32 index into communes
    venue_ids: np.ndarray  # int64, grouped by commune, most popular first inside each commune
    venue_stay_s: np.ndarray  # int64 automatic check-out delay (seconds)
    commune_start: np.ndarray  # int64 first venue index of each commune
    commune_count: np.ndarray  # int64 number of venues of each commune
    global_order: np.ndarray  # int64 venue indices, most popular first (province-wide)


def load_population(province: AdminUnit, person_rows: Sequence[tuple[int, int]]) -> Population:
    """Build the arrays from ``(person id, residence unit id)`` rows and the active venues."""
    import numpy as np

    communes = list(
        AdminUnit.objects.current()
        .communes()
        .filter(path__startswith=province.path)
        .order_by("path")
    )
    commune_index = {c.pk: i for i, c in enumerate(communes)}
    for village_id, parent_id in (
        AdminUnit.objects.villages()
        .filter(path__startswith=province.path)
        .values_list("pk", "parent_id")
    ):
        if parent_id in commune_index:
            commune_index[village_id] = commune_index[parent_id]
    current = rules.in_force()
    venues = list(
        Venue.objects.active()
        .filter(unit__path__startswith=province.path)
        .values_list("pk", "unit_id", "unit__parent_id", "kind", "default_stay_minutes")
    )
    rng = np.random.default_rng(7)
    popularity = rng.random(len(venues))
    venue_commune = np.array(
        [commune_index.get(u, commune_index.get(p or -1, -1)) for _, u, p, _, _ in venues],
        dtype=np.int64,
    )
    # most popular first inside each commune (sorted by commune, then popularity desc)
    order = np.lexsort((-popularity, venue_commune))
    venue_ids = np.array([v[0] for v in venues], dtype=np.int64)[order]
    stays = np.array(
        [int(current.default_stay(k, o).total_seconds()) for _, _, _, k, o in venues],
        dtype=np.int64,
    )[order]
    sorted_commune = venue_commune[order]
    n_communes = len(communes)
    counts = np.bincount(sorted_commune[sorted_commune >= 0], minlength=n_communes).astype(np.int64)
    start = np.zeros(n_communes, dtype=np.int64)
    first_valid = int(np.searchsorted(sorted_commune, 0))
    start[:] = first_valid + np.concatenate(([0], np.cumsum(counts)[:-1]))
    global_order = np.argsort(-popularity[order], kind="stable").astype(np.int64)
    persons = np.array(person_rows, dtype=np.int64).reshape(-1, 2)
    person_commune = np.array(
        [commune_index.get(int(u), -1) for u in persons[:, 1]], dtype=np.int64
    )
    return Population(
        person_ids=persons[:, 0].copy(),
        person_commune=person_commune,
        venue_ids=venue_ids,
        venue_stay_s=stays,
        commune_start=start,
        commune_count=counts,
        global_order=global_order,
    )


@dataclass
class DayBatch:
    venue_id: np.ndarray
    person_id: np.ndarray
    check_in_us: np.ndarray  # microseconds since the Unix epoch (UTC)
    check_out_us: np.ndarray
    automatic: np.ndarray  # bool
    source: np.ndarray  # int8: 0 resident_scan, 1 staff_scan, 2 cccd_qr

    def __len__(self) -> int:
        return int(self.venue_id.shape[0])


SOURCES = (CheckIn.Source.RESIDENT_SCAN, CheckIn.Source.STAFF_SCAN, CheckIn.Source.CCCD_QR)


def generate_day(
    pop: Population,
    day_start: datetime.datetime,
    rng: Any,
    rate: float = CHECKINS_PER_PERSON_DAY,
    not_after: datetime.datetime | None = None,
    max_stay_s: int = rules.DEFAULT_MAX_STAY_MINUTES * 60,
) -> DayBatch:
    """One day of check-ins (``day_start`` is local midnight, aware)."""
    import numpy as np

    n_people = pop.person_ids.shape[0]
    n_venues = pop.venue_ids.shape[0]
    n = int(rng.poisson(rate * n_people)) if n_people and n_venues else 0
    who = rng.integers(0, n_people, size=n)
    commune = pop.person_commune[who]
    count = np.where(commune >= 0, pop.commune_count[np.maximum(commune, 0)], 0)
    local = (rng.random(n) < LOCAL_SHARE) & (count > 0)
    u = rng.random(n)
    local_index = pop.commune_start[np.maximum(commune, 0)] + np.floor(count * u * u).astype(
        np.int64
    )
    v = rng.random(n)
    global_index = pop.global_order[np.floor(n_venues * v * v).astype(np.int64)]
    venue_index = np.where(local, local_index, global_index)
    # time of day: half uniform over 06:00-22:00, half around 07:30, 12:00 and 18:30
    seconds = rng.uniform(6 * 3600, 22 * 3600, size=n)
    peaks = np.array([7.5, 12.0, 18.5]) * 3600
    peaked = rng.random(n) < 0.5
    around = peaks[rng.integers(0, 3, size=n)] + rng.normal(0, 3600, size=n)
    seconds = np.where(peaked, np.clip(around, 6 * 3600, 22 * 3600 - 60), seconds)
    start_us = int(day_start.timestamp()) * 1_000_000
    check_in = start_us + (seconds * 1_000_000).astype(np.int64)
    automatic = rng.random(n) < 0.6
    stay_s = np.minimum(max_stay_s, 300 + np.exp(2.7 + 0.9 * rng.standard_normal(n)) * 60)
    default_s = pop.venue_stay_s[venue_index]
    stay_s = np.where(automatic, default_s, np.minimum(stay_s, np.maximum(default_s * 1.5, 600)))
    check_out = check_in + (stay_s * 1_000_000).astype(np.int64)
    source = rng.choice(3, size=n, p=[0.75, 0.2, 0.05]).astype(np.int8)
    batch = DayBatch(
        venue_id=pop.venue_ids[venue_index],
        person_id=pop.person_ids[who],
        check_in_us=check_in,
        check_out_us=check_out,
        automatic=automatic,
        source=source,
    )
    order = np.argsort(batch.check_in_us, kind="stable")  # rows arrive in time order
    keep = order
    if not_after is not None:
        limit = int(not_after.timestamp() * 1_000_000)
        keep = order[batch.check_in_us[order] <= limit]
    return DayBatch(
        venue_id=batch.venue_id[keep],
        person_id=batch.person_id[keep],
        check_in_us=batch.check_in_us[keep],
        check_out_us=batch.check_out_us[keep],
        automatic=batch.automatic[keep],
        source=batch.source[keep],
    )


def rows_of(batch: DayBatch, created_at: datetime.datetime) -> Iterator[Any]:
    """The batch as action Rows (for small data sets written through insert_rows)."""
    import uuid

    from vungxanh.venues.actions import Row

    utc = datetime.UTC
    epoch = datetime.datetime(1970, 1, 1, tzinfo=utc)
    for i in range(len(batch)):
        check_in = epoch + datetime.timedelta(microseconds=int(batch.check_in_us[i]))
        yield Row(
            venue_id=int(batch.venue_id[i]),
            person_id=int(batch.person_id[i]),
            check_in=check_in,
            check_out=epoch + datetime.timedelta(microseconds=int(batch.check_out_us[i])),
            automatic=bool(batch.automatic[i]),
            source=str(SOURCES[int(batch.source[i])]),
            uuid=uuid.uuid4(),
            recorded_by_id=None,
            created_at=min(check_in, created_at),
        )
