"""Push deliveries: POST each new signed manifest to stations whose gateway accepts pushes.

A delivery is keyed by (receiver, sequence), so finding the same change twice queues it once. Each POST
carries ``X-Broadcast-Timestamp`` and ``X-Broadcast-Signature: v1=<hex HMAC-SHA256(secret,
"<timestamp>.<body>")>``; the body is the exact signed envelope a poll would return. A failed attempt is
retried with exponential backoff (5 s doubling, capped at 15 min, with jitter) up to ``MAX_ATTEMPTS``, at
the time it is due (the scheduler runs the push job then, not only at its 10-second tick);
a delivery overtaken by a newer manifest is marked superseded instead of being sent late. Every attempt
is stored (PushAttempt) and shown by ``GET /api/v1/stations/{code}/push-deliveries``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from broadcast.db import insert_ignore, session_scope
from broadcast.distribute.manifests import current_manifest
from broadcast.distribute.push_target import blocked_reason
from broadcast.keys import SigningKey
from broadcast.models import (
    DeliveryStatus,
    ManifestState,
    PushAttempt,
    PushDelivery,
    Receiver,
    Station,
)
from broadcast.secret_box import SecretBox

log = logging.getLogger(__name__)
BASE_DELAY_S = 5.0
MAX_DELAY_S = 900.0
MAX_ATTEMPTS = 12
TIMEOUT_S = 10.0
SIGNATURE_HEADER = "X-Broadcast-Signature"
TIMESTAMP_HEADER = "X-Broadcast-Timestamp"


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Delay before the next try after ``attempts`` failures: 5, 10, 20 … s, capped, ±20 % jitter."""
    delay = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (rng or random).uniform(0.8, 1.2))


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={mac}"


def enqueue_changes(session: Session, key: SigningKey, public_url: str, now: datetime) -> int:
    """Queue a delivery for every push station's receiver whose manifest has a sequence not yet queued."""
    queued = 0
    stations = session.exec(select(Station).where(col(Station.push_url).is_not(None), Station.push_url != "")).all()
    for station in stations:
        receivers = session.exec(select(Receiver).where(Receiver.station_id == station.id,
                                                        col(Receiver.revoked_at).is_(None))).all()
        for receiver in receivers:
            published = current_manifest(session, receiver, key, public_url, now)
            latest = session.exec(select(PushDelivery.sequence).where(PushDelivery.receiver_id == receiver.id)
                                  .order_by(col(PushDelivery.sequence).desc())).first()
            if latest is not None and latest >= published.sequence:
                continue
            insert_ignore(session, PushDelivery, station_id=station.id, receiver_id=receiver.id,
                          sequence=published.sequence, url=station.push_url, status=DeliveryStatus.pending.value,
                          attempts=0, next_attempt_at=now, created_at=now)
            for older in session.exec(select(PushDelivery).where(
                    PushDelivery.receiver_id == receiver.id, PushDelivery.status == DeliveryStatus.pending,
                    PushDelivery.sequence < published.sequence)).all():
                older.status, older.last_error = DeliveryStatus.superseded, f"superseded by {published.sequence}"
                session.add(older)
            queued += 1
    return queued


def deliver_due(engine: Engine, now: datetime, client: httpx.Client | None = None, limit: int = 50,
                allow_private: bool = False, box: SecretBox | None = None) -> int:
    """Try every pending delivery whose time has come; returns how many were attempted."""
    with Session(engine) as session:
        due = session.exec(select(PushDelivery.id).where(PushDelivery.status == DeliveryStatus.pending,
                                                         PushDelivery.next_attempt_at <= now)
                           .order_by(col(PushDelivery.next_attempt_at)).limit(limit)).all()
    if not due:
        return 0  # no client made: building one (TLS context) costs more than the whole idle check
    own_client = client is None
    client = client or httpx.Client(timeout=TIMEOUT_S, follow_redirects=False)
    try:
        for delivery_id in due:
            _attempt(engine, delivery_id, now, client, allow_private, box)
    finally:
        if own_client:
            client.close()
    return len(due)


def next_attempt_at(engine: Engine) -> datetime | None:
    """When the earliest pending delivery is due (the scheduler runs the push job then, not at its next tick)."""
    with Session(engine) as session:
        return session.exec(select(PushDelivery.next_attempt_at).where(
            PushDelivery.status == DeliveryStatus.pending).order_by(col(PushDelivery.next_attempt_at))).first()


def _attempt(engine: Engine, delivery_id: int | None, now: datetime, client: httpx.Client,
             allow_private: bool = False, box: SecretBox | None = None) -> None:
    with Session(engine) as session:
        delivery = session.get(PushDelivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.pending:
            return
        station = session.get(Station, delivery.station_id)
        state = session.get(ManifestState, delivery.receiver_id)
        url, stored = delivery.url, (station.push_secret if station else None) or ""
        body = state.body.encode() if state is not None and state.sequence == delivery.sequence else None
    if body is None:
        with session_scope(engine) as session:
            delivery = session.get(PushDelivery, delivery_id)
            if delivery is not None and delivery.status == DeliveryStatus.pending:
                delivery.status, delivery.last_error = DeliveryStatus.superseded, "a newer manifest exists"
                session.add(delivery)
        return
    timestamp = str(int(now.timestamp()))
    started = time.monotonic()
    status_code, error = None, None
    blocked = blocked_reason(url, allow_private)  # again at send time: the name may point elsewhere now
    try:
        secret = box.decrypt(stored) if box is not None else stored
    except ValueError as exc:
        secret, blocked = "", str(exc)
    if box is None and stored.startswith("enc:"):
        blocked = "the push secret is encrypted and no key was given"
    try:
        if blocked:
            error = f"refused: {blocked}"[:1000]
        else:
            reply = client.post(url, content=body, headers={
                "Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(secret, timestamp, body)})
            status_code = reply.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {reply.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{exc.__class__.__name__}: {exc}"[:1000]
    elapsed_ms = int((time.monotonic() - started) * 1000)
    with session_scope(engine) as session:
        delivery = session.get(PushDelivery, delivery_id)
        if delivery is None:
            return
        session.add(PushAttempt(delivery_id=delivery_id, at=now, status_code=status_code, error=error,
                                duration_ms=elapsed_ms))
        delivery.attempts += 1
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.delivered, now, None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.last_error = DeliveryStatus.failed, error
        else:
            delivery.last_error, delivery.next_attempt_at = error, now + backoff(delivery.attempts)
        session.add(delivery)
    if error:
        log.warning("push of manifest %s to %s failed (attempt %s): %s", delivery_id, url, delivery.attempts, error)
