"""The "this station's plan changed" mark, written by whatever changes a station's occurrences.

It lives below both the business operations (``services/placements.py`` writes it) and distribution
(``distribute/feeds.py`` reads it to know when to rebuild a feed), so neither reaches into the other.
The mark is the ``version`` counter of the station's ``StationFeed`` row: one UPDATE per station.

The same commit also tells the playlist poll's in-process caches (``distribute/pollcache.py``) to forget
what they hold: :func:`mark_poll_changed`, called by ``mark_changed`` and, through a session listener, by
any change of a receiver's token, revocation or station; on PostgreSQL other processes hear it by
``NOTIFY broadcast_poll``, sent inside the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from broadcast.db import insert_ignore
from broadcast.models import Receiver, StationFeed, utcnow

POLL_CHANNEL = "broadcast_poll"
#: Receiver columns whose change must reach the poll at once.
_RECEIVER_KEYS = ("revoked_at", "token_hash", "token_id", "station_id")
_FLAG = "broadcast_poll_changed"


def new_feed_row(session: Session, station_id: int, now: datetime) -> None:
    """Create a station's (empty, never built) feed row unless another writer just did."""
    insert_ignore(session, StationFeed, station_id=station_id, version=1, built_version=0,
                  content_hash="", items_json="[]", changed_at=now)


def mark_changed(session: Session, station_ids: Iterable[int], now: datetime | None = None) -> None:
    """Mark stations' feeds as possibly changed, so the next poll or publication rebuilds them."""
    now = now or utcnow()
    mark_poll_changed(session)
    for station_id in sorted(set(station_ids)):
        result = session.execute(update(StationFeed).where(col(StationFeed.station_id) == station_id)
                                 .values(version=StationFeed.version + 1, changed_at=now))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            new_feed_row(session, station_id, now)


#: What a local commit that changed polls calls: each poll cache's ``bump`` (normally one: the app's).
_ON_POLL_CHANGE: list[Callable[[], None]] = []


def on_poll_change(callback: Callable[[], None]) -> None:
    _ON_POLL_CHANGE.append(callback)


def no_longer_on_poll_change(callback: Callable[[], None]) -> None:
    if callback in _ON_POLL_CHANGE:
        _ON_POLL_CHANGE.remove(callback)


def mark_poll_changed(session: OrmSession) -> None:
    """Say this transaction changes what polls answer; its commit moves every poll cache's epoch on.

    On PostgreSQL the NOTIFY is sent inside the transaction: delivered at its commit, never if it rolls back.
    """
    if session.info.get(_FLAG):
        return
    session.info[_FLAG] = True
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"NOTIFY {POLL_CHANNEL}")


@event.listens_for(OrmSession, "before_flush")
def _receiver_changes(session: OrmSession, _context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, Receiver):
            mark_poll_changed(session)
    for obj in session.dirty:
        if isinstance(obj, Receiver):
            state = inspect(obj)
            if any(state.attrs[key].history.has_changes() for key in _RECEIVER_KEYS):
                mark_poll_changed(session)


@event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    if not session.info.pop(_FLAG, False):
        return
    for callback in list(_ON_POLL_CHANGE):
        callback()


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_FLAG, None)
