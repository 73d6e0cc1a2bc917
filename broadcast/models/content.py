"""Bulletins and the audio made from them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel, UniqueConstraint

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
    asset_id: int | None = Field(default=None, foreign_key="audioasset.id",
                                 description="The approved version's audio: the only audio that airs")
    approved_version_id: int | None = Field(default=None, description="The version whose audio airs")
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


class VersionState(StrEnum):
    """draft → pending (audio made, waiting for a reviewer) → approved | rejected; a newer approval supersedes."""

    draft = "draft"
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    superseded = "superseded"


class BulletinVersion(SQLModel, table=True):
    """One immutable state of a bulletin: what the reviewer read, what will be spoken and the audio they heard.

    Approval is of a version, never of the bulletin in general: only an approved version's audio (``asset_id``,
    ``audio_sha256``) is placed and signed into manifests. Any change — text, voice, a lexicon entry that
    changes ``spoken_text``, a per-bulletin override, a re-synthesis — is a new version that needs approval.
    """

    __table_args__ = (UniqueConstraint("bulletin_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    bulletin_id: int = Field(foreign_key="bulletin.id", index=True)
    number: int
    reason: str = Field(default="create", max_length=16,
                        description="create | edit | lexicon | override | resynthesis | emergency | migration")
    title: str = Field(max_length=300)
    text: str = Field(default="", max_length=200_000)
    voice: str = Field(default="mien-bac", max_length=64)
    speed: int = Field(default=0, description="Reading speed step, -2 … +2")
    priority: Priority = Field(default=Priority.normal, sa_type=enum_type(Priority))
    source: str = Field(default="text", max_length=16)
    lexicon_overrides: str = Field(default="{}", max_length=20_000,
                                   description="This bulletin's own readings (JSON written → spoken)")
    spoken_text: str = Field(default="", max_length=1_000_000)
    spoken_json: str = Field(default="[]", max_length=2_000_000, description="Paragraphs of sentences to speak")
    state: VersionState = Field(default=VersionState.draft, sa_type=enum_type(VersionState), index=True)
    asset_id: int | None = Field(default=None, foreign_key="audioasset.id")
    audio_sha256: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=2000)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    approved_by: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_comment: str | None = Field(default=None, max_length=2000)
