"""The service's notion of "now", injectable so tests and drills can run the whole service at another time.

Production uses offset 0. ``BROADCAST_CLOCK_OFFSET_S`` shifts every scheduling decision (placements,
manifests, expiry, reports) while APScheduler keeps firing on the real clock; the scheduler lease also
uses the real clock, so processes with different offsets still agree on who holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class HasClockOffset(Protocol):
    clock_offset_s: float


@dataclass(frozen=True)
class Clock:
    offset_s: float = 0.0

    def now(self) -> datetime:
        """The current instant as the service sees it: aware, UTC."""
        return datetime.now(UTC) + timedelta(seconds=self.offset_s)

    def to_real(self, instant: datetime) -> datetime:
        """The real-clock instant at which this clock shows ``instant`` (for APScheduler triggers)."""
        return instant - timedelta(seconds=self.offset_s)


def clock_for(settings: HasClockOffset) -> Clock:
    return Clock(float(settings.clock_offset_s))
