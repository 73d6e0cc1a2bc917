"""A bulletin's way through the API: create → submit → approve → audio → playlist → download."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from broadcast.audio import measure_mp3
from broadcast.models import utcnow
from broadcast.services import synthesis
from tests.conftest import World, login

TEXT = "UBND xã thông báo: ngày 12/5/2025 tổ chức tiêm chủng cho trẻ em tại trạm y tế xã."


def _create(client: TestClient, headers: dict[str, str], **overrides: object):  # type: ignore[no-untyped-def]
    body = {"title": "Lịch tiêm chủng", "text": TEXT, "stations": ["xa-a", "xa-b"], **overrides}
    return client.post("/api/v1/bulletins", json=body, headers=headers)


def test_bulletin_reaches_ready_and_its_audio_downloads(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    created = _create(app_client, editor, submit=True)
    assert created.status_code == 201, created.text
    bulletin = created.json()
    assert bulletin["status"] == "submitted" and bulletin["stations"] == ["xa-a", "xa-b"]

    # The audio is made on submit, so the reviewer hears exactly what would air.
    outcomes = synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    assert [o.status for o in outcomes] == ["made"]
    review = app_client.get(f"/api/v1/bulletins/{bulletin['id']}", headers=approver).json()
    assert review["status"] == "submitted" and review["audio"] is None
    heard = review["review_audio"]
    assert heard["duration_s"] > 1.0 and heard["engine"]

    own = app_client.post(f"/api/v1/bulletins/{bulletin['id']}/approve", json={"version_id": review["version_id"]},
                          headers=editor)
    assert own.status_code == 403 and "author" in own.json()["detail"]

    approved = app_client.post(f"/api/v1/bulletins/{bulletin['id']}/approve", headers=approver,
                               json={"comment": "ok", "version_id": review["version_id"],
                                     "audio_sha256": heard["sha256"]})
    assert approved.status_code == 200 and approved.json()["status"] == "ready"
    audio = approved.json()["audio"]
    assert audio["sha256"] == heard["sha256"], "what airs is the audio the approver heard"

    local_now = utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    at = (local_now + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    placed = app_client.post(f"/api/v1/bulletins/{bulletin['id']}/placements", headers=editor,
                             json={"stations": ["xa-a"], "mode": "at", "at": at.isoformat()})
    assert placed.status_code == 201, placed.text
    playlist = app_client.get("/api/v1/stations/xa-a/playlist", headers=editor).json()
    assert [(p["bulletin_id"], p["audio"]["sha256"]) for p in playlist] == [(bulletin["id"], audio["sha256"])]

    media = app_client.get(audio["url"])
    assert media.status_code == 200 and media.headers["content-type"] == "audio/mpeg"
    assert "immutable" in media.headers["cache-control"]
    measured = measure_mp3(media.content)
    assert measured.duration_s > 1.0
    assert measured.lufs > -30, "the audio is silent"

    partial = app_client.get(audio["url"], headers={"Range": "bytes=100-199"})
    assert partial.status_code == 206 and partial.content == media.content[100:200]


def test_empty_text_is_refused_with_a_message(app_client: TestClient, world: World) -> None:
    reply = _create(app_client, login(app_client, world.editor), text="   \n ")
    assert reply.status_code == 422
    assert reply.json()["detail"] == "the bulletin text is empty"


def test_unknown_station_is_404_and_nothing_is_stored(app_client: TestClient, world: World) -> None:
    headers = login(app_client, world.admin)
    reply = _create(app_client, headers, stations=["xa-a", "xa-khong-co"])
    assert reply.status_code == 404
    assert "xa-khong-co" in reply.json()["detail"]
    assert app_client.get("/api/v1/bulletins", headers=headers).json() == []


def test_malformed_json_is_422(app_client: TestClient, world: World) -> None:
    headers = {**login(app_client, world.editor), "Content-Type": "application/json"}
    reply = app_client.post("/api/v1/bulletins", content=b'{"title": "x", "text": ', headers=headers)
    assert reply.status_code == 422
    assert reply.json()["detail"][0]["type"] == "json_invalid"


def test_unknown_voice_and_priority_are_refused(app_client: TestClient, world: World) -> None:
    headers = login(app_client, world.editor)
    voice = _create(app_client, headers, voice="giong-khong-co")
    assert voice.status_code == 422 and "unknown voice" in voice.json()["detail"]
    priority = _create(app_client, headers, priority="urgent")
    assert priority.status_code == 422


def test_editors_only_see_their_stations(app_client: TestClient, world: World) -> None:
    editor = login(app_client, world.editor)
    bulletin = _create(app_client, editor).json()
    other = login(app_client, world.other_editor)
    assert app_client.get(f"/api/v1/bulletins/{bulletin['id']}", headers=other).status_code == 404
    assert app_client.get("/api/v1/bulletins", headers=other).json() == []
    refused = _create(app_client, other, stations=["xa-a"])
    assert refused.status_code == 403


def test_editing_an_approved_bulletin_sends_it_back(app_client: TestClient, world: World) -> None:
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    bulletin = _create(app_client, editor, submit=True).json()
    app_client.post(f"/api/v1/bulletins/{bulletin['id']}/approve", json={}, headers=approver)
    edited = app_client.patch(f"/api/v1/bulletins/{bulletin['id']}", json={"text": TEXT + " Trân trọng."},
                              headers=editor).json()
    assert edited["status"] == "submitted" and edited["version"] == 2 and edited["approved_by"] is None


def test_placing_an_unapproved_bulletin_is_refused(app_client: TestClient, world: World) -> None:
    editor = login(app_client, world.editor)
    bulletin = _create(app_client, editor).json()
    reply = app_client.post(f"/api/v1/bulletins/{bulletin['id']}/placements", headers=editor,
                            json={"stations": ["xa-a"], "mode": "now"})
    assert reply.status_code == 422 and "approved" in reply.json()["detail"]
