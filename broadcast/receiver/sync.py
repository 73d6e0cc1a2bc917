"""Talking to the server: the playlist poll, the acceptance checks on a manifest, and the report upload.

A manifest is accepted only after these checks, in this order (docs/receiver.md):

1. the Ed25519 signature verifies against the key pinned at enrolment (``bad-signature``, ``unknown-key``
   when it was signed by another key, ``malformed`` when it is not a signed manifest at all);
2. it names this receiver (``wrong-receiver``);
3. its ``sequence`` is higher than the last accepted one (``replayed``);
4. its ``valid_until`` has not passed (``expired``);
5. it was not generated in the future, beyond ten minutes of clock skew (``from-future``).

Checks 2–5 (and the protocol version) are :func:`broadcast.protocol.check_manifest`.

Anything that fails keeps the previous manifest in force and nothing from the rejected one plays.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from broadcast.protocol import Manifest, VerificationError, check_manifest, verify
from broadcast.receiver.clock import Clock

USER_AGENT = "broadcast-receiver"


class Rejected(Exception):
    """A manifest that must not be used; ``reason`` is the short word reported to the server."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def accept(raw: bytes, public_key: Ed25519PublicKey, pinned_key_id: str, receiver_id: int,
           last_sequence: int, now: datetime | None) -> Manifest:
    """Return the manifest in ``raw`` if it passes every check, else raise :class:`Rejected`.

    ``now=None``: a manifest read back from our own storage, whose time checks were made when it arrived.
    """
    try:
        manifest = verify(raw, public_key)
    except VerificationError as exc:
        if exc.reason == "bad-signature":
            signer = _signer_key_id(raw)
            if signer and signer != pinned_key_id:
                raise Rejected("unknown-key", f"signed by key {signer[:32]}, not the pinned key {pinned_key_id}"
                               ) from None
        raise Rejected(exc.reason, str(exc)) from None
    try:
        check_manifest(manifest, receiver_id=receiver_id, last_sequence=last_sequence, now=now)
    except VerificationError as exc:
        raise Rejected(exc.reason, str(exc)) from None
    return manifest


def _signer_key_id(raw: bytes) -> str | None:
    try:
        value = json.loads(raw)["signature"]["key_id"]
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Playlist:
    status: int  # 200 or 304
    body: bytes
    etag: str | None


class ServerError(Exception):
    """The server could not be reached or answered with an error; the agent carries on from its cache."""


class ServerClient:
    """One HTTP client for the agent's requests; every reply's ``Date`` feeds the clock."""

    def __init__(self, server_url: str, token: str, clock: Clock, timeout: float = 20.0) -> None:
        self.server_url = server_url.rstrip("/")
        self.clock = clock
        self.http = httpx.Client(
            base_url=self.server_url, timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=False,
            headers={"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT})
        self.anonymous = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=False,
                                      headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self.http.close()
        self.anonymous.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        sent = time.time()
        try:
            reply = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ServerError(f"{method} {url}: {exc.__class__.__name__}: {exc}".strip()) from exc
        self.clock.observe(reply.headers.get("date"), sent, time.time())
        return reply

    def playlist(self, etag: str | None) -> Playlist:
        headers = {"If-None-Match": etag} if etag else {}
        reply = self.request("GET", "/api/v1/receiver/playlist", headers=headers)
        if reply.status_code == 304:
            return Playlist(304, b"", etag)
        if reply.status_code != 200:
            raise ServerError(f"playlist: HTTP {reply.status_code}: {reply.text[:200]}")
        return Playlist(200, reply.content, reply.headers.get("etag"))

    def feed(self, url: str, etag: str | None) -> Playlist:
        """The manifest from object storage / a CDN: no device token, its own ETag."""
        headers = {"If-None-Match": etag} if etag else {}
        try:
            reply = self.anonymous.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise ServerError(f"feed {url}: {exc.__class__.__name__}: {exc}".strip()) from exc
        if reply.status_code == 304:
            return Playlist(304, b"", etag)
        if reply.status_code != 200:
            raise ServerError(f"feed: HTTP {reply.status_code}")
        return Playlist(200, reply.content, reply.headers.get("etag"))

    def post_reports(self, payload: dict[str, Any]) -> httpx.Response:
        return self.request("POST", "/api/v1/receiver/reports", json=payload)

    def stream(self, url: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
        """A streaming GET for media; the device token goes only to the server's own origin."""
        absolute = urljoin(self.server_url + "/", url)
        if not absolute.startswith(("http://", "https://")):
            raise ServerError(f"media URL {url!r} is not http(s)")
        own = urlsplit(absolute)[:2] == urlsplit(self.server_url)[:2]
        return (self.http if own else self.anonymous).stream("GET", absolute, headers=headers)
