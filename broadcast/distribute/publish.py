"""The publication sweep: rebuild stale feeds, pre-sign changed manifests, queue pushes.

Polls would rebuild lazily anyway; the sweep does it ahead of time (at slot boundaries and after every
change) so that a poll storm at 06:00 finds manifests ready, and so that push stations hear of changes
without polling. It returns the next instant at which some feed changes by itself (an occurrence entering
the 24-hour horizon or reaching its latest start): the scheduler runs the sweep again then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from broadcast.distribute.feeds import fresh_feed
from broadcast.distribute.manifests import current_manifest
from broadcast.distribute.push import enqueue_changes
from broadcast.models import ManifestState, Receiver
from broadcast.protocol import SigningKey
from broadcast.services.placements import reconcile_durations

MAX_SLEEP = timedelta(minutes=1)


@dataclass(frozen=True)
class PublishResult:
    stations: int
    manifests_changed: int
    pushes_queued: int
    next_change_at: datetime


def publish(session: Session, key: SigningKey, public_url: str, now: datetime, grace_s: int) -> PublishResult:
    reconcile_durations(session, grace_s, now)
    receivers = session.exec(select(Receiver).where(col(Receiver.revoked_at).is_(None))
                             .order_by(col(Receiver.station_id), col(Receiver.id))).all()
    next_change = now + MAX_SLEEP
    stations: set[int] = set()
    changed = 0
    for receiver in receivers:
        if receiver.station_id not in stations:
            stations.add(receiver.station_id)
            feed = fresh_feed(session, receiver.station_id, now, public_url)
            if feed.next_change_at is not None:
                next_change = min(next_change, feed.next_change_at)
        state = session.get(ManifestState, receiver.id)
        old_sequence = state.sequence if state else 0
        if current_manifest(session, receiver, key, public_url, now).sequence != old_sequence:
            changed += 1
    queued = enqueue_changes(session, key, public_url, now)
    return PublishResult(len(stations), changed, queued, next_change)
