"""Demo accounts with stable usernames (listed in the README). Created once with the demo
password; an existing account is left as it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from vungxanh.accounts import actions
from vungxanh.accounts.models import User
from vungxanh.accounts.roles import Role
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit, Facility


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    unit_code: str  # GSO code; "" = the province; "village:<commune>" = its first village
    facility_code: str = ""
    read_only: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("admin.tinh", "Quản trị hệ thống tỉnh", Role.PROVINCE_ADMIN, ""),
    DemoAccount("bcd.tinh", "Ban Chỉ đạo tỉnh", Role.PROVINCE_OFFICER, ""),
    DemoAccount("canbo.halong", "Cán bộ TP Hạ Long", Role.DISTRICT_OFFICER, "193"),
    DemoAccount("canbo.mongcai", "Cán bộ TP Móng Cái", Role.DISTRICT_OFFICER, "194"),
    DemoAccount("tyt.hakhanh", "Trạm Y tế phường Hà Khánh", Role.COMMUNE_OFFICER, "06649"),
    DemoAccount("tyt.kalong", "Trạm Y tế phường Ka Long", Role.COMMUNE_OFFICER, "06709"),
    DemoAccount(
        "todan.hakhanh", "Tổ COVID cộng đồng Hà Khánh", Role.COMMUNITY_MEMBER, "village:06649"
    ),
    DemoAccount("ktv.cdc", "Kỹ thuật viên xét nghiệm CDC", Role.LAB_TECHNICIAN, "", "LAB-CDC"),
    DemoAccount("nv.cachly", "Nhân viên khu cách ly số 1", Role.FACILITY_STAFF, "", "CL-01"),
    DemoAccount(
        "chot.uongbi", "Tổ công tác chốt Uông Bí", Role.CHECKPOINT_OFFICER, "196", "CHOT-196"
    ),
    DemoAccount("xem.tinh", "Lãnh đạo (chỉ xem)", Role.VIEWER, "", read_only=True),
]


def _unit(province: AdminUnit, code: str) -> AdminUnit | None:
    if not code:
        return province
    if code.startswith("village:"):
        return (
            AdminUnit.objects.filter(
                parent__code=code.split(":", 1)[1], level=AdminUnit.Level.VILLAGE
            )
            .order_by("code")
            .first()
        )
    return AdminUnit.objects.current().filter(code=code, path__startswith=province.path).first()


def ensure_accounts(province: AdminUnit) -> list[tuple[DemoAccount, str]]:
    """Create the demo accounts that are missing; return (account, status) pairs."""
    out = []
    for spec in DEMO_ACCOUNTS:
        if User.objects.filter(username=spec.username).exists():
            out.append((spec, "exists"))
            continue
        unit = _unit(province, spec.unit_code)
        facility = (
            Facility.objects.filter(code=spec.facility_code).first() if spec.facility_code else None
        )
        if unit is None or (spec.facility_code and facility is None):
            out.append((spec, "skipped: its unit or facility is not loaded"))
            continue
        actions.create_user(
            actor=SYSTEM,
            username=spec.username,
            full_name=spec.full_name,
            role=spec.role,
            unit=unit,
            write_unit=None if spec.read_only else unit,
            facility=facility,
            organisation="Demo",
            password=settings.DEMO_PASSWORD,
        )
        out.append((spec, "created"))
    return out


def run(ctx: Any) -> list[str]:
    lines = ["", f"Demo accounts (password: {settings.DEMO_PASSWORD} unless changed since):"]
    for spec, status in ensure_accounts(ctx.province):
        lines.append(f"  {spec.username:<16} {Role(spec.role).label!s:<48} [{status}]")
    return lines
