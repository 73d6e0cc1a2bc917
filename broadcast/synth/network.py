"""What the network engines (gTTS, the cloud providers) share: an HTTP session per thread, and a
cool-down after a failure that grows while failures continue, so a dead service is not asked for every
sentence of a bulletin."""

from __future__ import annotations

import threading
import time

import requests

from broadcast.synth.base import EngineError


class NetworkEngine:
    """Mixin: call :meth:`_init_network` from ``__init__``; ``title`` names the service in messages."""

    title = "network"

    def _init_network(self, session: requests.Session | None) -> None:
        self._session = session
        self._local = threading.local()
        self._lock = threading.Lock()
        self._failures = 0
        self._down_until = 0.0
        self._down_reason = ""

    # -- cool-down ---------------------------------------------------------------------------------
    def cooldown_remaining(self) -> float:
        """Seconds until the engine is tried again after a failure (0 when it is available)."""
        with self._lock:
            return max(0.0, self._down_until - time.monotonic())

    def _cool_down(self, reason: str, base_s: float, max_s: float) -> None:
        """A failure: rest ``base_s`` doubled for each failure in a row, at most ``max_s``."""
        with self._lock:
            self._failures += 1
            self._down_until = time.monotonic() + min(max_s, base_s * 2 ** (self._failures - 1))
            self._down_reason = reason

    def _check_cooldown(self) -> None:
        """Raise EngineError while the engine is resting after a failure."""
        with self._lock:
            remaining, reason = self._down_until - time.monotonic(), self._down_reason
        if remaining > 0:
            raise EngineError(f"{self.title} skipped for another {remaining:.0f} s after a failure: {reason}")

    # -- HTTP --------------------------------------------------------------------------------------
    def _http(self) -> requests.Session:
        """The session given at construction, else one per thread (requests sessions are not thread-safe)."""
        if self._session is not None:
            return self._session
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session


