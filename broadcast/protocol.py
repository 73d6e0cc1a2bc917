"""Receiver protocol v1: manifest shapes, canonical serialisation, Ed25519 signing and verification.

Shared by the server and the reference receiver; imports nothing else of the server so another vendor's
device (or ours) can use it alone. See docs/receiver-protocol.md.

Canonical form: the ``manifest`` object serialised as JSON with keys sorted, no insignificant
whitespace, UTF-8 without escaping non-ASCII characters. Only strings, integers, booleans, null, lists
and objects appear in a manifest (durations are integer milliseconds), so every JSON library can
reproduce the exact bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

PROTOCOL_VERSION = 1
SIGNATURE_ALG = "Ed25519"


class ManifestItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int = Field(description="Playlist item id; unique per occurrence")
    title: str
    priority: Literal["normal", "priority", "emergency"]
    play_at: datetime = Field(description="When to start playing, ISO 8601 with offset")
    valid_until: datetime | None = Field(None, description="Do not start after this instant")
    duration_ms: int
    media_url: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: int = PROTOCOL_VERSION
    receiver_id: int
    station: str
    sequence: int = Field(ge=1, description="Strictly increasing per receiver")
    generated_at: datetime
    valid_until: datetime
    poll_interval_s: int = Field(60, description="Suggested poll interval")
    emergency: bool = Field(False, description="An emergency item is pending: poll faster")
    items: list[ManifestItem]


class Signature(BaseModel):
    alg: Literal["Ed25519"] = SIGNATURE_ALG
    key_id: str
    value: str = Field(description="Base64 of the Ed25519 signature over the canonical manifest")


class SignedManifest(BaseModel):
    manifest: dict[str, Any]
    signature: Signature


class SignedManifestDocument(BaseModel):
    """The envelope as documented (the JSON Schema): ``manifest`` is a :class:`Manifest`."""

    model_config = ConfigDict(title="SignedManifest")
    manifest: Manifest
    signature: Signature


class SigningKeyInfo(BaseModel):
    """``GET /api/v1/receiver/signing-key``: the key to pin."""

    alg: Literal["Ed25519"] = SIGNATURE_ALG
    key_id: str = Field(description="First 16 hex digits of SHA-256 over the raw 32-byte public key")
    public_key: str = Field(description="Base64 of the raw 32-byte Ed25519 public key")


class Enrolment(BaseModel):
    """``GET /api/v1/receiver/enrolment``: where this receiver fetches its manifests and sends reports."""

    receiver_id: int
    station: str
    api_url: str = Field(description="The service's base URL: the playlist fallback and reports go here")
    feed_url: str | None = Field(None, description="The receiver's signed manifest on object storage / a CDN, "
                                 "polled with If-None-Match; null when the service publishes no feeds")


EVENT_KINDS = ("downloaded", "played", "failed", "skipped", "rejected")
MAX_EVENTS_PER_REPORT = 500


class ReportEvent(BaseModel):
    """Something that happened on the receiver; ``event_id`` makes re-sending it harmless."""

    model_config = ConfigDict(extra="ignore")
    event_id: str = Field(min_length=1, max_length=64, description="Receiver-generated, unique per receiver")
    item_id: int | None = Field(None, description="Manifest item id; null for kind 'rejected'")
    kind: Literal["downloaded", "played", "failed", "skipped", "rejected"]
    at: AwareDatetime = Field(description="When it happened, ISO 8601 with offset (receiver clock); for "
                                          "'played' and 'failed' the end of playback")
    started_at: AwareDatetime | None = Field(None, description="'played' and 'failed': when playback started "
                                                                "(receiver clock); not after 'at'")
    detail: str = Field("", max_length=1000)
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")

    @model_validator(mode="after")
    def _start_before_end(self) -> ReportEvent:
        if self.started_at is not None and self.started_at > self.at:
            raise ValueError("started_at is after at (the end of playback)")
        return self


class Heartbeat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    software_version: str = Field("", max_length=64)
    free_disk_mb: float | None = Field(None, ge=0)
    volume: int | None = Field(None, ge=0, le=100)
    last_error: str | None = Field(None, max_length=1000)
    clock_offset_s: float | None = Field(None, description="Server Date header minus receiver clock, seconds")
    manifest_sequence: int | None = Field(None, ge=0, description="Sequence of the manifest the receiver runs")


class ReportsRequest(BaseModel):
    """``POST /api/v1/receiver/reports`` body."""

    model_config = ConfigDict(extra="ignore")
    events: list[ReportEvent] = Field(default_factory=list, max_length=MAX_EVENTS_PER_REPORT)
    heartbeat: Heartbeat | None = None


class ReportsReply(BaseModel):
    """Both lists acknowledge: the receiver may delete every listed event from its queue."""

    accepted: list[str]
    duplicates: list[str]
    ignored: list[str] = Field(default_factory=list, description="Accepted ids that changed nothing "
                               "(e.g. an item of another station); a subset of ``accepted``")


def json_schema() -> dict[str, Any]:
    """The protocol's JSON Schema (docs/receiver-protocol.schema.json is generated from this)."""
    from pydantic.json_schema import models_json_schema

    _, defs = models_json_schema(
        [(SignedManifestDocument, "serialization"), (ReportsRequest, "validation"),
         (ReportsReply, "serialization"), (SigningKeyInfo, "serialization"),
         (Enrolment, "serialization")],
        ref_template="#/$defs/{model}")
    defs["$defs"]["SignedManifest"] = defs["$defs"].pop("SignedManifestDocument")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://broadcast.invalid/receiver-protocol/v1.schema.json",
            "title": f"broadcast receiver protocol v{PROTOCOL_VERSION}",
            "description": "See docs/receiver-protocol.md. Use $defs/SignedManifest for GET /receiver/playlist, "
                           "$defs/ReportsRequest and $defs/ReportsReply for POST /receiver/reports.",
            **defs}


class VerificationError(ValueError):
    """A manifest that must not be used; ``reason`` is a short machine-readable word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def canonical_bytes(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def manifest_dict(manifest: Manifest) -> dict[str, Any]:
    return manifest.model_dump(mode="json")


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key_b64(value: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(value, validate=True))
    except ValueError as exc:
        raise ValueError("not a base64 Ed25519 public key") from exc


def sign(manifest: Manifest, private_key: Ed25519PrivateKey) -> bytes:
    """The signed envelope as the exact bytes to send."""
    body = manifest_dict(manifest)
    signature = private_key.sign(canonical_bytes(body))
    envelope = {"manifest": body, "signature": {"alg": SIGNATURE_ALG, "key_id": key_id(private_key.public_key()),
                                                "value": base64.b64encode(signature).decode()}}
    return canonical_bytes(envelope)


def verify(raw: bytes, public_key: Ed25519PublicKey) -> Manifest:
    """Check the signature and shape of a received envelope; raise VerificationError otherwise."""
    try:
        envelope = SignedManifest.model_validate_json(raw)
        signature = base64.b64decode(envelope.signature.value, validate=True)
    except ValueError as exc:
        raise VerificationError("malformed", f"not a signed manifest: {exc}") from exc
    try:
        public_key.verify(signature, canonical_bytes(envelope.manifest))
    except InvalidSignature:
        raise VerificationError("bad-signature", "the manifest signature does not verify") from None
    try:
        return Manifest.model_validate(envelope.manifest)
    except ValueError as exc:
        raise VerificationError("malformed", f"manifest fields are invalid: {exc}") from exc


def check_manifest(manifest: Manifest, *, receiver_id: int, last_sequence: int, now: datetime | None,
                   max_clock_skew: timedelta = timedelta(minutes=10)) -> None:
    """The checks a receiver makes after the signature, in this order: protocol version, identity,
    sequence, expiry, and a generation time not in the future (beyond ``max_clock_skew``).

    ``now=None`` leaves out the two time checks: for a manifest accepted earlier and read back from the
    receiver's own storage (it stays in force after it expires, until a newer one arrives).

    Raises VerificationError whose ``reason`` is the word a receiver reports (docs/receiver.md).
    """
    if manifest.protocol != PROTOCOL_VERSION:
        raise VerificationError("unsupported-protocol",
                                f"protocol {manifest.protocol}; this agent speaks {PROTOCOL_VERSION}")
    if manifest.receiver_id != receiver_id:
        raise VerificationError("wrong-receiver",
                                f"the manifest is for receiver {manifest.receiver_id}, not {receiver_id}")
    if manifest.sequence <= last_sequence:
        raise VerificationError("replayed",
                                f"sequence {manifest.sequence} is not newer than the accepted {last_sequence}")
    if now is None:
        return
    if manifest.valid_until <= now:
        raise VerificationError("expired", f"valid until {manifest.valid_until.isoformat()}, now {now.isoformat()}")
    if manifest.generated_at > now + max_clock_skew:
        raise VerificationError("from-future", f"generated at {manifest.generated_at.isoformat()}, in the future "
                                               f"(now {now.isoformat()}): check the clock")


if __name__ == "__main__":  # python -m broadcast.protocol > docs/receiver-protocol.schema.json
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
