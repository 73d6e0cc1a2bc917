"""Push HMAC secrets encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The server needs the plain secret to sign each push, so it cannot store a hash; it stores the secret
encrypted with a key kept beside the signing key (``<data>/keys/push-secrets.key``, 0600). A copy of the
database alone (a backup, a dump) then no longer gives anyone the power to forge pushes to the gateways.
Values written before this existed are plain; :func:`encrypt_plain_push_secrets` converts them at start-up.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import Engine
from sqlmodel import select

from broadcast.atomic import atomic_write

PREFIX = "enc:v1:"


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def load_or_create(cls, path: Path) -> SecretBox:
        if not path.exists():
            atomic_write(path, Fernet.generate_key(), mode=0o600)
        return cls(path.read_bytes().strip())

    def encrypt(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, stored: str) -> str:
        """The plain secret; a value from before encryption is returned as it is."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("the push secret cannot be decrypted with this server's key") from exc


def encrypt_plain_push_secrets(engine: Engine, box: SecretBox) -> int:
    """Encrypt the push secrets still stored in plain text; returns how many."""
    from broadcast.db import session_scope
    from broadcast.models import Station

    with session_scope(engine) as session:
        stations = session.exec(select(Station).where(Station.push_secret.is_not(None))).all()  # type: ignore[union-attr]
        changed = [s for s in stations if s.push_secret and not s.push_secret.startswith(PREFIX)]
        for station in changed:
            station.push_secret = box.encrypt(station.push_secret or "")
            session.add(station)
    return len(changed)
