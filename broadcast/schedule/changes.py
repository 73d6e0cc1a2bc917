"""The "this station's plan changed" mark, written by whatever changes a station's occurrences.

It lives below both the business operations (``services/placements.py`` writes it) and distribution
(``distribute/feeds.py`` reads it to know when to rebuild a feed), so neither reaches into the other.
The mark is the ``version`` counter of the station's ``StationFeed`` row: one UPDATE per station.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from broadcast.db import insert_ignore
from broadcast.models import StationFeed, utcnow


def new_feed_row(session: Session, station_id: int, now: datetime) -> None:
    """Create a station's (empty, never built) feed row unless another writer just did."""
    insert_ignore(session, StationFeed, station_id=station_id, version=1, built_version=0,
                  content_hash="", items_json="[]", changed_at=now)


def mark_changed(session: Session, station_ids: Iterable[int], now: datetime | None = None) -> None:
    """Mark stations' feeds as possibly changed, so the next poll or publication rebuilds them."""
    now = now or utcnow()
    for station_id in sorted(set(station_ids)):
        result = session.execute(update(StationFeed).where(col(StationFeed.station_id) == station_id)
                                 .values(version=StationFeed.version + 1, changed_at=now))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            new_feed_row(session, station_id, now)
