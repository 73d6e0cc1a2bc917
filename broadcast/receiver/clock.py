"""The agent's idea of the time: the system clock, corrected by the server's ``Date`` header when they disagree.

A loudspeaker must start at the right minute even if the board's clock drifts or NTP is blocked. Every
server reply carries ``Date`` (1 s resolution); the offset ``server − local`` is estimated from the
midpoint of the request and smoothed over the last few replies. Offsets within the header's precision
(``TOLERANCE_S``) are treated as zero; larger ones are applied to every scheduling decision and reported.

A board without a real-time clock restarts after a power cut at an old time (fake-hwclock). The agent
notices when its clock reads earlier than a time it has already seen (``high_water``) and then holds
playout until it gets the time from the server or the clock catches up, rather than airing the cached
schedule at the wrong hour.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

TOLERANCE_S = 2.0  # Date has 1 s resolution; below this the system clock is trusted as it is
FAR_OFF_S = 60.0  # beyond this the offset is reported as an error in the heartbeat
SAMPLES = 5


def boot_id() -> str | None:
    """Identifies this boot: a persisted offset is worthless after a reboot of a board without RTC."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


class Clock:
    def __init__(self, offset_s: float | None = None, high_water: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._samples: deque[float] = deque(maxlen=SAMPLES)
        if offset_s is not None:
            self._samples.append(offset_s)
        self.high_water = high_water
        self.synced_this_run = False

    @property
    def measured_offset_s(self) -> float | None:
        """Median of recent ``server − local`` estimates, in seconds (None before any reply)."""
        with self._lock:
            return statistics.median(self._samples) if self._samples else None

    @property
    def applied_offset_s(self) -> float:
        offset = self.measured_offset_s
        return offset if offset is not None and abs(offset) > TOLERANCE_S else 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self.applied_offset_s, UTC)

    def observe(self, date_header: str | None, sent: float, received: float) -> float | None:
        """Record one reply's ``Date`` (``sent``/``received`` are ``time.time()`` around the request)."""
        if not date_header:
            return None
        try:
            server = parsedate_to_datetime(date_header).timestamp() + 0.5  # the header truncates to the second
        except (TypeError, ValueError):
            return None
        if received - sent > 10:  # too slow a round trip to say anything about a second
            return None
        with self._lock:
            self._samples.append(server - (sent + received) / 2)
            self.synced_this_run = True
        return self.measured_offset_s

    def suspect(self) -> bool:
        """True when the clock reads earlier than a time already seen and nothing has corrected it yet."""
        if self.synced_this_run or self.high_water is None:
            return False
        return self.now() < self.high_water - timedelta(seconds=5)

    def problem(self) -> str | None:
        """A sentence for the heartbeat's ``last_error`` when the clock is not to be trusted as it is."""
        if self.suspect():
            return (f"clock reads {self.now():%Y-%m-%d %H:%M:%S}Z, before the last time seen "
                    f"({self.high_water:%Y-%m-%d %H:%M:%S}Z): playout held until the time is known")
        offset = self.measured_offset_s
        if offset is not None and abs(offset) > FAR_OFF_S:
            return f"system clock is off by {offset:+.0f} s from the server; scheduling on server time"
        return None
