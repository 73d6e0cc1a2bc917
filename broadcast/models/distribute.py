"""What has been published to each receiver."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class ManifestState(SQLModel, table=True):
    """The last signed manifest of a receiver; ``sequence`` only ever grows."""

    receiver_id: int = Field(foreign_key="receiver.id", primary_key=True)
    sequence: int = 0
    content_hash: str = Field(default="", max_length=64)
    etag: str = Field(default="", max_length=80)
    body: str = Field(default="", max_length=10_000_000)
    generated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    valid_until: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
