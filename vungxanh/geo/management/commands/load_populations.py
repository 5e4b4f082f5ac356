from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vungxanh.core.scoping import SYSTEM
from vungxanh.core.tabular import TableError, read_table, validate_rows
from vungxanh.geo import actions
from vungxanh.geo.forms import PopulationRowForm


class Command(BaseCommand):
    help = (
        "Set unit populations from a CSV or Excel file with columns "
        "unit_code, population, source, year[, is_estimate, level]. "
        "All rows are checked first; nothing is changed if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            rows = read_table(file.read_bytes(), file.name)
        except (OSError, TableError) as exc:
            raise CommandError(str(exc)) from exc
        cleaned, errors = validate_rows(rows, lambda r: PopulationRowForm(r, actor=SYSTEM))
        if errors:
            for e in errors:
                self.stderr.write(f"row {e.row} {e.column}: {e.message}")
            raise CommandError(f"{len(errors)} errors; nothing was changed")
        changed = actions.apply_populations(actor=SYSTEM, rows=cleaned)
        self.stdout.write(f"{len(cleaned)} rows read, {changed} units changed")
