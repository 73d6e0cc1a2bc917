"""Mirror each receiver's signed manifest and the media it refers to into an S3-compatible bucket.

The manifests are signed, sequenced and expire, so any mirror (a bucket, the CDN in front of it) can serve
them without being trusted. Layout under ``BROADCAST_S3_PREFIX``, the same paths as the API so that one
public base URL serves both::

    feeds/<feed id>.json           a receiver's signed manifest   Cache-Control: no-cache (ETag revalidation)
    api/v1/media/<sha256>.mp3      audio, immutable               Cache-Control: public, max-age=31536000, immutable

The feed id is derived from the receiver's device-token secret (its stored hash), so it cannot be guessed
from the receiver id and a CDN can serve it without authentication; a new token gives a new feed path.

Every run compares the database (what should be there) with the ``MirrorObject`` rows (what was put): it
puts media first, then feeds, deletes feeds of revoked receivers at once and media nothing refers to after
``s3_media_grace_s``. Puts are idempotent (same key, same bytes) and retried with backoff by the client; a
failure is stored on the object's row (shown on the stations' status) and retried at the next run. No
database connection is held while talking to the bucket.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.models import AudioAsset, ManifestState, MirrorObject, Receiver

log = logging.getLogger(__name__)
FEED_CACHE_CONTROL = "no-cache"
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


def feed_id(token_hash: str) -> str:
    """The receiver's unguessable feed name: an HMAC keyed by its device-token secret's hash."""
    return hmac.new(token_hash.encode(), b"broadcast-feed-v1", hashlib.sha256).hexdigest()[:40]


def feed_path(token_hash: str) -> str:
    return f"feeds/{feed_id(token_hash)}.json"


def feed_url(settings: Settings, receiver: Receiver) -> str | None:
    """Where the receiver can poll its feed without the service, or None when nothing is mirrored."""
    base = settings.object_base_url
    return f"{base}/{feed_path(receiver.token_hash)}" if base else None


def media_path(sha256: str) -> str:
    return f"api/v1/media/{sha256}.mp3"


class ObjectStoreMissing(RuntimeError):
    pass


class ObjectStore:
    """The bucket through boto3 (imported only when configured: ``pip install 'broadcast[s3]'``)."""

    def __init__(self, settings: Settings) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise ObjectStoreMissing("BROADCAST_S3_BUCKET is set but boto3 is not installed: "
                                     "pip install 'broadcast[s3]'") from exc
        self.bucket, self.prefix = settings.s3_bucket, settings.s3_prefix.strip("/")
        self.prefix = f"{self.prefix}/" if self.prefix else ""
        config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=20,
                        s3={"addressing_style": "path"})
        self.client = boto3.client("s3", endpoint_url=settings.s3_endpoint or None, region_name=settings.s3_region,
                                   config=config)

    def key(self, path: str) -> str:
        return self.prefix + path

    def put(self, path: str, body: bytes, content_type: str, cache_control: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.key(path), Body=body, ContentType=content_type,
                               CacheControl=cache_control,
                               ContentMD5=_md5_b64(body))

    def delete(self, path: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(path))


def _md5_b64(body: bytes) -> str:
    import base64

    return base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 - S3's integrity header


@dataclass
class MirrorResult:
    put: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Want:
    path: str
    kind: str
    version: str
    station_id: int | None
    source: Any  # feed: the body (bytes); media: the file's path


def _wanted(session: Session, media_root: Path) -> dict[str, _Want]:
    wanted: dict[str, _Want] = {}
    rows = session.exec(select(Receiver, ManifestState).join(ManifestState, col(ManifestState.receiver_id)
                                                              == Receiver.id)
                        .where(col(Receiver.revoked_at).is_(None), ManifestState.sequence > 0)).all()
    shas: set[str] = set()
    for receiver, state in rows:
        body = state.body.encode()
        path = feed_path(receiver.token_hash)
        wanted[path] = _Want(path, "feed", str(state.sequence), receiver.station_id, body)
        shas.update(item["sha256"] for item in json.loads(body)["manifest"]["items"])
    if shas:
        for asset in session.exec(select(AudioAsset).where(col(AudioAsset.sha256).in_(shas))).all():
            path = media_path(asset.sha256)
            wanted[path] = _Want(path, "media", asset.sha256, None, media_root / asset.path)
    return wanted


def mirror(engine: Engine, store: ObjectStore, media_root: Path, now: datetime, grace: timedelta) -> MirrorResult:
    """Bring the bucket up to date with the database; returns what was put, deleted and what failed."""
    with Session(engine) as session:
        wanted = _wanted(session, media_root)
        known = {row.key: row for row in session.exec(select(MirrorObject)).all()}
        for row in known.values():
            session.expunge(row)
    result = MirrorResult()
    to_put = [w for w in wanted.values()
              if w.path not in known or known[w.path].version != w.version or known[w.path].uploaded_at is None]
    to_put.sort(key=lambda w: w.kind != "media")  # media before the feeds that refer to them
    for want in to_put:
        try:
            if want.kind == "media":
                store.put(want.path, Path(want.source).read_bytes(), "audio/mpeg", MEDIA_CACHE_CONTROL)
            else:
                store.put(want.path, want.source, "application/json", FEED_CACHE_CONTROL)
            result.put.append(want.path)
        except Exception as exc:  # noqa: BLE001 - any client, network or file error: recorded, retried next run
            result.failed[want.path] = f"{exc.__class__.__name__}: {exc}"[:1000]
            log.warning("could not publish %s to the bucket: %s", want.path, exc)
    stale = [row for row in known.values() if row.key not in wanted and row.uploaded_at is not None
             and (row.kind == "feed" or (row.unreferenced_since is not None and now - row.unreferenced_since >= grace))]
    for row in stale:
        try:
            store.delete(row.key)
            result.deleted.append(row.key)
        except Exception as exc:  # noqa: BLE001
            result.failed[row.key] = f"{exc.__class__.__name__}: {exc}"[:1000]
    _record(engine, wanted, known, result, now)
    return result


def _record(engine: Engine, wanted: dict[str, _Want], known: dict[str, MirrorObject], result: MirrorResult,
            now: datetime) -> None:
    put, deleted = set(result.put), set(result.deleted)
    with session_scope(engine) as session:
        for path, want in wanted.items():
            row = session.get(MirrorObject, path) or MirrorObject(key=path, kind=want.kind)
            row.station_id, row.unreferenced_since = want.station_id, None
            if path in put:
                row.version, row.uploaded_at, row.error, row.error_at = want.version, now, None, None
            elif path in result.failed:
                row.error, row.error_at = result.failed[path], now
            session.add(row)
        for path in known:
            if path in wanted:
                continue
            row = session.get(MirrorObject, path)
            if row is None:
                continue
            if path in deleted:
                session.delete(row)
            elif path in result.failed:
                row.error, row.error_at = result.failed[path], now
                session.add(row)
            elif row.unreferenced_since is None:
                row.unreferenced_since = now
                session.add(row)


def station_problems(session: Session, station_id: int) -> list[str]:
    """Publishing failures staff should see on the station: its feeds, and media, that did not reach the bucket."""
    rows = session.exec(select(MirrorObject).where(col(MirrorObject.error).is_not(None),
                                                   (MirrorObject.station_id == station_id)
                                                   | (MirrorObject.kind == "media"))).all()
    return [f"object storage: {row.key}: {row.error}" for row in rows]
