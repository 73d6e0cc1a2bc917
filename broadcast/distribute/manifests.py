"""Build, sign and cache each receiver's manifest.

A manifest is rebuilt only when what it would contain changes (or it is half-way to expiry); otherwise
the stored bytes and ETag are served again, so a poll that finds nothing new is cheap and a receiver's
``sequence`` moves only when there is something new.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from broadcast.models import ItemStatus, ManifestState, Priority, Receiver, Station, utcnow
from broadcast.protocol import Manifest, ManifestItem, SigningKey, canonical_bytes, sign
from broadcast.services.placements import station_playlist

HORIZON = timedelta(hours=24)
LOOKBACK = timedelta(minutes=30)


@dataclass(frozen=True)
class PublishedManifest:
    body: bytes
    etag: str
    sequence: int


def manifest_items(session: Session, station: Station, media_base: str, now: datetime) -> list[ManifestItem]:
    """Ready, still-valid occurrences of the next 24 hours (and the last half hour, for late starts)."""
    items = []
    for item, bulletin, asset in station_playlist(session, station, now - LOOKBACK, now + HORIZON):
        if asset is None or item.status != ItemStatus.scheduled:
            continue
        if item.valid_until is not None and item.valid_until <= now:
            continue
        items.append(ManifestItem(id=item.id or 0, title=bulletin.title, priority=item.priority.value,
                                  play_at=item.play_at, valid_until=item.valid_until,
                                  duration_ms=round(asset.duration_s * 1000),
                                  media_url=f"{media_base}/api/v1/media/{asset.sha256}.mp3",
                                  sha256=asset.sha256, bytes=asset.bytes))
    return items


def current_manifest(session: Session, receiver: Receiver, key: SigningKey, media_base: str,
                     now: datetime | None = None) -> PublishedManifest:
    """The receiver's signed manifest, rebuilt and re-sequenced only when its content changed."""
    now = now or utcnow()
    station = session.get(Station, receiver.station_id)
    assert station is not None
    items = manifest_items(session, station, media_base, now)
    content = [i.model_dump(mode="json") for i in items]
    content_hash = hashlib.sha256(canonical_bytes({"station": station.code, "items": content,
                                                   "key": key.key_id})).hexdigest()
    state = session.get(ManifestState, receiver.id, with_for_update=True)
    if state is None:
        state = ManifestState(receiver_id=receiver.id or 0)
    fresh_enough = state.valid_until - now > HORIZON / 2
    if state.sequence and state.content_hash == content_hash and fresh_enough:
        return PublishedManifest(state.body.encode(), state.etag, state.sequence)
    manifest = Manifest(receiver_id=receiver.id or 0, station=station.code, sequence=state.sequence + 1,
                        generated_at=now, valid_until=now + HORIZON, items=items,
                        emergency=any(i.priority == Priority.emergency.value for i in items))
    body = sign(manifest, key.private_key)
    state.sequence, state.content_hash = manifest.sequence, content_hash
    state.body, state.etag = body.decode(), f'"{receiver.id}-{manifest.sequence}"'
    state.generated_at, state.valid_until = now, manifest.valid_until
    session.add(state)
    session.flush()
    return PublishedManifest(body, state.etag, state.sequence)
