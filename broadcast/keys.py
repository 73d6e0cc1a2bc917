"""The server's Ed25519 signing key and its PEM storage (server only; receivers pin the public half).

The wire side of signing (canonical bytes, ``sign``, ``verify``, key ids) is ``broadcast/protocol.py``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from broadcast.protocol import key_id, public_key_b64


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @cached_property
    def key_id(self) -> str:
        return key_id(self.public_key)

    @cached_property
    def public_b64(self) -> str:
        return public_key_b64(self.public_key)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Load the server's key, creating it (mode 0600, atomically) on first use."""
        if path.is_file():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            return cls(key)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process created the key first
                os.link(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return cls.load_or_create(path)
