from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from vungxanh.core.scoping import SYSTEM
from vungxanh.core.tabular import TableError, read_table, validate_rows
from vungxanh.geo import actions
from vungxanh.geo.forms import VillageRowForm


class Command(BaseCommand):
    help = (
        "Create villages (thôn, bản, khu, tổ dân phố) from a CSV or Excel file with columns "
        "commune_code, name[, kind, code, population]. Nothing is created if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            rows = read_table(file.read_bytes(), file.name)
        except (OSError, TableError) as exc:
            raise CommandError(str(exc)) from exc
        cleaned, errors = validate_rows(rows, lambda r: VillageRowForm(r, actor=SYSTEM))
        if errors:
            for e in errors:
                self.stderr.write(f"row {e.row} {e.column}: {e.message}")
            raise CommandError(f"{len(errors)} errors; nothing was created")
        try:
            with transaction.atomic():
                for row in cleaned:
                    actions.create_village(
                        actor=SYSTEM,
                        commune=row["commune"],
                        name=row["name"],
                        kind=row["kind"],
                        code=row.get("code") or "",
                        population=row.get("population"),
                    )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{len(cleaned)} villages created")
