"""Staff notifications: the in-app inbox (and the e-mail copy's delivery state)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from .types import UTCDateTime, utcnow


class Notification(SQLModel, table=True):
    """One thing a person should know about (a bulletin waits, was rejected, failed to play, a cluster went
    silent). ``key`` names the event, so the collector can run any number of times and tell each person once.
    ``email_status``: "" (no e-mail wanted), pending, sent, failed."""

    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    key: str = Field(max_length=160)
    kind: str = Field(max_length=32, description="submitted | rejected | failed | offline")
    title: str = Field(max_length=300)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_status: str = Field(default="", max_length=16, index=True)
    email_error: str = Field(default="", max_length=500)
