"""Stations, receivers, users and their credentials."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text, false
from sqlmodel import Field, SQLModel, UniqueConstraint

from .types import UTCDateTime, enum_type, utcnow


class Role(StrEnum):
    admin = "admin"
    editor = "editor"
    approver = "approver"
    intake = "intake"  # a machine account that may only post CAP alerts (POST /api/v1/alerts); no web pages


class Station(SQLModel, table=True):
    """A commune's radio station (đài truyền thanh cơ sở)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=200)
    province: str = Field(default="", max_length=120)
    district: str = Field(default="", max_length=120)
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)
    quiet_start: str = Field(default="21:00", max_length=5, description="Local HH:MM when quiet hours begin")
    quiet_end: str = Field(default="05:30", max_length=5, description="Local HH:MM when quiet hours end")
    push_url: str | None = Field(default=None, max_length=500)
    push_secret: str | None = Field(default=None, max_length=400, description="Encrypted (secret_box.py)")
    default_voice: str | None = Field(default=None, max_length=64, description="Voice profile; none: province's")
    # Location, for matching warning areas (CAP alerts): a point, an area polygon (GeoJSON geometry text,
    # Polygon or MultiPolygon, lon/lat) and the state registry's administrative codes. All optional.
    lat: float | None = None
    lon: float | None = None
    area_geojson: str | None = Field(default=None, sa_type=Text)
    province_code: str = Field(default="", max_length=8, index=True)
    district_code: str = Field(default="", max_length=8, index=True)
    commune_code: str = Field(default="", max_length=8, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Receiver(SQLModel, table=True):
    """A loudspeaker cluster (cụm loa) that polls for its station's playlist.

    The device token is split: ``token_id`` is public and indexed, only a hash of the secret is kept.
    """

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    name: str = Field(max_length=200)
    token_id: str = Field(index=True, unique=True, max_length=32)
    token_hash: str = Field(max_length=128)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    software_version: str | None = Field(default=None, max_length=64)
    free_disk_mb: float | None = None
    volume: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    clock_offset_s: float | None = None
    last_played_item_id: int | None = None
    last_played_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    full_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=254, description="Where notifications are e-mailed")
    password_hash: str = Field(max_length=255)
    role: Role = Field(default=Role.editor, sa_type=enum_type(Role))
    active: bool = True
    #: Set by an admin's password reset: every page and API route but the password change is refused until then.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserStation(SQLModel, table=True):
    """Which stations an editor or approver works for (admins see all)."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    station_id: int = Field(foreign_key="station.id", primary_key=True)


class AuthToken(SQLModel, table=True):
    """A login: an API bearer token or a web session. Only the hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=128)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(default="api", max_length=8)
    csrf_token: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """Every login attempt, for throttling and for the audit trail."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    client: str = Field(default="", max_length=64)
    success: bool = False
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: int | None = None
    detail: str = Field(default="", max_length=4000)


class LexiconEntry(SQLModel, table=True):
    """A staff-added reading that overrides the lexicon files."""

    __table_args__ = (UniqueConstraint("written"),)
    id: int | None = Field(default=None, primary_key=True)
    written: str = Field(max_length=100)
    spoken: str = Field(max_length=300)
    note: str = Field(default="", max_length=300)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
