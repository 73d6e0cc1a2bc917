"""Device authentication: which receiver (if any) a bearer token belongs to."""

from __future__ import annotations

from sqlmodel import Session, select

from broadcast.models import Receiver
from broadcast.security import DeviceToken, secrets_match


def authenticate_receiver(session: Session, raw_token: str) -> Receiver | None:
    """The receiver whose unrevoked token this is, compared in constant time; None otherwise."""
    token = DeviceToken.parse(raw_token)
    if token is None:
        return None
    receiver = session.exec(select(Receiver).where(Receiver.token_id == token.token_id)).first()
    if receiver is None or receiver.revoked_at is not None:
        return None
    if not secrets_match(receiver.token_hash, token.secret):
        return None
    return receiver
