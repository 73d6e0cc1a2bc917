"""Receiver protocol v1 through the HTTP API: signed manifests, ETags, sequences, expiry, reports, media."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from broadcast.protocol import Manifest, VerificationError, check_manifest, load_public_key_b64, verify
from tests.conftest import World, login
from tests.distribute.support import FIXED_NOW, advance, ready_bulletin, service_now


def device(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def place_at(client: TestClient, bulletin_id: int, at: datetime, stations: list[str] | None = None,
             user: str = "editor", **extra: object) -> dict:
    reply = client.post(f"/api/v1/bulletins/{bulletin_id}/placements", headers=login(client, user),
                        json={"stations": stations or ["xa-a"], "mode": "at", "at": at.isoformat(), **extra})
    assert reply.status_code == 201, reply.text
    return reply.json()


def poll(client: TestClient, token: str, etag: str | None = None):  # type: ignore[no-untyped-def]
    headers = device(token) | ({"If-None-Match": etag} if etag else {})
    return client.get("/api/v1/receiver/playlist", headers=headers)


def public_key(client: TestClient):  # type: ignore[no-untyped-def]
    return load_public_key_b64(client.get("/api/v1/receiver/signing-key").json()["public_key"])


def test_poll_needs_a_valid_device_token(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    assert app_client.get("/api/v1/receiver/playlist").status_code == 401
    good = world.receiver_tokens["xa-a"]
    assert poll(app_client, good[:-2] + "xx").status_code == 401
    assert poll(app_client, "rcv_0000000000000000.nope").status_code == 401
    assert poll(app_client, good).status_code == 200
    admin = login(app_client, world.admin)
    receivers = app_client.get("/api/v1/stations/xa-a/receivers", headers=admin).json()
    url = f"/api/v1/stations/xa-a/receivers/{receivers[0]['id']}/revoke"
    assert app_client.post(url, headers=login(app_client, world.editor)).status_code == 403
    assert app_client.post(url, headers=admin).json()["revoked"] is True
    assert poll(app_client, good).status_code == 401
    assert app_client.post("/api/v1/stations/xa-b/receivers/999/revoke", headers=admin).status_code == 404


def test_manifest_is_signed_cached_and_sequenced(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    first = poll(app_client, token)
    assert first.status_code == 200
    empty = verify(first.content, public_key(app_client))
    assert empty.items == [] and empty.station == "xa-a" and empty.sequence >= 1
    check_manifest(empty, receiver_id=empty.receiver_id, last_sequence=0, now=service_now(runtime))
    assert poll(app_client, token, first.headers["ETag"]).status_code == 304
    again = poll(app_client, token)
    assert again.content == first.content and again.headers["ETag"] == first.headers["ETag"]

    bid = ready_bulletin(runtime.engine, runtime.media, "Lịch tiêm chủng", ["xa-a", "xa-b"], seconds=20)
    at = FIXED_NOW + timedelta(hours=2)
    place_at(app_client, bid, at, ["xa-a", "xa-b"], repeat=2)
    changed = poll(app_client, token, first.headers["ETag"])
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    manifest = verify(changed.content, public_key(app_client))
    assert manifest.sequence == empty.sequence + 1
    assert [i.title for i in manifest.items] == ["Lịch tiêm chủng"] * 2
    item = manifest.items[0]
    assert item.play_at == at.astimezone(UTC) and item.duration_ms == 20_000 and item.priority == "normal"
    assert item.valid_until == item.play_at + timedelta(seconds=runtime.settings.play_grace_s)
    assert manifest.items[1].play_at == at + timedelta(seconds=22)
    media = app_client.get(item.media_url)  # relative to the server root when no public URL is set
    assert media.status_code == 200 and len(media.content) == item.bytes
    import hashlib

    assert hashlib.sha256(media.content).hexdigest() == item.sha256
    assert manifest.valid_until - manifest.generated_at == timedelta(hours=24)
    # Other receivers of other stations are not affected.
    other = verify(poll(app_client, world.receiver_tokens["xa-c"]).content, public_key(app_client))
    assert other.items == []


def test_one_altered_byte_fails_verification(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    bid = ready_bulletin(runtime.engine, runtime.media, "Thông báo", ["xa-a"], seconds=10)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=1))
    raw = poll(app_client, world.receiver_tokens["xa-a"]).content
    key = public_key(app_client)
    verify(raw, key)
    text = raw.decode()
    positions = [text.index('"sequence":') + 11, text.index('"play_at":"') + 20, text.index('"sha256":"') + 12,
                 text.index('"title":"') + 10, text.index('"receiver_id":') + 14]
    for position in positions:
        original = raw[position:position + 1]
        replacement = b"1" if original != b"1" else b"2"
        altered = raw[:position] + replacement + raw[position + 1:]
        with pytest.raises(VerificationError):
            verify(altered, key)
    envelope = json.loads(raw)
    signature = bytearray(base64.b64decode(envelope["signature"]["value"]))
    signature[0] ^= 1
    envelope["signature"]["value"] = base64.b64encode(bytes(signature)).decode()
    with pytest.raises(VerificationError, match="signature"):
        verify(json.dumps(envelope).encode(), key)


def test_sequence_never_goes_backwards_and_expired_items_never_appear(app_client: TestClient, world: World,
                                                                     runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    key = public_key(app_client)
    sequences = [verify(poll(app_client, token).content, key).sequence]
    soon = ready_bulletin(runtime.engine, runtime.media, "Hết hạn sớm", ["xa-a"], seconds=10)
    later = ready_bulletin(runtime.engine, runtime.media, "Chiều nay", ["xa-a"], seconds=10, frequency=660)
    place_at(app_client, soon, FIXED_NOW + timedelta(minutes=30), valid_until=(FIXED_NOW + timedelta(minutes=40))
             .isoformat())
    placement = place_at(app_client, later, FIXED_NOW + timedelta(hours=6))
    manifest = verify(poll(app_client, token).content, key)
    sequences.append(manifest.sequence)
    assert [i.title for i in manifest.items] == ["Hết hạn sớm", "Chiều nay"]
    assert manifest.items[0].valid_until == FIXED_NOW + timedelta(minutes=40)
    for step in (timedelta(minutes=20), timedelta(minutes=25), timedelta(hours=1)):
        advance(runtime, step)
        manifest = verify(poll(app_client, token).content, key)
        sequences.append(manifest.sequence)
        now = service_now(runtime)
        for item in manifest.items:
            assert item.valid_until is None or item.valid_until > now
    assert [i.title for i in manifest.items] == ["Chiều nay"]
    reply = app_client.post(f"/api/v1/placements/{placement['id']}/cancel", headers=login(app_client, "editor"),
                            json={"reason": "đổi lịch"})
    assert reply.status_code == 200 and {i["status"] for i in reply.json()["items"]} == {"cancelled"}
    manifest = verify(poll(app_client, token).content, key)
    sequences.append(manifest.sequence)
    assert manifest.items == []
    assert sequences == sorted(sequences)
    assert sequences[2] == sequences[1]  # nothing changed in 20 minutes: same manifest, same sequence
    assert sequences[3] > sequences[2] and sequences[-1] > sequences[-2]


def test_signing_key_endpoint_matches_the_cli(app_client: TestClient, runtime) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    served = app_client.get("/api/v1/receiver/signing-key").json()
    assert served["alg"] == "Ed25519" and served["key_id"] == runtime.signing_key.key_id
    env = {**os.environ, "BROADCAST_DATA_DIR": str(runtime.settings.data_dir),
           "BROADCAST_DATABASE_URL": runtime.settings.database_url}
    out = subprocess.run([sys.executable, "-m", "broadcast.cli", "keys", "show"], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert f"public_key: {served['public_key']}" in out and f"key_id: {served['key_id']}" in out


def test_media_supports_ranges_and_is_immutable(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    bid = ready_bulletin(runtime.engine, runtime.media, "Tải lại", ["xa-a"], seconds=10)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=1))
    item = verify(poll(app_client, world.receiver_tokens["xa-a"]).content, public_key(app_client)).items[0]
    whole = app_client.get(item.media_url)
    assert "immutable" in whole.headers["cache-control"] and whole.headers["accept-ranges"] == "bytes"
    part = app_client.get(item.media_url, headers={"Range": "bytes=100-"})
    assert part.status_code == 206 and part.content == whole.content[100:]
    assert part.headers["content-range"] == f"bytes 100-{item.bytes - 1}/{item.bytes}"
    assert app_client.get(item.media_url, headers={"Range": f"bytes={item.bytes + 10}-"}).status_code == 416


def test_manifest_model_round_trip(app_client: TestClient, world: World) -> None:
    raw = poll(app_client, world.receiver_tokens["xa-b"]).content
    envelope = json.loads(raw)
    assert Manifest.model_validate(envelope["manifest"]).station == "xa-b"
