from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vungxanh.core.scoping import SYSTEM
from vungxanh.geo.loaders import UnitSourceError, load_units


class Command(BaseCommand):
    help = (
        "Load a province's administrative units from the GSO lists (idempotent). "
        "--structure 2021: province, districts, communes as in 2021; "
        "--structure 2025: the two-level structure in force from 1 July 2025."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            default=settings.DEFAULT_PROVINCE_CODE,
            help="GSO province code, e.g. 22 for Quảng Ninh",
        )
        parser.add_argument(
            "--structure", default=settings.DEFAULT_UNIT_STRUCTURE, choices=["2021", "2025"]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = str(options["province"]).strip().zfill(2)
        try:
            result = load_units(actor=SYSTEM, province_code=code, structure=options["structure"])
        except UnitSourceError as exc:
            raise CommandError(str(exc)) from exc
        c = result.counts
        self.stdout.write(
            f"{result.province.name} ({options['structure']}, source: {result.source}): "
            f"{c['districts']} district-level units, {c['communes']} communes "
            f"({c['wards']} phường, {c['townships']} thị trấn, {c['rural_communes']} xã); "
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
            + (
                f", closed {result.closed}, successions {result.successions}"
                if options["structure"] == "2025"
                else ""
            )
        )
