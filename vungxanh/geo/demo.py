"""Demo data for units: commune populations consistent with the province total, synthetic
villages, and the facilities a province runs. Everything generated is marked synthetic or
estimate."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from vungxanh.geo.models import AdminUnit, Facility

# 2019 census total of Quảng Ninh, and the approximate district figures of DOMAIN.md §7.3
# (mixed years; used only as weights, then scaled to the census total).
PROVINCE_TOTALS = {"22": 1_320_324}
DISTRICT_WEIGHTS = {
    "193": 300_267,
    "195": 190_232,
    "194": 100_100,
    "196": 120_982,
    "205": 169_300,
    "206": 134_600,
    "203": 52_940,
    "199": 49_300,
    "201": 57_400,
    "207": 5_900,
    "200": 38_100,
    "198": 30_900,
    "202": 21_100,
}
# Highland districts where villages are often called "bản".
HIGHLAND_DISTRICTS = {"198", "202", "199", "200", "201"}
ESTIMATE_SOURCE = "Ước tính tổng hợp (dữ liệu demo vungxanh)"

_VILLAGE_WORDS = [
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Tân Lập",
    "Tân Tiến",
    "Quyết Thắng",
    "Đoàn Kết",
    "Hòa Bình",
    "Thống Nhất",
    "Bình Minh",
    "Cẩm Hải",
    "Đồng Tâm",
    "Hợp Thành",
    "Yên Hải",
    "Thành Công",
    "Phú Lâm",
    "An Hải",
    "Xuân Hòa",
    "Nam Hải",
    "Khe Cát",
    "Đồng Bào",
    "Làng Đài",
    "Vạn Hoa",
]
_HIGHLAND_WORDS = [
    "Khe Mằn",
    "Nà Lộc",
    "Pắc Pò",
    "Nà Sa",
    "Khe Tiền",
    "Cao Sơn",
    "Lòng Vài",
    "Nà Làng",
    "Bắc Cương",
    "Đồng Thắm",
    "Khe Lặc",
    "Pò Hèn",
]


def split_total(total: int, weights: Sequence[float]) -> list[int]:
    """Integers proportional to ``weights`` that add up exactly to ``total``."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    remainder = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[:remainder]:
        out[i] += 1
    return out


def village_names(
    kind: str, count: int, rng: random.Random, highland: bool
) -> list[tuple[str, str]]:
    """(name, kind) of ``count`` plausible villages for a commune of ``kind``."""
    if kind == AdminUnit.Kind.WARD:
        if rng.random() < 0.5:
            return [(f"Khu {i}", AdminUnit.Kind.QUARTER) for i in range(1, count + 1)]
        return [(f"Tổ dân phố {i}", AdminUnit.Kind.RESIDENTIAL_GROUP) for i in range(1, count + 1)]
    if kind == AdminUnit.Kind.TOWNSHIP:
        return [(f"Khu {i}", AdminUnit.Kind.QUARTER) for i in range(1, count + 1)]
    names: list[tuple[str, str]] = []
    words = list(_VILLAGE_WORDS)
    rng.shuffle(words)
    highland_words = list(_HIGHLAND_WORDS)
    rng.shuffle(highland_words)
    for i in range(count):
        if highland and highland_words and rng.random() < 0.6:
            names.append((f"Bản {highland_words.pop()}", AdminUnit.Kind.HAMLET))
        elif words and rng.random() < 0.6:
            names.append((f"Thôn {words.pop()}", AdminUnit.Kind.VILLAGE))
        else:
            names.append((f"Thôn {i + 1}", AdminUnit.Kind.VILLAGE))
    seen: set[str] = set()
    unique = []
    for i, (name, k) in enumerate(names):
        if name in seen:
            name = f"Thôn {i + 1}"
        seen.add(name)
        unique.append((name, k))
    return unique


@dataclass
class GeoDemoResult:
    communes: int = 0
    villages: int = 0
    facilities: int = 0
    population: int = 0
    notes: list[str] = field(default_factory=list)


@transaction.atomic
def build(province: AdminUnit, rng: random.Random) -> GeoDemoResult:
    result = GeoDemoResult()
    total = PROVINCE_TOTALS.get(province.code)
    districts = list(AdminUnit.objects.current().filter(parent=province, level=2).order_by("code"))
    communes_by_district = {
        d.pk: list(AdminUnit.objects.current().filter(parent=d, level=3).order_by("code"))
        for d in districts
    }
    if total is None:
        total = 1_000 * sum(len(c) for c in communes_by_district.values()) * 8
    weights = [
        float(DISTRICT_WEIGHTS.get(d.code, 10_000 * len(communes_by_district[d.pk])))
        for d in districts
    ]
    district_pops = split_total(total, weights)
    year = 2019
    for district, pop in zip(districts, district_pops, strict=True):
        _set_population(district, pop, year)
        communes = communes_by_district[district.pk]
        factor: dict[str, float] = {AdminUnit.Kind.WARD: 1.6, AdminUnit.Kind.TOWNSHIP: 1.3}
        commune_weights = [factor.get(c.kind, 1.0) * rng.lognormvariate(0, 0.35) for c in communes]
        for commune, cpop in zip(communes, split_total(pop, commune_weights), strict=True):
            _set_population(commune, cpop, year)
            result.communes += 1
            result.villages += _villages(commune, cpop, rng, district.code in HIGHLAND_DISTRICTS)
    _set_population(province, total, year, estimate=False, source="Tổng điều tra dân số 2019")
    result.population = total
    result.facilities = _facilities(province, districts, communes_by_district)
    return result


def _set_population(
    unit: AdminUnit,
    population: int,
    year: int,
    estimate: bool = True,
    source: str = ESTIMATE_SOURCE,
) -> None:
    unit.population = population
    unit.population_source = source
    unit.population_year = year
    unit.population_is_estimate = estimate
    unit.save(
        update_fields=[
            "population",
            "population_source",
            "population_year",
            "population_is_estimate",
        ]
    )


def _villages(commune: AdminUnit, population: int, rng: random.Random, highland: bool) -> int:
    if AdminUnit.objects.filter(parent=commune).exists():
        return 0
    count = rng.randint(6, 14) if commune.kind == AdminUnit.Kind.WARD else rng.randint(5, 12)
    names = village_names(commune.kind, count, rng, highland)
    pops = split_total(population, [rng.uniform(0.6, 1.4) for _ in names])
    AdminUnit.objects.bulk_create(
        AdminUnit(
            code=f"{commune.code}-{i:02d}",
            name=name,
            kind=kind,
            level=AdminUnit.Level.VILLAGE,
            parent=commune,
            path=f"{commune.path}{commune.code}-{i:02d}/",
            structure=commune.structure,
            population=pop,
            population_source=ESTIMATE_SOURCE,
            population_year=2019,
            population_is_estimate=True,
            is_synthetic=True,
        )
        for i, ((name, kind), pop) in enumerate(zip(names, pops, strict=True), start=1)
    )
    return len(names)


CHECKPOINT_DISTRICTS = {
    "196": "Chốt kiểm soát ra vào tỉnh – Uông Bí",
    "206": "Chốt kiểm soát cầu Bạch Đằng – Quảng Yên",
    "205": "Chốt kiểm soát ra vào tỉnh – Đông Triều",
    "193": "Chốt kiểm soát ra vào tỉnh – Hạ Long",
    "199": "Chốt kiểm soát ra vào tỉnh – Tiên Yên",
    "202": "Chốt kiểm soát ra vào tỉnh – Ba Chẽ",
}
DISTRICT_LABS = {"194", "195", "196", "205"}


def _facilities(
    province: AdminUnit,
    districts: list[AdminUnit],
    communes_by_district: dict[int, list[AdminUnit]],
) -> int:
    specs: list[dict[str, Any]] = [
        {
            "code": "LAB-CDC",
            "name": "Phòng xét nghiệm – Trung tâm Kiểm soát bệnh tật tỉnh",
            "kind": Facility.Kind.LABORATORY,
            "unit": province,
        },
        {
            "code": "LAB-BVT",
            "name": "Khoa Xét nghiệm – Bệnh viện Đa khoa tỉnh",
            "kind": Facility.Kind.LABORATORY,
            "unit": province,
        },
        {
            "code": "BV-DKT",
            "name": "Bệnh viện Đa khoa tỉnh",
            "kind": Facility.Kind.HOSPITAL,
            "unit": province,
        },
        {
            "code": "BV-BC",
            "name": "Bệnh viện Bãi Cháy",
            "kind": Facility.Kind.HOSPITAL,
            "unit": province,
        },
        {
            "code": "DT-01",
            "name": "Cơ sở thu dung, điều trị COVID-19 số 1",
            "kind": Facility.Kind.TREATMENT,
            "unit": province,
        },
        {
            "code": "CL-01",
            "name": "Khu cách ly tập trung số 1 (Trường Cao đẳng Y tế)",
            "kind": Facility.Kind.QUARANTINE,
            "unit": province,
        },
        {
            "code": "CL-02",
            "name": "Khu cách ly tập trung số 2 (Ký túc xá Đại học Hạ Long)",
            "kind": Facility.Kind.QUARANTINE,
            "unit": province,
        },
    ]
    for d in districts:
        short = (
            d.name.split(" ", 2)[-1]
            if d.name.startswith(("Thành phố", "Thị xã"))
            else (d.name.removeprefix("Huyện "))
        )
        specs.append(
            {
                "code": f"TTYT-{d.code}",
                "name": f"Trung tâm Y tế {short}",
                "kind": Facility.Kind.MEDICAL_CENTRE,
                "unit": d,
            }
        )
        specs.append(
            {
                "code": f"TYTLD-{d.code}",
                "name": f"Trạm Y tế lưu động {short}",
                "kind": Facility.Kind.MOBILE_STATION,
                "unit": d,
            }
        )
        if d.code in DISTRICT_LABS:
            specs.append(
                {
                    "code": f"LAB-{d.code}",
                    "name": f"Phòng xét nghiệm – TTYT {short}",
                    "kind": Facility.Kind.LABORATORY,
                    "unit": d,
                }
            )
        if d.code in CHECKPOINT_DISTRICTS:
            specs.append(
                {
                    "code": f"CHOT-{d.code}",
                    "name": CHECKPOINT_DISTRICTS[d.code],
                    "kind": Facility.Kind.CHECKPOINT,
                    "unit": d,
                }
            )
        for c in communes_by_district[d.pk]:
            specs.append(
                {
                    "code": f"TYT-{c.code}",
                    "name": f"Trạm Y tế {c.name}",
                    "kind": Facility.Kind.HEALTH_STATION,
                    "unit": c,
                }
            )
    existing = set(Facility.objects.values_list("code", flat=True))
    new = [Facility(is_synthetic=True, **s) for s in specs if s["code"] not in existing]
    Facility.objects.bulk_create(new)
    return len(new)


def run(ctx: Any) -> list[str]:
    province: AdminUnit = ctx.province
    if (
        ctx.if_empty
        and AdminUnit.objects.filter(
            path__startswith=province.path, level=AdminUnit.Level.VILLAGE
        ).exists()
    ):
        return ["units: demo villages and populations already present"]
    result = build(province, ctx.rng)
    return [
        f"units: {result.communes} communes given estimated populations "
        f"(total {result.population:,}); {result.villages} synthetic villages; "
        f"{result.facilities} facilities"
    ]
