"""Loading administrative units from the GSO lists.

Sources, in order of fidelity:

* the project's own copy of a GSO 2021 list (``data/gso_2021_<province>.csv``; Quảng Ninh);
* the ``vietnamadminunits`` package (MIT): its SQLite dataset has every province in the
  three-level structure (GSO snapshot of 2025-01-04, the last before the reform) and in the
  two-level structure in force from 1 July 2025, with coordinates and the old→new mapping.
  We read the dataset file directly and never import the package.
"""

from __future__ import annotations

import csv
import datetime
import importlib.util
import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from vungxanh.core import audit
from vungxanh.geo.models import AdminUnit, UnitSuccession

DATA_DIR = Path(__file__).resolve().parent / "data"
REFORM_2025 = datetime.date(2025, 7, 1)

_KIND_PREFIXES: dict[int, list[tuple[str, str]]] = {
    AdminUnit.Level.PROVINCE: [
        ("Tỉnh ", AdminUnit.Kind.PROVINCE),
        ("Thành phố ", AdminUnit.Kind.CENTRAL_CITY),
    ],
    AdminUnit.Level.DISTRICT: [
        ("Thành phố ", AdminUnit.Kind.CITY),
        ("Thị xã ", AdminUnit.Kind.TOWN),
        ("Huyện ", AdminUnit.Kind.RURAL_DISTRICT),
        ("Quận ", AdminUnit.Kind.URBAN_DISTRICT),
    ],
    AdminUnit.Level.COMMUNE: [
        ("Phường ", AdminUnit.Kind.WARD),
        ("Xã ", AdminUnit.Kind.COMMUNE),
        ("Thị trấn ", AdminUnit.Kind.TOWNSHIP),
        ("Đặc khu ", AdminUnit.Kind.SPECIAL_ZONE),
    ],
}


class UnitSourceError(Exception):
    """The requested province or structure cannot be found in any source."""


def kind_for(name: str, level: int) -> str:
    for prefix, kind in _KIND_PREFIXES.get(level, []):
        if name.startswith(prefix):
            return kind
    raise UnitSourceError(f"cannot tell the kind of unit from its name: {name!r}")


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    level: int
    parent_code: str | None
    latitude: Decimal | None = None
    longitude: Decimal | None = None

    @property
    def kind(self) -> str:
        return kind_for(self.name, self.level)


@dataclass
class UnitSource:
    structure: str
    label: str
    rows: list[UnitRow]
    valid_from: datetime.date | None = None


@dataclass
class LoadResult:
    province: AdminUnit
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    successions: int = 0
    counts: dict[str, int] = field(default_factory=dict)


# --- the vietnamadminunits dataset -------------------------------------------------------------


@cache
def package_dataset() -> Path | None:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "dataset.db"
    return path if path.exists() else None


def _query(sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    path = package_dataset()
    if path is None:
        raise UnitSourceError("the vietnamadminunits package is not installed")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(round(float(value), 6)))


@cache
def legacy_coordinates(province_code: str) -> dict[tuple[int, str], tuple[Decimal | None, ...]]:
    """(level, code) → (lat, lon) from the package's three-level table."""
    out: dict[tuple[int, str], tuple[Decimal | None, ...]] = {}
    try:
        rows = _query("SELECT * FROM admin_units_legacy WHERE provinceCode = ?", (province_code,))
    except UnitSourceError:
        return out
    for r in rows:
        out[(1, r["provinceCode"])] = (_dec(r["provinceLat"]), _dec(r["provinceLon"]))
        out[(2, r["districtCode"])] = (_dec(r["districtLat"]), _dec(r["districtLon"]))
        out[(3, r["wardCode"])] = (_dec(r["wardLat"]), _dec(r["wardLon"]))
    return out


def _with_coordinates(rows: list[UnitRow], province_code: str) -> list[UnitRow]:
    coords = legacy_coordinates(province_code)
    out = []
    for row in rows:
        lat, lon = coords.get((row.level, row.code), (row.latitude, row.longitude))
        out.append(UnitRow(row.code, row.name, row.level, row.parent_code, lat, lon))
    return out


# --- sources --------------------------------------------------------------------------------


def _bundled_2021(province_code: str) -> UnitSource | None:
    path = DATA_DIR / f"gso_2021_{province_code}.csv"
    if not path.exists():
        return None
    rows: dict[tuple[int, str], UnitRow] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            p_code, d_code, c_code = rec["Mã TP"], rec["Mã QH"], rec["Mã PX"]
            rows.setdefault((1, p_code), UnitRow(p_code, nfc(rec["Tỉnh Thành Phố"]), 1, None))
            rows.setdefault((2, d_code), UnitRow(d_code, nfc(rec["Quận Huyện"]), 2, p_code))
            rows[(3, c_code)] = UnitRow(c_code, nfc(rec["Phường Xã"]), 3, d_code)
    return UnitSource(
        structure=AdminUnit.Structure.Y2021,
        label="GSO 2021-02-03 (bundled)",
        rows=_with_coordinates(list(rows.values()), province_code),
    )


def _package_legacy(province_code: str) -> UnitSource:
    recs = _query(
        "SELECT * FROM admin_units_legacy WHERE provinceCode = ? ORDER BY districtCode, wardCode",
        (province_code,),
    )
    if not recs:
        raise UnitSourceError(f"no province with GSO code {province_code} in the dataset")
    rows: dict[tuple[int, str], UnitRow] = {}
    for r in recs:
        p, d, w = r["provinceCode"], r["districtCode"], r["wardCode"]
        rows.setdefault(
            (1, p),
            UnitRow(p, nfc(r["province"]), 1, None, _dec(r["provinceLat"]), _dec(r["provinceLon"])),
        )
        rows.setdefault(
            (2, d),
            UnitRow(d, nfc(r["district"]), 2, p, _dec(r["districtLat"]), _dec(r["districtLon"])),
        )
        if w:
            rows[(3, w)] = UnitRow(w, nfc(r["ward"]), 3, d, _dec(r["wardLat"]), _dec(r["wardLon"]))
    return UnitSource(
        structure=AdminUnit.Structure.Y2021,
        label="GSO 2025-01-04 three-level list (vietnamadminunits)",
        rows=list(rows.values()),
    )


def _package_2025(province_code: str) -> UnitSource:
    recs = _query(
        "SELECT * FROM admin_units WHERE provinceCode = ? ORDER BY wardCode", (province_code,)
    )
    if not recs:
        raise UnitSourceError(
            f"no province with GSO code {province_code} in the 2025 structure "
            "(it may have been merged into another province)"
        )
    first = recs[0]
    rows = [
        UnitRow(
            province_code,
            nfc(first["province"]),
            1,
            None,
            _dec(first["provinceLat"]),
            _dec(first["provinceLon"]),
        )
    ]
    for r in recs:
        rows.append(
            UnitRow(
                r["wardCode"],
                nfc(r["ward"]),
                3,
                province_code,
                _dec(r["wardLat"]),
                _dec(r["wardLon"]),
            )
        )
    return UnitSource(
        structure=AdminUnit.Structure.Y2025,
        label="two-level structure from 2025-07-01 (vietnamadminunits)",
        rows=rows,
        valid_from=REFORM_2025,
    )


def unit_source(province_code: str, structure: str) -> UnitSource:
    if structure == AdminUnit.Structure.Y2021:
        return _bundled_2021(province_code) or _package_legacy(province_code)
    if structure == AdminUnit.Structure.Y2025:
        return _package_2025(province_code)
    raise UnitSourceError(f"unknown structure {structure!r}; use 2021 or 2025")


# --- loading --------------------------------------------------------------------------------


def _parent_key(row: UnitRow, units: dict[tuple[int, str], AdminUnit]) -> tuple[int, str] | None:
    """Communes hang under their district (2021) or directly under the province (2025)."""
    if row.parent_code is None:
        return None
    if row.level == AdminUnit.Level.COMMUNE and (2, row.parent_code) in units:
        return (2, row.parent_code)
    return (row.level - 1 if row.level == AdminUnit.Level.DISTRICT else 1, row.parent_code)


@transaction.atomic
def load_units(*, actor: Any, province_code: str, structure: str) -> LoadResult:
    """Create or update the units of one province in one structure. Idempotent. Loading the
    2025 structure closes the province's 2021 districts and communes on 30 June 2025 and
    records which new commune each became."""
    source = unit_source(province_code, structure)
    closed = 0
    if structure == AdminUnit.Structure.Y2025:
        closed = (
            _old_units(f"/{province_code}/")
            .filter(valid_to__isnull=True)
            .update(valid_to=REFORM_2025 - datetime.timedelta(days=1))
        )
    units: dict[tuple[int, str], AdminUnit] = {}
    created = updated = unchanged = 0
    for row in sorted(source.rows, key=lambda r: (r.level, r.code)):
        parent_key = _parent_key(row, units)
        parent = units[parent_key] if parent_key else None
        path = f"{parent.path if parent else '/'}{row.code}/"
        values: dict[str, Any] = {
            "code": row.code,
            "name": row.name,
            "kind": row.kind,
            "level": row.level,
            "parent": parent,
            "latitude": row.latitude,
            "longitude": row.longitude,
        }
        if row.level > AdminUnit.Level.PROVINCE:
            values["structure"] = source.structure
            values["valid_from"] = source.valid_from
        unit = AdminUnit.objects.filter(path=path).first()
        if unit is None:
            unit = AdminUnit.objects.create(path=path, **values)
            created += 1
        else:
            dirty = [k for k, v in values.items() if getattr(unit, k) != v]
            for k in dirty:
                setattr(unit, k, values[k])
            if dirty:
                unit.save(update_fields=dirty)
                updated += 1
            else:
                unchanged += 1
        units[(row.level, row.code)] = unit
    province = units[(1, province_code)]
    result = LoadResult(
        province=province,
        source=source.label,
        created=created,
        updated=updated,
        unchanged=unchanged,
        closed=closed,
    )
    if structure == AdminUnit.Structure.Y2025:
        result.successions = _record_successions(province, units)
    current = AdminUnit.objects.filter(
        path__startswith=province.path, structure=source.structure, valid_to__isnull=True
    )
    result.counts = {
        "districts": current.filter(level=2).count(),
        "communes": current.filter(level=3).count(),
        "wards": current.filter(level=3, kind=AdminUnit.Kind.WARD).count(),
        "townships": current.filter(level=3, kind=AdminUnit.Kind.TOWNSHIP).count(),
        "rural_communes": current.filter(level=3, kind=AdminUnit.Kind.COMMUNE).count(),
    }
    audit.record(
        actor=actor,
        verb="load_units",
        target=province,
        unit_path=province.path,
        extra={
            "structure": structure,
            "source": source.label,
            "created": created,
            "updated": updated,
            "closed": closed,
            "successions": result.successions,
        },
    )
    return result


def _old_units(province_path: str) -> Any:
    return AdminUnit.objects.filter(
        path__startswith=province_path,
        structure=AdminUnit.Structure.Y2021,
        level__in=[AdminUnit.Level.DISTRICT, AdminUnit.Level.COMMUNE],
    )


def _legacy_keys(province_code: str) -> dict[str, str]:
    """2021/legacy commune code → the converter's 'province_district_ward' key."""
    recs = _query(
        "SELECT wardCode, provinceKey, districtKey, wardKey FROM admin_units_legacy "
        "WHERE provinceCode = ?",
        (province_code,),
    )
    return {r["wardCode"]: f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}" for r in recs}


@cache
def _converter() -> dict[str, Any]:
    path = package_dataset()
    assert path is not None
    data: dict[str, Any] = json.loads((path.parent / "converter_2025.json").read_text("utf-8"))
    return data


def successor_codes(province_code: str) -> dict[str, list[tuple[str, bool]]]:
    """Old commune code → [(new commune code, is the default successor)]."""
    new_rows = _query(
        "SELECT wardCode, wardKey, provinceKey FROM admin_units WHERE provinceCode = ?",
        (province_code,),
    )
    if not new_rows:
        return {}
    new_province_key = new_rows[0]["provinceKey"]
    new_code = {r["wardKey"]: r["wardCode"] for r in new_rows}
    old_key_of = _legacy_keys(province_code)
    conv = _converter()
    whole = conv["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_province_key, {})
    divided = conv["DICT_PROVINCE_WARD_DIVIDED"].get(new_province_key, {})
    by_old_key: dict[str, list[tuple[str, bool]]] = {}
    for new_key, old_keys in whole.items():
        for old_key in old_keys:
            if new_key in new_code:
                by_old_key.setdefault(old_key, []).append((new_code[new_key], True))
    for old_key, parts in divided.items():
        for part in parts:
            if part["newWardKey"] in new_code:
                by_old_key.setdefault(old_key, []).append(
                    (new_code[part["newWardKey"]], bool(part.get("isDefaultNewWard")))
                )
    return {code: by_old_key[key] for code, key in old_key_of.items() if key in by_old_key}


def _record_successions(province: AdminUnit, new_units: dict[tuple[int, str], AdminUnit]) -> int:
    mapping = successor_codes(province.code)
    made_count = 0
    for unit in _old_units(province.path).filter(level=AdminUnit.Level.COMMUNE):
        for code, is_default in mapping.get(unit.code, []):
            successor = new_units.get((3, code))
            if successor is None:
                continue
            _, made = UnitSuccession.objects.get_or_create(
                predecessor=unit,
                successor=successor,
                defaults={
                    "effective_on": REFORM_2025,
                    "is_default": is_default,
                    "kind": UnitSuccession.Kind.RESTRUCTURE,
                },
            )
            made_count += made
    return made_count


def iter_province_codes() -> Iterator[tuple[str, str]]:
    """(code, name) of every province in the three-level dataset, for the command's help."""
    for r in _query(
        "SELECT DISTINCT provinceCode, province FROM admin_units_legacy ORDER BY provinceCode"
    ):
        yield r["provinceCode"], r["province"]
