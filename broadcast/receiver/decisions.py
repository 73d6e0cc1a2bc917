"""The agent's decision log: what each loop decided, one JSON line per decision.

Written only when asked for (``receiver run --decision-log FILE``): for diagnosing a device in the field
and for tests, which can then check what the agent *did not* do ("it polled the bad manifest three more
times and reported it once") by reading its decisions instead of sleeping and hoping.

Each line: ``{"n": 17, "t": <unix time>, "loop": "sync"|"playout", "what": ..., "item": id|null,
"detail": ...}``. ``what`` is one of: sync — ``unchanged`` (304), ``same`` (the manifest held, sent
again), ``accepted``, ``rejected``, ``unreachable``; playout — ``hold`` (the clock is not trusted),
``play``, ``skip``, ``interrupt``, ``wait`` (an item is due later or its audio is missing), ``idle``.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any


class DecisionLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._count = 0
        self._handle = path.open("a", encoding="utf-8", buffering=1) if path is not None else None

    def __call__(self, loop: str, what: str, item: int | None = None, detail: str = "") -> None:
        if self._handle is None:
            return
        with self._lock:
            self._count += 1
            line: dict[str, Any] = {"n": self._count, "t": round(time.time(), 3), "loop": loop, "what": what,
                                    "item": item, "detail": detail}
            self._handle.write(json.dumps(line, ensure_ascii=False) + "\n")

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None

