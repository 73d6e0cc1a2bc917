"""Failure counters that throttle password guessing, per client address and per username.

Kept in memory (one process serves the province) and bounded: the table holds at most ``max_entries``
keys, the least recently touched are dropped first, and a key forgets its failures ``window_s`` after the
last one. So a flood of made-up usernames or addresses costs a fixed amount of memory, never a growing one.
A throttled attempt is answered at once (429 with ``Retry-After``): no thread waits and no hash is computed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int
    last_failure: float
    blocked_until: float


@dataclass(frozen=True)
class Rule:
    """``free`` failures pass; each further one blocks the key for 2^(n-free) s, up to ``max_block_s``."""

    free: int
    max_block_s: float


class FailureThrottle:
    """Counts failures per key and says how long a key must wait before its next try."""

    def __init__(self, window_s: float = 900.0, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()  # touched from the event loop and from worker threads

    def __len__(self) -> int:
        return len(self._entries)

    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and now - entry.last_failure > self.window_s and now >= entry.blocked_until:
            del self._entries[key]
            return None
        return entry

    def retry_after(self, keys: list[str]) -> int:
        """Whole seconds until every key may try again; 0 when none is blocked."""
        now = self.clock()
        with self._lock:
            waits = [entry.blocked_until - now for key in keys if (entry := self._live(key, now))]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, key: str, rule: Rule) -> None:
        now = self.clock()
        with self._lock:
            entry = self._live(key, now) or _Entry(0, now, now)
            entry.failures += 1
            entry.last_failure = now
            if entry.failures > rule.free:
                block = min(rule.max_block_s, 2.0 ** (entry.failures - rule.free - 1))
                entry.blocked_until = now + block
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def failures(self, key: str) -> int:
        with self._lock:
            entry = self._live(key, self.clock())
            return entry.failures if entry else 0
