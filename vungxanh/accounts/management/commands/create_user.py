from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vungxanh.accounts import actions
from vungxanh.accounts.roles import Role, spec_for
from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.models import AdminUnit, Facility


def _unit(code: str) -> AdminUnit:
    units = list(AdminUnit.objects.current().filter(code=code.strip())[:2])
    if len(units) != 1:
        raise CommandError(f"no single current unit with code {code!r}")
    return units[0]


class Command(BaseCommand):
    help = "Create a user with one assignment (role, read scope, write scope)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--unit", required=True, help="GSO code of the read-scope unit")
        parser.add_argument(
            "--write-unit",
            help="GSO code of the write scope (default: --unit; none for the viewer role)",
        )
        parser.add_argument("--read-only", action="store_true", help="no write scope")
        parser.add_argument("--facility", help="facility code (laboratory, facility roles)")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="default: generated and printed")
        parser.add_argument(
            "--token", action="store_true", help="also issue and print an API token"
        )

    def handle(self, *args: Any, **o: Any) -> None:
        unit = _unit(o["unit"])
        if o["read_only"] or (not o["write_unit"] and not spec_for(o["role"]).can_write):
            write_unit = None  # the viewer role writes nothing: no write scope by default
        else:
            write_unit = _unit(o["write_unit"]) if o["write_unit"] else unit
        facility = None
        if o["facility"]:
            facility = Facility.objects.filter(code=o["facility"]).first()
            if facility is None:
                raise CommandError(f"no facility with code {o['facility']!r}")
        try:
            user, password = actions.create_user(
                actor=SYSTEM,
                username=o["username"],
                full_name=o["full_name"],
                email=o["email"],
                role=o["role"],
                unit=unit,
                write_unit=write_unit,
                facility=facility,
                password=o["password"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"user {user.username} created ({o['role']} at {unit.name})")
        if not o["password"]:
            self.stdout.write(f"password: {password}")
        if o["token"]:
            _token, raw = actions.issue_token(actor=SYSTEM, user=user, name="create_user")
            self.stdout.write(f"token: {raw}")
