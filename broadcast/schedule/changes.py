"""The "this station's plan changed" mark, written by whatever changes a station's occurrences.

It lives below both the business operations (``services/placements.py`` writes it) and distribution
(``distribute/feeds.py`` reads it to know when to rebuild a feed), so neither reaches into the other.
The mark is the ``version`` counter of the station's ``StationFeed`` row: one UPDATE per station.

The same commit also tells the playlist poll's in-process caches (``distribute/pollcache.py``) to forget
what they hold: :func:`mark_poll_changed`, called by ``mark_changed`` for the stations it marks and,
through a session listener, for everyone by any change of a receiver's token, revocation or station; on
PostgreSQL other processes hear it by ``NOTIFY broadcast_poll, '<station ids>'`` (empty or ``*``:
everyone), sent inside the transaction.
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
    stations = sorted(set(station_ids))
    mark_poll_changed(session, stations)
    for station_id in stations:
        result = session.execute(update(StationFeed).where(col(StationFeed.station_id) == station_id)
                                 .values(version=StationFeed.version + 1, changed_at=now))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            new_feed_row(session, station_id, now)


#: What a local commit that changed polls calls with the stations it changed (None: everyone's): each
#: poll cache's ``bump`` (normally one: the app's).
PollChange = Callable[[frozenset[int] | None], None]
_ON_POLL_CHANGE: list[PollChange] = []
#: Above this many stations a NOTIFY says "everyone" (its payload is limited to 8000 bytes).
_MAX_NOTIFIED_STATIONS = 500
_EVERYONE = "*"


def on_poll_change(callback: PollChange) -> None:
    _ON_POLL_CHANGE.append(callback)


def no_longer_on_poll_change(callback: PollChange) -> None:
    if callback in _ON_POLL_CHANGE:
        _ON_POLL_CHANGE.remove(callback)


def stations_of(payload: str) -> frozenset[int] | None:
    """The stations a ``broadcast_poll`` notification names; None (everyone) when it names none or is unreadable."""
    if not payload or payload == _EVERYONE:
        return None
    try:
        return frozenset(int(part) for part in payload.split(","))
    except ValueError:
        return None


def mark_poll_changed(session: OrmSession, stations: Iterable[int] | None = None) -> None:
    """Say this transaction changes what polls answer for ``stations`` (None: for everyone); its commit moves
    those stations' epochs on in every poll cache.

    On PostgreSQL the NOTIFY is sent inside the transaction: delivered at its commit, never if it rolls back.
    """
    marked: set[int] | None = session.info.get(_FLAG, set())
    if marked is None:  # everyone's already
        return
    wanted = None if stations is None else set(stations) - marked
    if wanted is not None and not wanted:  # no station, or all of them marked already
        return
    session.info[_FLAG] = None if wanted is None else marked | wanted
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        payload = (_EVERYONE if wanted is None or len(wanted) > _MAX_NOTIFIED_STATIONS
                   else ",".join(map(str, sorted(wanted))))
        connection.exec_driver_sql("SELECT pg_notify(%(channel)s, %(payload)s)",
                                   {"channel": POLL_CHANNEL, "payload": payload})


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
    if _FLAG not in session.info:
        return
    marked = session.info.pop(_FLAG)
    stations = None if marked is None else frozenset(marked)
    for callback in list(_ON_POLL_CHANGE):
        callback(stations)


@event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_FLAG, None)
