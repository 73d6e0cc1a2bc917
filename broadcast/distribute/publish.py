"""The publication sweep: rebuild stale feeds, pre-sign changed manifests, queue pushes.

Polls would rebuild lazily anyway; the sweep does it ahead of time (at slot boundaries and after every
change) so that a poll storm at 06:00 finds manifests ready, and so that push stations hear of changes
without polling. It returns the next instant at which some feed changes by itself (an occurrence entering
the 24-hour horizon or reaching its latest start): the scheduler runs the sweep again then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import text
from sqlmodel import Session

from broadcast.distribute.feeds import fresh_feed
from broadcast.distribute.manifests import PollState, current_manifest
from broadcast.distribute.push import enqueue_changes
from broadcast.keys import SigningKey
from broadcast.models import Receiver, UTCDateTime

MAX_SLEEP = timedelta(minutes=1)


@dataclass(frozen=True)
class PublishResult:
    stations: int
    manifests_changed: int
    pushes_queued: int
    next_change_at: datetime


_STATES = text(
    "SELECT r.id, r.station_id, r.token_hash, r.revoked_at, r.last_seen_at, m.sequence, m.etag, m.content_hash,"
    " m.key_id, m.valid_until, f.version, f.built_version, f.content_hash, f.next_change_at"
    " FROM receiver r LEFT JOIN manifeststate m ON m.receiver_id = r.id"
    " LEFT JOIN stationfeed f ON f.station_id = r.station_id WHERE r.revoked_at IS NULL"
).columns(revoked_at=UTCDateTime(), last_seen_at=UTCDateTime(), valid_until=UTCDateTime(),
          next_change_at=UTCDateTime())


def _states(session: Session) -> list[PollState]:
    return [PollState(*row[:3], row[3] is not None, *row[4:]) for row in session.execute(_STATES).all()]


def publish(session: Session, key: SigningKey, public_url: str, now: datetime) -> PublishResult:
    """Bring every stale feed and manifest up to date; with nothing stale this is two reads.

    Commits as it goes (what came before in ``session`` first, then each station's feed, then each
    station's manifests): a poll that finds its manifest stale rebuilds the same rows, and on PostgreSQL
    it waits for the row locks this sweep holds, so one transaction for the whole sweep (seconds at 500
    receivers) stalled every such poll until the end (poll p99 of hundreds of ms with the scheduler on).
    Each step is a compare-and-set safe against concurrent builders, so each commit is consistent alone.
    """
    session.commit()
    states = _states(session)
    stale_feeds = {s.station_id for s in states
                   if s.feed_version is None or s.feed_built_version != s.feed_version
                   or s.feed_next_change_at is None or now >= s.feed_next_change_at}
    for station_id in sorted(stale_feeds):
        fresh_feed(session, station_id, now, public_url)
        session.commit()
    if stale_feeds:
        states = _states(session)
        session.commit()
    changed = 0
    for _station, group in groupby(sorted(states, key=lambda s: (s.station_id, s.receiver_id)),
                                     key=lambda s: s.station_id):
        for state in group:
            if not state.is_current(now, key.key_id):
                receiver = session.get(Receiver, state.receiver_id)
                if receiver is not None and current_manifest(session, receiver, key, public_url, now).sequence \
                        != (state.sequence or 0):
                    changed += 1
        session.commit()
    next_change = min([now + MAX_SLEEP] + [s.feed_next_change_at for s in states if s.feed_next_change_at])
    queued = enqueue_changes(session, key, public_url, now)
    return PublishResult(len({s.station_id for s in states}), changed, queued, next_change)
