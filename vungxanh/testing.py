"""Shared test personas: one province (Quảng Ninh, real GSO units), district A (Hạ Long)
with communes A1 (Hà Khánh) and A2 (Hà Phong), district B (Móng Cái) with commune B1
(Ka Long), a village in A1, and an official at every level and role.

The world is built once per test database (``conftest.py``) and rebuilt when a
transactional test has flushed it. Apps register *out-of-scope factories* here: given the
world, they create an object of their model that lies in district A only. The contract test
uses them to call every endpoint as an official of district B.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models

PASSWORD = "persona-password-2021"  # noqa: S105 - test personas only

PERSONAS = {
    # name: (role, unit key, write?, facility code)
    "province_admin": ("province_admin", "province", True, ""),
    "province_officer": ("province_officer", "province", True, ""),
    "district_a": ("district_officer", "district_a", True, ""),
    "district_b": ("district_officer", "district_b", True, ""),
    "commune_a": ("commune_officer", "commune_a", True, ""),
    "commune_a2": ("commune_officer", "commune_a2", True, ""),
    "commune_b": ("commune_officer", "commune_b", True, ""),
    "community_a": ("community_member", "village_a", True, ""),
    "lab_tech": ("lab_technician", "province", True, "T-LAB-P"),
    "lab_tech_b": ("lab_technician", "district_b", True, "T-LAB-B"),
    "facility_staff": ("facility_staff", "province", True, "T-CL-P"),
    "checkpoint": ("checkpoint_officer", "district_a", True, "T-CHOT-A"),
    "viewer": ("viewer", "province", False, ""),
}

UNIT_CODES = {
    "district_a": "193",
    "district_b": "194",
    "commune_a": "06649",
    "commune_a2": "06652",
    "commune_b": "06709",
}


def build_world() -> None:
    """Load the province and create facilities and persona accounts (idempotent)."""
    from vungxanh.accounts import actions
    from vungxanh.accounts.models import User
    from vungxanh.core.scoping import SYSTEM
    from vungxanh.geo.loaders import load_units
    from vungxanh.geo.models import AdminUnit, Facility

    if not AdminUnit.objects.filter(path="/22/").exists():
        load_units(actor=SYSTEM, province_code="22", structure="2021")
    province = AdminUnit.objects.get(path="/22/")
    units = {"province": province}
    for key, code in UNIT_CODES.items():
        units[key] = AdminUnit.objects.get(code=code, valid_to__isnull=True)
    village, _ = AdminUnit.objects.get_or_create(
        path=f"{units['commune_a'].path}06649-01/",
        defaults={
            "code": "06649-01",
            "name": "Khu 1",
            "kind": AdminUnit.Kind.QUARTER,
            "level": AdminUnit.Level.VILLAGE,
            "parent": units["commune_a"],
            "is_synthetic": True,
        },
    )
    units["village_a"] = village
    facilities = {
        "T-LAB-P": ("Phòng xét nghiệm tỉnh (test)", Facility.Kind.LABORATORY, province),
        "T-LAB-B": (
            "Phòng xét nghiệm Móng Cái (test)",
            Facility.Kind.LABORATORY,
            units["district_b"],
        ),
        "T-CL-P": ("Khu cách ly tỉnh (test)", Facility.Kind.QUARANTINE, province),
        "T-CHOT-A": ("Chốt Hạ Long (test)", Facility.Kind.CHECKPOINT, units["district_a"]),
        "T-TYT-A": ("Trạm Y tế Hà Khánh (test)", Facility.Kind.HEALTH_STATION, units["commune_a"]),
        "T-TYT-B": ("Trạm Y tế Ka Long (test)", Facility.Kind.HEALTH_STATION, units["commune_b"]),
    }
    for code, (name, kind, unit) in facilities.items():
        Facility.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "unit": unit}
        )
    for username, (role, unit_key, write, facility_code) in PERSONAS.items():
        if User.objects.filter(username=username).exists():
            continue
        unit = units[unit_key]
        actions.create_user(
            actor=SYSTEM,
            username=username,
            full_name=username.replace("_", " ").title(),
            role=role,
            unit=unit,
            write_unit=unit if write else None,
            facility=Facility.objects.get(code=facility_code) if facility_code else None,
            password=PASSWORD,
        )
    User.objects.get_or_create(username="nobody", defaults={"full_name": "No Assignment"})


@dataclass
class World:
    """Fresh objects for one test (users re-read so their cached scope is current)."""

    province: Any
    district_a: Any
    district_b: Any
    commune_a: Any
    commune_a2: Any
    commune_b: Any
    village_a: Any

    @classmethod
    def load(cls) -> World:
        from vungxanh.geo.models import AdminUnit

        if not AdminUnit.objects.filter(path="/22/").exists():
            build_world()
        get = AdminUnit.objects.get
        return cls(
            province=get(path="/22/"),
            district_a=get(code="193", valid_to__isnull=True),
            district_b=get(code="194", valid_to__isnull=True),
            commune_a=get(code="06649", valid_to__isnull=True),
            commune_a2=get(code="06652", valid_to__isnull=True),
            commune_b=get(code="06709", valid_to__isnull=True),
            village_a=get(code="06649-01"),
        )

    def user(self, name: str) -> Any:
        from vungxanh.accounts.models import User

        return User.objects.get(username=name)

    def facility(self, code: str) -> Any:
        from vungxanh.geo.models import Facility

        return Facility.objects.get(code=code)


# --- out-of-scope factories for the contract test -------------------------------------------

OutOfScopeFactory = Callable[[World], models.Model]
OUT_OF_SCOPE_FACTORIES: dict[type[models.Model], OutOfScopeFactory] = {}


def out_of_scope_factory(
    model: type[models.Model],
) -> Callable[[OutOfScopeFactory], OutOfScopeFactory]:
    """Register a function that creates an object of ``model`` visible to district A
    officials and to nobody in district B. Name it with ``CANARY`` text where it has a name."""

    def register(fn: OutOfScopeFactory) -> OutOfScopeFactory:
        OUT_OF_SCOPE_FACTORIES[model] = fn
        return fn

    return register


def load_all_factories() -> dict[type[models.Model], OutOfScopeFactory]:
    for config in apps.get_app_configs():
        if config.name.startswith("vungxanh."):
            try:
                importlib.import_module(f"{config.name}.tests.factories")
            except ModuleNotFoundError as exc:
                if exc.name not in {f"{config.name}.tests.factories", f"{config.name}.tests"}:
                    raise
    return OUT_OF_SCOPE_FACTORIES
