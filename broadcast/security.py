"""Passwords, login tokens and receiver device tokens.

Passwords are hashed with argon2. Login and device tokens are long random strings, so a SHA-256 of the
secret is enough to store; the secret itself is shown once and never kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's recommended argon2id floor (19 MiB, 2 passes, 1 lane): a login stays well under a second on a
# small province server while offline guessing stays expensive.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
DEVICE_TOKEN_PREFIX = "rcv_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secrets_match(stored_hash: str, secret: str) -> bool:
    return hmac.compare_digest(stored_hash, hash_secret(secret))


@dataclass(frozen=True)
class DeviceToken:
    """A split device token: ``rcv_<token_id>.<secret>``; the id is looked up, the secret compared."""

    token_id: str
    secret: str

    def __str__(self) -> str:
        return f"{DEVICE_TOKEN_PREFIX}{self.token_id}.{self.secret}"

    @classmethod
    def generate(cls) -> DeviceToken:
        return cls(token_id=secrets.token_hex(8), secret=new_secret())

    @classmethod
    def parse(cls, raw: str) -> DeviceToken | None:
        if not raw.startswith(DEVICE_TOKEN_PREFIX) or "." not in raw:
            return None
        token_id, _, secret = raw[len(DEVICE_TOKEN_PREFIX):].partition(".")
        if not token_id or not secret or len(raw) > 200:
            return None
        return cls(token_id=token_id, secret=secret)
