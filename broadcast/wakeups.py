"""Wake-ups across service processes on one PostgreSQL database (LISTEN/NOTIFY).

Only the process holding the scheduler lease runs the jobs. A placement made through another process
must still be published at once, not at the holder's next one-minute sweep: that process sends
``NOTIFY broadcast_wake, '<job id>'`` and every process listens; the holder wakes the job, the others
ignore it. A lost notification costs nothing but the wait for the regular tick. On SQLite (one machine,
normally one process) there is no such channel and the regular ticks apply.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine, make_url

log = logging.getLogger(__name__)
CHANNEL = "broadcast_wake"


class PgWakeups:
    """Send and receive job wake-ups; ``on_wake(job_id)`` runs on the listener thread."""

    def __init__(self, engine: Engine, on_wake: Callable[[str], None], known: frozenset[str]) -> None:
        self.engine, self.on_wake, self.known = engine, on_wake, known
        self.dsn = make_url(engine.url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self, job_id: str) -> None:
        try:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("SELECT pg_notify(%(channel)s, %(job)s)",
                                           {"channel": CHANNEL, "job": job_id})
        except Exception:  # noqa: BLE001 - a wake-up is an optimisation; the regular tick still comes
            log.exception("could not send wake-up for %s", job_id)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="wakeups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _listen(self) -> None:
        import psycopg  # the postgres extra: present whenever the database is PostgreSQL

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=1.0):
                            if note.payload in self.known:
                                self.on_wake(note.payload)
            except Exception:  # noqa: BLE001 - the database restarted or the network blinked: listen again
                log.warning("wake-up listener lost its connection; reconnecting", exc_info=True)
                self._stop.wait(2.0)
