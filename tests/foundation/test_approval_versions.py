"""What airs is exactly what was approved (issue 13, items 1–3), tried from the attacker's side.

Each test reproduces an attack from the security review against the real API (SQLite and PostgreSQL) and
checks it now does no harm; the end-to-end test follows a bulletin from submission to the signed manifest
through a lexicon change and an edit, checking the manifest's sha256 against the approved audio each time.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from broadcast.db import session_scope
from broadcast.models import ItemStatus, LexiconEntry, Placement, PlaylistItem, Role, Station
from broadcast.protocol import verify
from broadcast.services import synthesis
from broadcast.services.accounts import create_user
from tests.conftest import PASSWORD, World, login
from tests.distribute.support import FIXED_NOW, pinned_settings, settings  # noqa: F401  (fixture override)

TEXT = "UBND xã Tân Thanh mời bà con họp lúc 7h30 tại nhà văn hóa thôn."
LATER = (FIXED_NOW + timedelta(hours=2)).isoformat()


def _people(runtime) -> None:  # type: ignore[no-untyped-def]
    """Single-station staff next to the world's two-station editor and approver, and a second approver."""
    with session_scope(runtime.engine) as session:
        create_user(session, "editor-a", PASSWORD, Role.editor, station_codes=["xa-a"])
        create_user(session, "approver-a", PASSWORD, Role.approver, station_codes=["xa-a"])
        create_user(session, "approver2", PASSWORD, Role.approver, station_codes=["xa-a", "xa-b"])


def _submitted(client: TestClient, headers: dict[str, str], stations: list[str], text: str = TEXT,
               **extra: Any) -> dict[str, Any]:
    reply = client.post("/api/v1/bulletins", headers=headers, json={
        "title": "Họp thôn", "text": text, "stations": stations, "submit": True, **extra})
    assert reply.status_code == 201, reply.text
    return reply.json()


def _heard(client: TestClient, runtime, headers: dict[str, str], bulletin_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Make pending audio, then read the bulletin as the reviewer does and download what they listen to."""
    synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    body = client.get(f"/api/v1/bulletins/{bulletin_id}", headers=headers).json()
    review = body["review_audio"]
    assert review, body
    mp3 = client.get(review["url"])
    assert mp3.status_code == 200 and hashlib.sha256(mp3.content).hexdigest() == review["sha256"]
    return body


def _approve(client: TestClient, headers: dict[str, str], body: dict[str, Any]):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/bulletins/{body['id']}/approve", headers=headers, json={
        "version_id": body["version_id"], "audio_sha256": body["review_audio"]["sha256"]})


def _manifest_sha256s(client: TestClient, runtime, world: World, station: str, bulletin_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    """The sha256s a station's receiver is told to play for this bulletin, from the verified signed manifest."""
    reply = client.get("/api/v1/receiver/playlist",
                       headers={"Authorization": f"Bearer {world.receiver_tokens[station]}"})
    assert reply.status_code == 200, reply.text
    manifest = verify(reply.content, runtime.signing_key.private_key.public_key())
    with Session(runtime.engine) as session:
        ids = set(session.exec(select(PlaylistItem.id).where(PlaylistItem.bulletin_id == bulletin_id)).all())
    return {item.sha256 for item in manifest.items if item.id in ids}


def test_what_airs_is_always_the_approved_audio(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """Editor submits → approver listens → approves → a lexicon change and an edit each make a new version
    that is on no playlist until approved; the manifest's sha256 always equals the approved audio's."""
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    admin = login(app_client, world.admin)
    created = _submitted(app_client, editor, ["xa-a", "xa-b"])
    assert created["status"] == "submitted" and created["review_audio"] is None

    v1 = _heard(app_client, runtime, approver, created["id"])
    first = v1["review_audio"]["sha256"]
    approved = _approve(app_client, approver, v1)
    assert approved.status_code == 200, approved.text
    assert approved.json()["audio"]["sha256"] == first and approved.json()["approved_version_id"] == v1["version_id"]

    placed = app_client.post(f"/api/v1/bulletins/{created['id']}/placements", headers=editor,
                             json={"stations": ["xa-a", "xa-b"], "mode": "at", "at": LATER})
    assert placed.status_code == 201, placed.text
    for station in ("xa-a", "xa-b"):
        assert _manifest_sha256s(app_client, runtime, world, station, created["id"]) == {first}

    # 1. A province-wide lexicon change re-reads the bulletin: a new version, and the approved audio stays.
    changed = app_client.put("/api/v1/lexicon", headers=admin, json={"written": "UBND", "spoken": "u bê en đê"})
    assert changed.status_code == 200 and changed.json()["changed_bulletins"] == [created["id"]]
    v2 = _heard(app_client, runtime, approver, created["id"])
    second = v2["review_audio"]["sha256"]
    assert v2["version_id"] != v1["version_id"] and second != first
    assert v2["status"] == "ready" and v2["audio"]["sha256"] == first
    assert "u bê en đê xã tân thanh" in v2["spoken_text"].lower()
    versions = app_client.get(f"/api/v1/bulletins/{created['id']}/versions", headers=approver).json()
    assert [(v["number"], v["state"], v["reason"]) for v in versions] == [(2, "pending", "lexicon"),
                                                                          (1, "approved", "create")]
    added = [p["text"].lower() for p in versions[0]["spoken_diff"] if p["kind"] == "added"]
    assert added == ["u bê en đê"], versions[0]["spoken_diff"]
    for station in ("xa-a", "xa-b"):
        assert _manifest_sha256s(app_client, runtime, world, station, created["id"]) == {first}
    playlist = app_client.get("/api/v1/stations/xa-a/playlist", headers=editor,
                              params={"from": FIXED_NOW.isoformat()}).json()
    assert {p["audio"]["sha256"] for p in playlist if p["bulletin_id"] == created["id"]} == {first}

    # The one who changed the lexicon made version 2: they cannot approve it; another approver can.
    assert _approve(app_client, admin, v2).status_code == 403
    assert _approve(app_client, approver, v2).status_code == 200
    for station in ("xa-a", "xa-b"):
        assert _manifest_sha256s(app_client, runtime, world, station, created["id"]) == {second}

    # 2. An edit after approval: version 3 is made and heard, but nothing of the bulletin airs until approved.
    edited = app_client.patch(f"/api/v1/bulletins/{created['id']}", headers=editor,
                              json={"text": TEXT.replace("7h30", "8h")})
    assert edited.status_code == 200 and edited.json()["status"] == "submitted" and edited.json()["audio"] is None
    v3 = _heard(app_client, runtime, approver, created["id"])
    third = v3["review_audio"]["sha256"]
    assert third not in (first, second)
    for station in ("xa-a", "xa-b"):
        assert _manifest_sha256s(app_client, runtime, world, station, created["id"]) == set()
    assert _approve(app_client, approver, v3).status_code == 200
    for station in ("xa-a", "xa-b"):
        assert _manifest_sha256s(app_client, runtime, world, station, created["id"]) == {third}


def test_the_lexicon_cannot_change_approved_bulletins(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """Item 1: an editor's `PUT /lexicon {"UBND": "bọn lừa đảo"}` (or the quick fix) re-read every station's
    approved bulletin after approval. Now only admins change the province lexicon; a quick fix is one
    bulletin's own override, a new version that needs approval; approved audio never changes."""
    _people(runtime)
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    other = login(app_client, world.other_editor)
    theirs = _submitted(app_client, editor, ["xa-a"])
    heard = _heard(app_client, runtime, approver, theirs["id"])
    assert _approve(app_client, approver, heard).status_code == 200
    aired = heard["review_audio"]["sha256"]

    attack = {"written": "UBND", "spoken": "bọn lừa đảo"}
    for headers in (editor, other, approver):
        assert app_client.put("/api/v1/lexicon", headers=headers, json=attack).status_code == 403
        assert app_client.delete("/api/v1/lexicon/UBND", headers=headers).status_code == 403
        assert app_client.post("/api/v1/lexicon/impact", headers=headers, json=attack).status_code == 403
    with Session(runtime.engine) as session:
        assert session.exec(select(LexiconEntry)).all() == []

    # The per-bulletin fix only reaches bulletins the user may edit, and only that one.
    assert app_client.post(f"/api/v1/bulletins/{theirs['id']}/lexicon", headers=other, json=attack).status_code == 404
    mine = _submitted(app_client, editor, ["xa-a"], text="UBND xã thông báo lịch tiêm chủng.")
    fixed = app_client.post(f"/api/v1/bulletins/{mine['id']}/lexicon", headers=editor, json=attack)
    assert fixed.status_code == 200 and "bọn lừa đảo" in fixed.json()["spoken_text"].lower()
    after = app_client.get(f"/api/v1/bulletins/{theirs['id']}", headers=approver).json()
    assert after["version_id"] == heard["version_id"] and "bọn lừa đảo" not in after["spoken_text"].lower()
    assert after["audio"]["sha256"] == aired
    # The fixed bulletin's new version waits for a reviewer, who hears the fixed reading.
    reviewed = _heard(app_client, runtime, approver, mine["id"])
    assert "bọn lừa đảo" in reviewed["spoken_text"].lower()
    assert _approve(app_client, login(app_client, "approver2"), reviewed).status_code == 200

    # An admin sees which bulletins a change would re-read before making it.
    admin = login(app_client, world.admin)
    impact = app_client.post("/api/v1/lexicon/impact", headers=admin, json=attack).json()
    assert [a["bulletin_id"] for a in impact] == [theirs["id"]]  # `mine` already reads it that way
    assert "bọn lừa đảo" in impact[0]["spoken_after"].lower()
    assert "bọn lừa đảo" not in impact[0]["spoken_before"].lower()
    assert app_client.get(f"/api/v1/bulletins/{theirs['id']}", headers=admin).json()["version_id"] == \
        heard["version_id"], "an impact preview changes nothing"


def test_four_eyes_cannot_be_bypassed(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """Item 2: an approver PATCHed an editor's submitted bulletin and approved their own text; and a race
    approved version 2 that the approver never saw."""
    _people(runtime)
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    second = login(app_client, "approver2")
    bulletin = _submitted(app_client, editor, ["xa-a"])
    url = f"/api/v1/bulletins/{bulletin['id']}"

    # Approving needs the version id and the audio to exist.
    assert app_client.post(f"{url}/approve", headers=approver, json={}).status_code == 422
    early = app_client.post(f"{url}/approve", headers=approver, json={"version_id": bulletin["version_id"]})
    assert early.status_code == 422 and "not ready" in early.json()["detail"]

    hijacked = app_client.patch(url, headers=approver, json={"text": "Bà con mang theo tiền mặt nộp cho tổ trưởng."})
    assert hijacked.status_code == 200
    mine = _heard(app_client, runtime, approver, bulletin["id"])
    refused = _approve(app_client, approver, mine)
    assert refused.status_code == 403 and "changed this version yourself" in refused.json()["detail"]
    assert app_client.get(url, headers=approver).json()["status"] == "submitted"

    # The race: the reviewer read one version, the editor changed it, the approval names the old one.
    read = _heard(app_client, runtime, second, bulletin["id"])
    assert app_client.patch(url, headers=editor, json={"text": TEXT + " Xin cảm ơn."}).status_code == 200
    stale = _approve(app_client, second, read)
    assert stale.status_code == 409 and stale.json()["current_version_id"] != read["version_id"]
    state = app_client.get(url, headers=second).json()
    assert state["status"] == "submitted" and state["approved_version_id"] is None and state["audio"] is None

    # The approver who edited earlier is still an editor of what is pending: refused; a clean approver is not.
    fresh = _heard(app_client, runtime, second, bulletin["id"])
    wrong_audio = app_client.post(f"{url}/approve", headers=second,
                                  json={"version_id": fresh["version_id"], "audio_sha256": "0" * 64})
    assert wrong_audio.status_code == 409
    assert _approve(app_client, approver, fresh).status_code == 403
    ok = _approve(app_client, second, fresh)
    assert ok.status_code == 200 and ok.json()["audio"]["sha256"] == fresh["review_audio"]["sha256"]


def test_cross_station_rules(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """Item 3: an editor of A cancelled B's occurrence of a shared placement, an approver of A approved an A+B
    bulletin, an editor of A edited an A+B bulletin, an editor put an emergency on air now, 20 times."""
    _people(runtime)
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    editor_a, approver_a = login(app_client, "editor-a"), login(app_client, "approver-a")
    both = _submitted(app_client, editor, ["xa-a", "xa-b"])
    url = f"/api/v1/bulletins/{both['id']}"

    edit = app_client.patch(url, headers=editor_a, json={"text": "Tin giả cho xã B."})
    assert edit.status_code == 403 and "every station" in edit.json()["detail"]
    assert app_client.post(f"{url}/lexicon", headers=editor_a,
                           json={"written": "UBND", "spoken": "bọn lừa đảo"}).status_code == 403
    heard = _heard(app_client, runtime, approver_a, both["id"])
    only_a = _approve(app_client, approver_a, heard)
    assert only_a.status_code == 403 and "every station" in only_a.json()["detail"]
    assert _approve(app_client, approver, heard).status_code == 200

    # Placing on a station the bulletin was not written and approved for is refused.
    a_only = _submitted(app_client, editor, ["xa-a"])
    assert _approve(app_client, approver, _heard(app_client, runtime, approver, a_only["id"])).status_code == 200
    stray = app_client.post(f"/api/v1/bulletins/{a_only['id']}/placements", headers=editor,
                            json={"stations": ["xa-b"], "mode": "at", "at": LATER})
    assert stray.status_code == 403

    placed = app_client.post(f"{url}/placements", headers=editor,
                             json={"stations": ["xa-a", "xa-b"], "mode": "at", "at": LATER})
    assert placed.status_code == 201, placed.text
    placement_id = placed.json()["id"]
    cancelled = app_client.post(f"/api/v1/placements/{placement_id}/cancel", headers=editor_a)
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"] is None
    by_station = {i["station"]: i["status"] for i in cancelled.json()["items"]}
    assert by_station == {"xa-a": "cancelled", "xa-b": "scheduled"}
    assert _manifest_sha256s(app_client, runtime, world, "xa-b", both["id"]) == {heard["review_audio"]["sha256"]}
    assert _manifest_sha256s(app_client, runtime, world, "xa-a", both["id"]) == set()
    again = app_client.post(f"/api/v1/placements/{placement_id}/cancel", headers=editor_a)
    assert again.status_code == 403
    outsider = login(app_client, world.other_editor)
    assert app_client.post(f"/api/v1/placements/{placement_id}/cancel", headers=outsider).status_code == 404
    rest = app_client.post(f"/api/v1/placements/{placement_id}/cancel", headers=editor)
    assert rest.status_code == 200 and rest.json()["cancelled_at"]

    # Emergencies: an editor's approved emergency-priority bulletin cannot be put on air by an editor.
    storm = _submitted(app_client, editor, ["xa-a"], text="Bão số 3 sắp đổ bộ, bà con chằng chống nhà cửa.",
                       priority="emergency")
    assert _approve(app_client, approver, _heard(app_client, runtime, approver, storm["id"])).status_code == 200
    flood = app_client.post(f"/api/v1/bulletins/{storm['id']}/placements", headers=editor,
                            json={"stations": ["xa-a"], "mode": "now", "repeat": 20})
    assert flood.status_code == 403
    with Session(runtime.engine) as session:
        assert session.exec(select(Placement).where(Placement.bulletin_id == storm["id"])).all() == []
        station_b = session.exec(select(Station).where(Station.code == "xa-b")).one()
        b_items = session.exec(select(PlaylistItem).where(PlaylistItem.station_id == station_b.id)).all()
        assert [i.status for i in b_items] == [ItemStatus.cancelled]  # cancelled by the two-station editor only
    emergency = app_client.post(f"/api/v1/bulletins/{storm['id']}/placements", headers=approver,
                                json={"stations": ["xa-a"], "mode": "now", "repeat": 2})
    assert emergency.status_code == 201
