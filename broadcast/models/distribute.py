"""What has been published: each station's playlist feed and each receiver's last signed manifest."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class StationFeed(SQLModel, table=True):
    """A station's publishable playlist, rebuilt only when something changed.

    Writers (placements, cancellations, synthesis, expiry, reports) bump ``version``; the feed is rebuilt
    when ``built_version`` lags behind it or when ``next_change_at`` (an item entering the 24-hour horizon
    or leaving it) has passed. ``content_hash`` identifies the items, so receivers' manifests are re-signed
    only when the content really changed. An unchanged poll therefore costs one indexed read.
    """

    station_id: int = Field(foreign_key="station.id", primary_key=True)
    version: int = 1
    built_version: int = 0
    content_hash: str = Field(default="", max_length=64)
    items_json: str = Field(default="[]", max_length=10_000_000)
    next_change_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    built_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ManifestState(SQLModel, table=True):
    """The last signed manifest of a receiver; ``sequence`` only ever grows."""

    receiver_id: int = Field(foreign_key="receiver.id", primary_key=True)
    sequence: int = 0
    content_hash: str = Field(default="", max_length=64, description="StationFeed.content_hash it was built from")
    key_id: str = Field(default="", max_length=32)
    etag: str = Field(default="", max_length=80)
    body: str = Field(default="", max_length=10_000_000)
    generated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    valid_until: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    receiver_sequence: int | None = Field(default=None, description="Sequence the receiver last said it runs")
    receiver_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MirrorObject(SQLModel, table=True):
    """One object the service keeps in the S3 bucket (a receiver's feed or a media file), for idempotent
    re-publishing, deleting media nothing refers to any more, and showing failures to staff."""

    key: str = Field(primary_key=True, max_length=512)
    kind: str = Field(max_length=8, description="feed | media")
    station_id: int | None = Field(default=None, index=True, description="feeds: the receiver's station")
    version: str = Field(default="", max_length=64, description="feeds: manifest sequence; media: sha256")
    uploaded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unreferenced_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=1000)
    error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
