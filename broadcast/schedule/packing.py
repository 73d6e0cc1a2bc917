"""Packing a group of occurrences back to back, and finding slot overflows (pure functions).

A slot occurrence is filled in lane order: priority items first (lane 0), then normal items (lane 1),
then items staff queued past a clash (lane 2); inside a lane, in placement order. Items of an exact-time
placement (its repeats) form their own group, packed from the requested instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

GAP = timedelta(seconds=2)
LANE_PRIORITY, LANE_NORMAL, LANE_QUEUED = 0, 1, 2

K = TypeVar("K")


@dataclass(frozen=True)
class Entry(Generic[K]):
    key: K
    lane: int
    order: tuple[int, int]
    duration_ms: int


@dataclass(frozen=True)
class Packed(Generic[K]):
    entry: Entry[K]
    start: datetime
    end: datetime


def pack(anchor: datetime, entries: Sequence[Entry[K]], gap: timedelta = GAP) -> list[Packed[K]]:
    """Planned start and end of each entry, back to back from ``anchor`` with a short gap between."""
    packed: list[Packed[K]] = []
    cursor = anchor
    for entry in sorted(entries, key=lambda e: (e.lane, e.order)):
        end = cursor + timedelta(milliseconds=entry.duration_ms)
        packed.append(Packed(entry, cursor, end))
        cursor = end + gap
    return packed


def overflowing(packed: Sequence[Packed[K]], slot_end: datetime) -> list[Packed[K]]:
    """The entries that would still be playing after the slot's end."""
    return [p for p in packed if p.end > slot_end]
