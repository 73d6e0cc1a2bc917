"""CAP alerts received from warning services, and the feeds polled for them (issue 16)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from .types import UTCDateTime, utcnow


class CapAlertRecord(SQLModel, table=True):
    """One CAP message as received and what became of it. Only valid messages are stored (an invalid one is
    refused with nothing written); duplicates of (sender, identifier) are not stored twice.

    ``outcome``: draft (a bulletin waits for approval) · auto-approved · placed · update (a new version of the
    referenced alert's bulletin) · cancelled (it cancelled the referenced alert's placements) · expired ·
    no-stations (the area matched none) · not-broadcast (Test/Exercise/System/Draft status, Ack, Error) ·
    unresolved (an Update/Cancel whose referenced alert is unknown).
    """

    __tablename__ = "capalert"
    __table_args__ = (UniqueConstraint("sender", "identifier"),)
    id: int | None = Field(default=None, primary_key=True)
    sender: str = Field(max_length=300, index=True)
    identifier: str = Field(max_length=300)
    sent: datetime = Field(sa_type=UTCDateTime, index=True)
    status: str = Field(max_length=16)
    msg_type: str = Field(max_length=16)
    scope: str = Field(default="Public", max_length=16)
    references: str = Field(default="", max_length=4000)
    language: str = Field(default="", max_length=32)
    in_vietnamese: bool = True
    event: str = Field(default="", max_length=300)
    headline: str = Field(default="", max_length=1000)
    sender_name: str = Field(default="", max_length=300)
    urgency: str = Field(default="", max_length=16)
    severity: str = Field(default="", max_length=16)
    certainty: str = Field(default="", max_length=16)
    effective: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    area_desc: str = Field(default="", max_length=2000)
    raw_xml: str = Field(sa_type=Text, description="The message exactly as received (UTF-8)")
    sha256: str = Field(max_length=64, index=True)
    via: str = Field(max_length=16, description="upload | api | webhook | feed")
    received_by: int | None = Field(default=None, foreign_key="user.id")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    validation: str = Field(default="valid CAP 1.2", max_length=300,
                            description="Schema result and the signature check (verified / unsigned / not checked)")
    matched_json: str = Field(default="[]", sa_type=Text,
                              description="JSON list of {station_id, code, name, how, needs_confirmation}")
    bulletin_id: int | None = Field(default=None, foreign_key="bulletin.id", index=True)
    refers_to_id: int | None = Field(default=None, description="The alert an Update/Cancel referred to")
    outcome: str = Field(default="draft", max_length=32, index=True)
    outcome_detail: str = Field(default="", max_length=2000)
    auto_approve: bool = Field(default=False, description="Eligible for auto-approval (trusted sender, "
                               "Alert + Extreme + Immediate, setting on)")


class CapFeedState(SQLModel, table=True):
    """What the feed poller remembers of one configured Atom/RSS feed: validators and back-off."""

    __tablename__ = "capfeed"
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=1000, unique=True)
    etag: str = Field(default="", max_length=300)
    last_modified: str = Field(default="", max_length=100)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failures: int = 0
    last_error: str = Field(default="", max_length=1000)
    taken: int = Field(default=0, description="Alerts taken in from this feed so far")
