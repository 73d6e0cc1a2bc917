"""Push deliveries of signed manifests to station gateways, and every attempt made."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from .types import UTCDateTime, enum_type, utcnow


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"
    superseded = "superseded"


class PushDelivery(SQLModel, table=True):
    """One manifest (receiver, sequence) to POST to a station's gateway, retried with backoff."""

    __table_args__ = (UniqueConstraint("receiver_id", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id", index=True)
    receiver_id: int = Field(foreign_key="receiver.id", index=True)
    sequence: int
    url: str = Field(max_length=500)
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, sa_type=enum_type(DeliveryStatus), index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PushAttempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="pushdelivery.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=1000)
    duration_ms: int = 0
