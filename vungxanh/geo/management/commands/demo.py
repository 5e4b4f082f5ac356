from __future__ import annotations

import time
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from vungxanh.core.demo import SIZES, DemoContext


class Command(BaseCommand):
    help = (
        "Generate a deterministic synthetic province for the demo and benchmarks: populations, "
        "villages, facilities, demo accounts and the data of each capability. Synthetic only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=list(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2021)
        parser.add_argument("--province", default=settings.DEFAULT_PROVINCE_CODE)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="generate only what is missing (make run); accounts are always ensured",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from vungxanh.geo.models import AdminUnit

        code = str(options["province"]).zfill(2)
        province = AdminUnit.objects.filter(level=1, code=code).first()
        if province is None:
            raise CommandError(f"province {code} is not loaded: run `vungxanh load_units` first")
        ctx = DemoContext(
            province=province,
            size=options["size"],
            seed=options["seed"],
            if_empty=options["if_empty"],
            write=self.stdout.write,
        )
        for config in apps.get_app_configs():
            if not config.name.startswith("vungxanh."):
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            run = getattr(module, "run", None)
            if run is None:
                continue
            started = time.perf_counter()
            lines = run(ctx)
            elapsed = time.perf_counter() - started
            for line in lines:
                self.stdout.write(line)
            if elapsed > 1:
                self.stdout.write(f"  ({config.label}: {elapsed:.1f} s)")
