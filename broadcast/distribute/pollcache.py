"""The playlist poll's in-process cache: token id → the last poll state read, valid for one *epoch*.

An unchanged poll (the steady state of a fleet) is answered from memory, without the database: the
cached :class:`~broadcast.distribute.manifests.PollState` says which ETag is current and until when (the
feed's next change, the manifest's half-life are checked against the clock on every poll). What can make
it stale without the clock is a write: a feed's version bump (``mark_changed``: placements, reports of an
emergency played, alerts) or a device-token change (revocation, a new token, a receiver moved). Such a
commit moves the epoch on (``schedule/changes.py``: ``mark_poll_changed`` and the session listeners
there), and every entry read before it is ignored:

* in this process, synchronously after the commit, so the very next poll
  sees the change;
* in other processes on the same PostgreSQL database, by ``NOTIFY broadcast_poll`` sent after the commit
  and received by each process's listener (:meth:`PollCache.listen`). While that listener is not
  connected the cache is off and every poll reads the database, so a lost connection cannot serve stale
  answers. On SQLite the service runs as one process (``serve --workers`` > 1 is refused) and the other
  writers (the admin CLI) only add rows, which are never in the cache.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from broadcast.schedule.changes import POLL_CHANNEL as CHANNEL
from broadcast.schedule.changes import stations_of

if TYPE_CHECKING:
    from broadcast.distribute.manifests import PollState

log = logging.getLogger(__name__)


class Entry:
    __slots__ = ("epoch", "secret", "seen_at", "state")

    def __init__(self, state: PollState, secret: str, epoch: int) -> None:
        self.state, self.secret, self.epoch, self.seen_at = state, secret, epoch, state.last_seen_at


class PollCache:
    """Entries by token id, tagged with the change count current when their row was read.

    A change is either one station's (its feed moved on: only that station's receivers read again) or
    everyone's (a receiver's token, revocation or station changed, or a change whose stations are unknown).
    Invalidating per station keeps a fleet's steady state cached: one station's new manifest does not send
    every receiver of the province to the database in the same second."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self.entries: dict[str, Entry] = {}
        self.max_entries = max_entries
        self.epoch = 0  #: the last change of everyone's
        self.station_epochs: dict[int, int] = {}  #: the last change of each station's
        self.latest = 0  #: the last change of any kind: what a read starting now has seen
        self.enabled = True
        self._counter = itertools.count(1)

    def bump(self, stations: Iterable[int] | None = None) -> None:
        """Forget what was read of ``stations`` (None: of everyone) so far; called from any thread.

        The marks are set before ``latest`` moves on, so a read that starts meanwhile is tagged below
        them and its entry is never used: the race only ever costs a read."""
        mark = next(self._counter)  # atomic
        if stations is None:
            self.epoch = mark
        else:
            for station_id in stations:
                self.station_epochs[station_id] = mark
        self.latest = mark

    def get(self, token_id: str, secret: str) -> Entry | None:
        entry = self.entries.get(token_id)
        if (entry is None or not self.enabled or entry.epoch < self.epoch
                or entry.epoch < self.station_epochs.get(entry.state.station_id, 0)
                or not hmac.compare_digest(entry.secret, secret)):
            return None
        return entry

    def put(self, token_id: str, secret: str, state: PollState, epoch: int) -> Entry:
        """Remember a state read (and authenticated) that started when ``epoch`` was :attr:`latest`."""
        if len(self.entries) >= self.max_entries:
            self.entries.pop(next(iter(self.entries)))
        entry = self.entries[token_id] = Entry(state, secret, epoch)
        return entry

    async def listen(self, dsn: str) -> None:
        """PostgreSQL: keep a LISTEN connection; every notification moves its stations' epochs on (every
        reconnection everyone's). The cache is off whenever the connection is down. Runs until cancelled."""
        import psycopg

        self.enabled = False
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.bump()  # changes made while not listening are unknown: forget everything
                    self.enabled = True
                    async for note in connection.notifies():
                        self.bump(stations_of(note.payload))
            except asyncio.CancelledError:
                self.enabled = False
                raise
            except Exception:  # noqa: BLE001 - the database restarted or the network blinked: listen again
                log.warning("poll cache listener lost its connection; reconnecting", exc_info=True)
            self.enabled = False
            await asyncio.sleep(2.0)
