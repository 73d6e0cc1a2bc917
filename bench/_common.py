"""What several benchmarks share: the fleet's command-line options and the pass/fail verdict of ``--check``."""

from __future__ import annotations

import argparse


def add_fleet_arguments(parser: argparse.ArgumentParser, *, receivers: int, stations: int, items: int,
                        interval: float) -> None:
    """The simulated fleet: how many receivers on how many stations, manifest size and poll interval."""
    parser.add_argument("--receivers", type=int, default=receivers)
    parser.add_argument("--stations", type=int, default=stations)
    parser.add_argument("--items", type=int, default=items, help="occurrences in each manifest")
    parser.add_argument("--interval", type=float, default=interval, help="seconds between one receiver's polls")


def verdict(failures: list[str]) -> int:
    """Print each failed target and return the exit status (1 when any failed)."""
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0
