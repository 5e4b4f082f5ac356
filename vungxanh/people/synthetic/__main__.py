"""``python -m vungxanh.people.synthetic --people 1320000``: print the generation speed."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vungxanh.people.synthetic.generator import benchmark


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_320_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    speed = benchmark(args.people, args.seed)
    sys.stdout.write(f"{args.people} people, {speed:,.0f} people/s\n")


if __name__ == "__main__":
    main()
