from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vungxanh.core.benchmarks import registry


class Command(BaseCommand):
    help = "Run a benchmark and print its figures (`vungxanh bench --list` shows them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true", help="list the benchmarks")
        parser.add_argument("--json", action="store_true", help="end with one JSON line")
        parser.add_argument("--repeat", type=int, default=200, help="samples per measurement")
        parser.add_argument("--days", type=int, default=28)
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="benchmark-specific option",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        benchmarks = registry()
        if options["list"] or not options["name"]:
            for name, fn in sorted(benchmarks.items()):
                self.stdout.write(f"{name:<20} {(fn.__doc__ or '').strip().splitlines()[0]}")
            return
        if options["name"] not in benchmarks:
            raise CommandError(
                f"no benchmark {options['name']!r}; available: {', '.join(sorted(benchmarks))}"
            )
        fn = benchmarks[options["name"]]
        extra = dict(item.split("=", 1) for item in options["option"] if "=" in item)
        result = fn({**options, **extra})
        width = max((len(label) for label, _ in result.rows), default=10)
        self.stdout.write(result.title)
        self.stdout.write("-" * (width + 24))
        for label, value in result.rows:
            self.stdout.write(f"{label:<{width}}  {value:>20}")
        if options["json"]:
            self.stdout.write(
                json.dumps(result.figures, ensure_ascii=False, default=str, allow_nan=False)
            )
