"""Build, sign and cache each receiver's manifest.

A receiver's manifest is its station's feed (see :mod:`broadcast.distribute.feeds`) wrapped with the
receiver's id, a ``sequence`` and a validity window, and signed. It is re-signed (and the sequence moves
on) only when the feed's content changed, the signing key changed or the manifest is half-way to
expiry. An unchanged poll reads one row (:func:`poll_sql`, run by the poll's own reader) and compares
ETags; nothing is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from broadcast.db import insert_ignore
from broadcast.distribute.feeds import HORIZON, emergency_pending, fresh_feed
from broadcast.keys import SigningKey
from broadcast.models import ManifestState, Receiver, Station
from broadcast.protocol import Manifest, sign

POLL_INTERVAL_S = 60
EMERGENCY_POLL_INTERVAL_S = 15


@dataclass(frozen=True)
class PublishedManifest:
    body: bytes
    etag: str
    sequence: int


@dataclass(frozen=True)
class PollState:
    """Everything an unchanged poll needs, read in one query by the receiver's public token id."""

    receiver_id: int
    station_id: int
    token_hash: str
    revoked: bool
    last_seen_at: datetime | None
    sequence: int | None
    etag: str | None
    manifest_hash: str | None
    manifest_key_id: str | None
    manifest_valid_until: datetime | None
    feed_version: int | None
    feed_built_version: int | None
    feed_hash: str | None
    feed_next_change_at: datetime | None

    def is_current(self, now: datetime, key_id: str) -> bool:
        """True when the stored manifest is still the one to serve (no rebuild needed)."""
        return bool(
            self.sequence and self.feed_version is not None and self.feed_built_version == self.feed_version
            and self.feed_next_change_at is not None and now < self.feed_next_change_at
            and self.manifest_hash == self.feed_hash and self.manifest_key_id == key_id
            and self.manifest_valid_until is not None and self.manifest_valid_until - now > HORIZON / 2)


# The poll's read goes straight to the driver: SQLAlchemy's per-execution result handling costs more than
# the query itself, and this read runs for every poll of every receiver. Datetimes come back as text
# (SQLite) or aware values (PostgreSQL) and are normalised to aware UTC here.
_POLL_SQL = (
    "SELECT r.id, r.station_id, r.token_hash, r.revoked_at, r.last_seen_at, m.sequence, m.etag, m.content_hash,"
    " m.key_id, m.valid_until, f.version, f.built_version, f.content_hash, f.next_change_at"
    " FROM receiver r LEFT JOIN manifeststate m ON m.receiver_id = r.id"
    " LEFT JOIN stationfeed f ON f.station_id = r.station_id WHERE r.token_id = {token_id}"
)
_BODY_SQL = "SELECT body FROM manifeststate WHERE receiver_id = {receiver_id}"
_MARKERS = {"postgresql": {"token_id": "%(token_id)s", "receiver_id": "%(receiver_id)s"},
            "sqlite": {"token_id": ":token_id", "receiver_id": ":receiver_id"}}
_DATETIME_COLUMNS = (3, 4, 9, 13)


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def state_from_row(row: Any) -> PollState | None:
    if row is None:
        return None
    values: list[Any] = list(row)
    for index in _DATETIME_COLUMNS:
        values[index] = _utc(values[index])
    values[3] = values[3] is not None
    return PollState(*values)


def poll_sql(dialect: str) -> tuple[str, str]:
    """The poll's two statements (state by token id, stored body by receiver id) in the driver's style."""
    return _POLL_SQL.format(**_MARKERS[dialect]), _BODY_SQL.format(**_MARKERS[dialect])


def _etag(receiver_id: int, sequence: int, body: bytes) -> str:
    return f'"{receiver_id}-{sequence}-{hashlib.sha256(body).hexdigest()[:16]}"'


def current_manifest(session: Session, receiver: Receiver, key: SigningKey, public_url: str,
                     now: datetime) -> PublishedManifest:
    """The receiver's signed manifest, rebuilt and re-sequenced only when something changed.

    Safe against concurrent builders (other requests, the publication job, another process): the new
    state is written with a compare-and-set on the sequence, and the loser serves the winner's manifest.
    """
    receiver_id = receiver.id or 0
    for _ in range(5):
        feed = fresh_feed(session, receiver.station_id, now, public_url)
        state = session.exec(select(ManifestState).where(ManifestState.receiver_id == receiver_id)
                             .execution_options(populate_existing=True)).first()
        if state is None:
            insert_ignore(session, ManifestState, receiver_id=receiver_id, sequence=0, content_hash="", key_id="",
                          etag="", body="", generated_at=now, valid_until=now)
            continue
        if (state.sequence and state.content_hash == feed.content_hash and state.key_id == key.key_id
                and state.valid_until - now > HORIZON / 2):
            return PublishedManifest(state.body.encode(), state.etag, state.sequence)
        station = session.get(Station, receiver.station_id)
        assert station is not None
        items = json.loads(feed.items_json)
        emergency = emergency_pending(session, items, now)
        manifest = Manifest(receiver_id=receiver_id, station=station.code, sequence=state.sequence + 1,
                            generated_at=now, valid_until=now + HORIZON, items=items, emergency=emergency,
                            poll_interval_s=EMERGENCY_POLL_INTERVAL_S if emergency else POLL_INTERVAL_S)
        body = sign(manifest, key.private_key)
        etag = _etag(receiver_id, manifest.sequence, body)
        result = session.execute(
            update(ManifestState).where(col(ManifestState.receiver_id) == receiver_id,
                                        col(ManifestState.sequence) == state.sequence)
            .values(sequence=manifest.sequence, content_hash=feed.content_hash, key_id=key.key_id, etag=etag,
                    body=body.decode(), generated_at=now, valid_until=manifest.valid_until))
        if result.rowcount:  # type: ignore[attr-defined]
            session.expire(state)
            return PublishedManifest(body, etag, manifest.sequence)
    raise RuntimeError(f"receiver {receiver_id}: the manifest kept changing while being rebuilt")
