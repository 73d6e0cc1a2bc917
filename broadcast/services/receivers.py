"""Receivers (a station's loudspeaker clusters): registering a device and revoking it."""

from __future__ import annotations

from sqlmodel import Session

from broadcast.errors import InvalidInput
from broadcast.models import Receiver, Station, utcnow
from broadcast.security import DeviceToken, hash_secret


def create_receiver(session: Session, station: Station, name: str) -> tuple[Receiver, str]:
    """Register a device; returns it with its token, which is shown only this once."""
    if not name.strip():
        raise InvalidInput("receiver name is empty")
    token = DeviceToken.generate()
    receiver = Receiver(station_id=station.id, name=name.strip(), token_id=token.token_id,
                        token_hash=hash_secret(token.secret))
    session.add(receiver)
    session.flush()
    return receiver, str(token)


def revoke_receiver(session: Session, receiver: Receiver) -> None:
    receiver.revoked_at = utcnow()  # the poll cache sees it at commit (pollcache: before_flush)
    session.add(receiver)
