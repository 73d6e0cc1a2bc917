"""Receiver reports and heartbeats: idempotent events, played/ignored rules, station status, the schema."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
from fastapi.testclient import TestClient
from sqlmodel import func, select

from broadcast.db import session_scope
from broadcast.models import ItemStatus, PlaylistItem, Priority, ReceiverEvent
from broadcast.protocol import json_schema, verify
from tests.conftest import World, login
from tests.distribute.support import FIXED_NOW, ready_bulletin, service_now
from tests.protocol.test_receiver_api import device, place_at, poll, public_key

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "receiver-protocol.schema.json"


def report(client: TestClient, token: str, events: list[dict], heartbeat: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/receiver/reports", headers=device(token),
                       json={"events": events, "heartbeat": heartbeat})


def event(event_id: str, item_id: int | None, kind: str, at: str, **extra: object) -> dict:
    return {"event_id": event_id, "item_id": item_id, "kind": kind, "at": at, **extra}


def _setup(client: TestClient, runtime) -> list[int]:  # type: ignore[no-untyped-def]
    bid = ready_bulletin(runtime.engine, runtime.media, "Báo cáo", ["xa-a", "xa-b"], seconds=10)
    placed = place_at(client, bid, FIXED_NOW + timedelta(minutes=5), ["xa-a", "xa-b"])
    return [i["id"] for i in sorted(placed["items"], key=lambda i: i["station"])]


def test_events_are_idempotent_and_mark_played(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    item_a, item_b = _setup(app_client, runtime)
    token = world.receiver_tokens["xa-a"]
    at = (FIXED_NOW + timedelta(minutes=5, seconds=1)).isoformat()
    batch = [event("e1", item_a, "downloaded", at), event("e2", item_a, "played", at, detail="ok"),
             event("e3", item_b, "played", at), event("e2", item_a, "played", at)]
    first = report(app_client, token, batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": ["e1", "e2", "e3"], "duplicates": ["e2"], "ignored": ["e3"]}
    again = report(app_client, token, batch[:3])
    assert again.json() == {"accepted": [], "duplicates": ["e1", "e2", "e3"], "ignored": []}
    # The same event id from another receiver is another event.
    other = report(app_client, world.receiver_tokens["xa-b"], [event("e1", item_b, "played", at)])
    assert other.json()["accepted"] == ["e1"]
    with session_scope(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(ReceiverEvent)).one() == 4
        statuses = {i.id: i.status for i in session.exec(select(PlaylistItem)).all()}
        ignored = session.exec(select(ReceiverEvent).where(ReceiverEvent.event_id == "e3")).one()
    assert statuses == {item_a: ItemStatus.played, item_b: ItemStatus.played}
    assert ignored.ignored == "item is not on this receiver's station"


def test_report_limits_and_bad_input(app_client: TestClient, world: World) -> None:
    token = world.receiver_tokens["xa-a"]
    at = FIXED_NOW.isoformat()
    too_many = [event(f"e{n}", None, "rejected", at) for n in range(501)]
    assert report(app_client, token, too_many).status_code == 422
    assert report(app_client, token, too_many[:500]).status_code == 200
    naive = report(app_client, token, [event("x", None, "rejected", "2026-11-23T09:00:00")])
    assert naive.status_code == 422
    assert report(app_client, token, [event("y" * 65, None, "rejected", at)]).status_code == 422
    assert report(app_client, token, [event("z", None, "exploded", at)]).status_code == 422
    assert app_client.post("/api/v1/receiver/reports", json={"events": []}).status_code == 401


def test_heartbeat_sets_station_status(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    sequence = verify(poll(app_client, token).content, public_key(app_client)).sequence
    beat = {"software_version": "1.2.3", "free_disk_mb": 5120.5, "volume": 80, "last_error": None,
            "clock_offset_s": 0.4, "manifest_sequence": sequence}
    assert report(app_client, token, [], beat).status_code == 200
    admin = login(app_client, world.admin)
    status = app_client.get("/api/v1/stations/xa-a/status", headers=admin).json()
    assert status["status"] == "ok"
    receiver = status["receivers"][0]
    assert receiver["software_version"] == "1.2.3" and receiver["volume"] == 80
    assert receiver["manifest_sequence"] == receiver["current_sequence"] == sequence
    low = beat | {"free_disk_mb": 50.0, "last_error": "amplifier not responding"}
    report(app_client, token, [event("r1", None, "rejected", service_now(runtime).isoformat(),
                                      detail="bad-signature")], low)
    status = app_client.get("/api/v1/stations/xa-a/status", headers=admin).json()
    assert status["status"] == "error"
    problems = " | ".join(status["receivers"][0]["problems"])
    assert "amplifier not responding" in problems and "low disk" in problems and "bad-signature" in problems
    assert app_client.get("/api/v1/stations/xa-c/status", headers=admin).json()["status"] == "unknown"


def test_schema_file_is_generated_from_the_models() -> None:
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == json_schema(), \
        "regenerate: python -m broadcast.protocol > docs/receiver-protocol.schema.json"


def test_live_replies_validate_against_the_schema(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)

    def validator(name: str) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"},
                                               format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

    item_a, _ = _setup(app_client, runtime)
    envelope = poll(app_client, world.receiver_tokens["xa-a"]).json()
    assert envelope["manifest"]["items"]
    validator("SignedManifest").validate(envelope)
    body = {"events": [event("s1", item_a, "played", FIXED_NOW.isoformat())],
            "heartbeat": {"software_version": "x", "manifest_sequence": 1}}
    validator("ReportsRequest").validate(body)
    reply = app_client.post("/api/v1/receiver/reports", headers=device(world.receiver_tokens["xa-a"]), json=body)
    validator("ReportsReply").validate(reply.json())
    validator("SigningKeyInfo").validate(app_client.get("/api/v1/receiver/signing-key").json())
    broken = json.loads(json.dumps(envelope))
    broken["manifest"]["items"][0]["sha256"] = "xyz"
    assert list(validator("SignedManifest").iter_errors(broken))


def test_emergency_flag_goes_off_once_the_emergency_is_reported_played(app_client: TestClient, world: World,
                                                                      runtime) -> None:  # type: ignore[no-untyped-def]
    """Fast polling only while an emergency can still start and nobody has reported playing it."""
    bid = ready_bulletin(runtime.engine, runtime.media, "Lũ quét", ["xa-a"], seconds=10, priority=Priority.emergency)
    reply = app_client.post(f"/api/v1/bulletins/{bid}/placements", headers=login(app_client, "approver"),
                            json={"stations": ["xa-a"], "mode": "now"})
    assert reply.status_code == 201, reply.text
    item_id = reply.json()["items"][0]["id"]
    token, key = world.receiver_tokens["xa-a"], public_key(app_client)
    pending = poll(app_client, token)
    manifest = verify(pending.content, key)
    assert manifest.emergency and manifest.poll_interval_s == 15 and [i.id for i in manifest.items] == [item_id]
    at = (service_now(runtime) + timedelta(seconds=12)).isoformat()
    assert report(app_client, token, [event("p1", item_id, "played", at)]).status_code == 200
    after = poll(app_client, token, pending.headers["ETag"])
    assert after.status_code == 200, "a played emergency must change the manifest"
    calm = verify(after.content, key)
    assert not calm.emergency and calm.poll_interval_s == 60 and calm.sequence > manifest.sequence
    assert [i.id for i in calm.items] == [item_id]  # still listed until its latest start, for other receivers


def test_played_reports_carry_start_and_end_and_staff_see_the_start(app_client: TestClient, world: World,
                                                                    runtime) -> None:  # type: ignore[no-untyped-def]
    item_a, _ = _setup(app_client, runtime)
    token = world.receiver_tokens["xa-a"]
    start, end = FIXED_NOW + timedelta(minutes=5, seconds=1), FIXED_NOW + timedelta(minutes=5, seconds=11)
    backwards = report(app_client, token, [event("b", item_a, "played", start.isoformat(),
                                                 started_at=end.isoformat())])
    assert backwards.status_code == 422 and "started_at" in backwards.text
    ok = report(app_client, token, [event("p", item_a, "played", end.isoformat(), started_at=start.isoformat())])
    assert ok.status_code == 200, ok.text
    with session_scope(runtime.engine) as session:
        stored = session.exec(select(ReceiverEvent).where(ReceiverEvent.event_id == "p")).one()
        item = session.get(PlaylistItem, item_a)
        assert (stored.started_at, stored.at) == (start, end)
        assert item.status == ItemStatus.played and f"started {start.isoformat()}" in item.status_detail
    admin = login(app_client, world.admin)
    receivers = app_client.get("/api/v1/stations/xa-a/receivers", headers=admin).json()
    from broadcast.models import Receiver

    with session_scope(runtime.engine) as session:
        receiver = session.get(Receiver, receivers[0]["id"])
        assert receiver.last_played_at == start  # the receivers page shows this: when it started
