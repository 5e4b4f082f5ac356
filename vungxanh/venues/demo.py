"""Demo venues and check-ins: venues in every commune by population, a demo venue owner
(``chu.chohakhanh``, owner of Chợ Hà Khánh), a registration waiting for the Hà Khánh health
station's approval, and a week of check-ins of the synthetic residents."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from vungxanh.accounts.models import User
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit
from vungxanh.people.models import Person
from vungxanh.venues import actions, bulkload, synthetic
from vungxanh.venues.models import CheckIn, Venue, VenueMember

OWNER_USERNAME = "chu.chohakhanh"
OWNER_VENUE_CODE = "HKCHO001"
PENDING_VENUE_CODE = "HKPHO002"
DEMO_DAYS = 7


def _demo_commune(province: AdminUnit) -> AdminUnit | None:
    return AdminUnit.objects.current().filter(code="06649", path__startswith=province.path).first()


def _ensure_owner(ctx: Any) -> list[str]:
    commune = _demo_commune(ctx.province)
    if commune is None:
        return ["  demo venue owner skipped: commune 06649 (Hà Khánh) is not loaded"]
    lines = []
    venue = Venue.objects.filter(code=OWNER_VENUE_CODE).first()
    if venue is None:
        venue = actions.register_venue(
            actor=SYSTEM,
            unit=commune,
            code=OWNER_VENUE_CODE,
            name="Chợ Hà Khánh",
            kind="market",
            address="Tổ 3, khu 4, phường Hà Khánh",
            capacity=800,
            owner_name="Ban quản lý chợ Hà Khánh",
            owner_phone="+84912000649",
            is_synthetic=True,
        )
    if not User.objects.filter(username=OWNER_USERNAME).exists():
        actions.add_venue_staff(
            actor=SYSTEM,
            venue=venue,
            username=OWNER_USERNAME,
            full_name="Chủ chợ Hà Khánh",
            phone="+84912000649",
            is_owner=True,
            password=settings.DEMO_PASSWORD,
        )
        lines.append(
            f"  {OWNER_USERNAME:<16} venue owner (Chợ Hà Khánh)                      [created]"
        )
    else:
        owner = User.objects.get(username=OWNER_USERNAME)
        VenueMember.objects.get_or_create(venue=venue, user=owner, defaults={"is_owner": True})
        lines.append(
            f"  {OWNER_USERNAME:<16} venue owner (Chợ Hà Khánh)                      [exists]"
        )
    if not Venue.objects.filter(code=PENDING_VENUE_CODE).exists():
        pending = actions.submit_venue(
            actor=None,
            unit=commune,
            name="Quán phở Bà Hạnh",
            kind="restaurant",
            address="Số 12, tổ 5, phường Hà Khánh",
            owner_kind=Venue.OwnerKind.PERSON,
            owner_name="Nguyễn Thị Hạnh",
            owner_phone="+84912000650",
        )
        Venue.objects.filter(pk=pending.pk).update(code=PENDING_VENUE_CODE, is_synthetic=True)
    return lines


def run(ctx: Any) -> list[str]:
    rng = random.Random(ctx.seed + 4)
    lines = ["", "Venues and check-ins:"]
    lines += _ensure_owner(ctx)
    existing = Venue.objects.filter(is_synthetic=True).count()
    if ctx.if_empty and existing > 2:
        lines.append(f"  {existing} venues exist; nothing generated")
        return lines
    persons = Person.objects.filter(
        residence_unit__path__startswith=ctx.province.path, merged_into__isnull=True
    )
    target = max(50, ctx.people // synthetic.PEOPLE_PER_VENUE)
    missing = target - existing
    if missing > 0:
        taken = set(Venue.objects.values_list("code", flat=True))
        venues = synthetic.plan_venues(ctx.province, missing, rng, taken)
        Venue.objects.bulk_create(venues, batch_size=2000)
        lines.append(f"  {len(venues)} venues created ({existing + len(venues)} in all)")
    if CheckIn.objects.exists():
        lines.append(f"  {CheckIn.objects.count():,} check-ins exist; none generated")
        return lines
    if ctx.size == "province":
        # Tens of millions of rows: the bulk loader (COPY, indexes rebuilt) does this part.
        lines.append("  check-ins: run `vungxanh bench load-checkins --days 28`")
        return lines
    rows = list(persons.values_list("pk", "residence_unit_id"))
    if not rows:
        lines.append("  no residents yet: check-ins not generated")
        return lines
    lines.append(f"  {_generate_checkins(ctx, rows):,} check-ins over {DEMO_DAYS} days")
    return lines


def _generate_checkins(ctx: Any, rows: list[tuple[int, int]]) -> int:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with the dev tools
        return 0
    pop = synthetic.load_population(ctx.province, rows)
    # Chợ Hà Khánh is the busiest venue of its commune, so its owner sees real numbers.
    owner_venue = Venue.objects.filter(code=OWNER_VENUE_CODE).values_list("pk", flat=True).first()
    if owner_venue is not None:
        where = np.nonzero(pop.venue_ids == owner_venue)[0]
        if where.size:
            index = int(where[0])
            commune_of = np.searchsorted(pop.commune_start, index, side="right") - 1
            first = int(pop.commune_start[commune_of])
            pop.venue_ids[[first, index]] = pop.venue_ids[[index, first]]
            pop.venue_stay_s[[first, index]] = pop.venue_stay_s[[index, first]]
    generator = np.random.default_rng(ctx.seed)
    now = timezone.now()
    today = timezone.localdate()
    total = 0
    with transaction.atomic():
        for back in range(DEMO_DAYS - 1, -1, -1):
            day = today - datetime.timedelta(days=back)
            start = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            batch = synthetic.generate_day(pop, start, generator, not_after=now)
            if connection.vendor == "postgresql":
                total += bulkload.copy_batch(bulkload.raw_cursor(), batch, now)
                continue
            chunk: list[Any] = []
            for row in synthetic.rows_of(batch, now):
                chunk.append(row)
                if len(chunk) == 2000:
                    total += len(actions.insert_rows(chunk))
                    chunk = []
            total += len(actions.insert_rows(chunk))
    actions.refresh_daily_counts(
        actor=SYSTEM, days=[today - datetime.timedelta(days=n) for n in range(DEMO_DAYS)]
    )
    return total
