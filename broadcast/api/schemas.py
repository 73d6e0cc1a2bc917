"""Request and reply shapes shared by several routers (Create/Public pattern)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from broadcast.models import AudioAsset, Priority
from broadcast.synth.who_spoke import WhoSpoke, failover_note


class AudioPublic(BaseModel):
    sha256: str
    url: str
    bytes: int
    duration_s: float
    lufs: float | None
    true_peak_dbtp: float | None
    engine: str
    format: str = "mp3"
    speakers: list[dict[str, str]] = Field(default_factory=list,
                                           description="Who spoke each sentence: engine, model (sha256), voice")
    fallbacks: dict[str, str] = Field(default_factory=dict, description="Engines that failed, and why")
    failover: str | None = Field(None, description="Plain note when a fallback voice read it")

    @classmethod
    def of(cls, asset: AudioAsset) -> AudioPublic:
        record = WhoSpoke.from_json(asset.speakers)
        return cls(sha256=asset.sha256, url=f"/api/v1/media/{asset.sha256}.mp3", bytes=asset.bytes,
                   duration_s=round(asset.duration_s, 3), lufs=asset.lufs, true_peak_dbtp=asset.true_peak_dbtp,
                   engine=asset.engine, speakers=record.sentences, fallbacks=record.fallbacks,
                   failover=failover_note(record))


class BulletinCreate(BaseModel):
    title: str = Field(max_length=300, examples=["Thông báo lịch tiêm chủng"])
    text: str = Field(max_length=100_000, examples=["UBND xã thông báo: ngày 12/5/2025 tổ chức tiêm chủng."])
    priority: Priority = Priority.normal
    voice: str | None = Field(None, description="Voice profile name; default: the stations' or the province's")
    speed: int = Field(0, ge=-2, le=2, description="Reading speed step: -2 slower … +2 faster")
    stations: list[str] = Field(min_length=1, description="Station codes the bulletin is for")
    submit: bool = Field(False, description="Submit for approval at once")


class BulletinUpdate(BaseModel):
    title: str | None = Field(None, max_length=300)
    text: str | None = Field(None, max_length=100_000)
    priority: Priority | None = None
    voice: str | None = None
    speed: int | None = Field(None, ge=-2, le=2)


class ReviewIn(BaseModel):
    comment: str = Field("", max_length=2000)
    version_id: int | None = Field(None, description="The version you read and listened to (required to "
                                   "approve: 409 if the bulletin has moved on to another version)")
    audio_sha256: str | None = Field(None, max_length=64, description="Optionally, the sha256 of the audio "
                                     "you listened to (409 if it is not the version's audio)")


class DiffPartPublic(BaseModel):
    kind: str = Field(description="same | removed | added")
    text: str


class VersionPublic(BaseModel):
    """One immutable state of a bulletin and the audio a reviewer hears for it."""

    id: int
    number: int
    reason: str
    state: str
    title: str
    text: str
    voice: str
    priority: Priority
    lexicon_overrides: dict[str, str]
    spoken_text: str
    audio: AudioPublic | None
    error: str | None
    created_by: int | None
    created_at: datetime
    approved_by: int | None
    approved_at: datetime | None
    spoken_diff: list[DiffPartPublic] = Field(description="Spoken text compared with the previous version")


class OverrideIn(BaseModel):
    written: str = Field(max_length=100, examples=["Nà Pàn"])
    spoken: str = Field(max_length=300, examples=["Nà Pàn"])


class BulletinPublic(BaseModel):
    id: int
    title: str
    text: str
    source: str
    priority: Priority
    voice: str
    speed: int = 0
    status: str
    version: int
    stations: list[str]
    error: str | None
    review_comment: str | None
    created_by: int | None
    approved_by: int | None
    created_at: datetime
    updated_at: datetime
    audio: AudioPublic | None = Field(description="The approved version's audio: what airs")
    version_id: int | None = Field(None, description="The newest version (send it back to approve)")
    approved_version_id: int | None = Field(None, description="The version whose audio airs")
    review_audio: AudioPublic | None = Field(None, description="The newest version's audio, to listen to "
                                             "before approving")
    spoken_text: str = Field("", description="What the newest version will say")


class PlaylistItemPublic(BaseModel):
    id: int
    station: str
    bulletin_id: int
    title: str
    priority: Priority
    play_at: datetime
    status: str
    audio: AudioPublic | None
