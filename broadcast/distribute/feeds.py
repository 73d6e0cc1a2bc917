"""Each station's publishable playlist ("feed"), rebuilt only when something changed.

Writers call :func:`broadcast.schedule.changes.mark_changed` (one UPDATE) whenever a station's
occurrences may have changed: placements, cancellations, finished synthesis, repacking. The feed is rebuilt
lazily (by a poll or by the publication job) when its ``built_version`` lags ``version`` or its
``next_change_at`` has passed (an occurrence entering the 24-hour horizon or reaching its latest start).
Rebuilds are compare-and-set updates, so two processes rebuilding at once cannot interleave.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStatus,
    ItemStatus,
    PlaylistItem,
    Priority,
    StationFeed,
)
from broadcast.protocol import ManifestItem, canonical_bytes
from broadcast.schedule.changes import new_feed_row

HORIZON = timedelta(hours=24)
MAX_FEED_AGE = timedelta(hours=1)
LIVE_STATUSES = (ItemStatus.scheduled, ItemStatus.played)


def media_url(public_url: str, sha256: str) -> str:
    """Absolute when the service knows its public URL, otherwise relative to the server's root."""
    return f"{public_url.rstrip('/')}/api/v1/media/{sha256}.mp3"


@dataclass(frozen=True)
class FeedContent:
    items: list[dict[str, Any]]
    content_hash: str
    next_change_at: datetime


def build_content(session: Session, station_id: int, now: datetime, public_url: str) -> FeedContent:
    """The occurrences a receiver needs now: ready audio, planned within 24 h, not past their latest start."""
    rows = session.exec(
        select(PlaylistItem, Bulletin, AudioAsset)
        .join(Bulletin, col(Bulletin.id) == PlaylistItem.bulletin_id)
        .join(AudioAsset, col(AudioAsset.id) == Bulletin.asset_id)
        .where(PlaylistItem.station_id == station_id, col(PlaylistItem.status).in_(LIVE_STATUSES),
               PlaylistItem.starts_at < now + HORIZON, PlaylistItem.latest_start > now,
               Bulletin.status == BulletinStatus.ready)
        .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.id))
    ).all()
    items, next_change, emergency = [], now + MAX_FEED_AGE, False
    for item, bulletin, asset in rows:
        if item.latest_start < item.starts_at:
            continue  # pushed past its valid_until: it can never start
        emergency = emergency or _emergency_pending(item)
        next_change = min(next_change, item.latest_start)
        items.append(ManifestItem(
            id=item.id or 0, title=bulletin.title, priority=item.priority.value, play_at=item.starts_at,
            valid_until=item.latest_start, duration_ms=round(asset.duration_s * 1000),
            media_url=media_url(public_url, asset.sha256), sha256=asset.sha256, bytes=asset.bytes,
        ).model_dump(mode="json"))
    entering = session.exec(select(func.min(PlaylistItem.starts_at)).where(
        PlaylistItem.station_id == station_id, PlaylistItem.status == ItemStatus.scheduled,
        PlaylistItem.starts_at >= now + HORIZON)).first()
    if entering is not None:
        next_change = min(next_change, entering - HORIZON)
    # The manifest's emergency flag is part of what changed: a played emergency re-signs the manifests.
    digest = hashlib.sha256(canonical_bytes(items) + (EMERGENCY_MARK if emergency else b"")).hexdigest()
    return FeedContent(items, digest, max(next_change, now + timedelta(seconds=1)))


EMERGENCY_MARK = b"\0emergency-pending"


def _emergency_pending(item: PlaylistItem) -> bool:
    """An emergency occurrence nobody has reported playing yet (receivers poll faster meanwhile)."""
    return item.priority == Priority.emergency and item.status == ItemStatus.scheduled


def emergency_pending(session: Session, items: list[dict[str, Any]], now: datetime) -> bool:
    """True while an emergency item of the feed can still start and has not been reported played."""
    ids = [i["id"] for i in items if i["priority"] == "emergency"]
    if not ids:
        return False
    rows = session.exec(select(PlaylistItem).where(col(PlaylistItem.id).in_(ids),
                                                   PlaylistItem.latest_start > now)).all()
    return any(_emergency_pending(row) for row in rows)


def _needs_build(feed: StationFeed, now: datetime) -> bool:
    return (feed.built_version != feed.version or feed.built_at is None or feed.next_change_at is None
            or now >= feed.next_change_at)


def fresh_feed(session: Session, station_id: int, now: datetime, public_url: str) -> StationFeed:
    """The station's feed, rebuilt first if it is stale; safe against concurrent rebuilds."""
    for _ in range(5):
        feed = session.exec(select(StationFeed).where(StationFeed.station_id == station_id)
                            .execution_options(populate_existing=True)).first()
        if feed is None:
            new_feed_row(session, station_id, now)
            continue
        if not _needs_build(feed, now):
            return feed
        version, old_built, old_hash = feed.version, feed.built_version, feed.content_hash
        content = build_content(session, station_id, now, public_url)
        values: dict[str, Any] = {"built_version": version, "content_hash": content.content_hash,
                                  "next_change_at": content.next_change_at, "built_at": now}
        if content.content_hash != old_hash:
            values.update(items_json=json.dumps(content.items, ensure_ascii=False), changed_at=now)
        result = session.execute(
            update(StationFeed).where(col(StationFeed.station_id) == station_id,
                                      col(StationFeed.built_version) == old_built,
                                      col(StationFeed.content_hash) == old_hash,
                                      col(StationFeed.version) == version)
            .values(**values))
        if result.rowcount:  # type: ignore[attr-defined]
            session.expire(feed)
            session.refresh(feed)
            return feed
    raise RuntimeError(f"station {station_id}: the feed kept changing while being rebuilt")
