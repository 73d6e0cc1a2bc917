"""Bulletins and the audio made from them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, enum_type, utcnow


class Priority(StrEnum):
    """The three priorities of Circular 39/2020/TT-BTTTT."""

    normal = "normal"
    priority = "priority"
    emergency = "emergency"


class BulletinStatus(StrEnum):
    """draft → submitted → approved → ready; rejected goes back to the author; failed can be retried."""

    draft = "draft"
    submitted = "submitted"
    rejected = "rejected"
    approved = "approved"
    ready = "ready"
    failed = "failed"
    cancelled = "cancelled"


class Bulletin(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    text: str = Field(default="", max_length=200_000)
    source: str = Field(default="text", max_length=16, description="text | recording")
    recording_sha256: str | None = Field(default=None, max_length=64)
    priority: Priority = Field(default=Priority.normal, sa_type=enum_type(Priority))
    voice: str = Field(default="mien-bac", max_length=64)
    speed: int = Field(default=0, ge=-2, le=2, description="Reading speed step, -2 (slower) … +2 (faster)")
    status: BulletinStatus = Field(default=BulletinStatus.draft, sa_type=enum_type(BulletinStatus), index=True)
    version: int = 1
    asset_id: int | None = Field(default=None, foreign_key="audioasset.id")
    error: str | None = Field(default=None, max_length=2000)
    review_comment: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BulletinStation(SQLModel, table=True):
    """The stations a bulletin is written for; decides who may see and approve it."""

    bulletin_id: int = Field(foreign_key="bulletin.id", primary_key=True)
    station_id: int = Field(foreign_key="station.id", primary_key=True)


class AudioAsset(SQLModel, table=True):
    """A broadcast-ready MP3 in the media store, measured from the encoded file."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(index=True, unique=True, max_length=64)
    path: str = Field(max_length=300, description="Relative to the media directory")
    bytes: int
    format: str = Field(default="mp3", max_length=8)
    duration_s: float
    lufs: float | None = None
    true_peak_dbtp: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bitrate_kbps: int | None = None
    engine: str = Field(default="", max_length=64, description="Engine(s) that spoke it, or 'upload'")
    speakers: str = Field(default="", sa_type=Text,
                          description="JSON: who spoke each sentence (engine, model sha256, voice) and failovers")
    spoken_text: str = Field(default="", max_length=200_000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
