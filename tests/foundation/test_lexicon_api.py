"""Lexicon overrides through the API change the preview and the next synthesis, without a restart."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from broadcast.models import AudioAsset, Bulletin
from broadcast.services import synthesis
from tests.conftest import World, login

TEXT = "Bà con cài ứng dụng VNeID trên điện thoại."


def test_override_changes_preview_and_next_synthesis(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    before = app_client.post("/api/v1/normalise/preview", json={"text": TEXT}, headers=editor).json()
    assert "vê en e ai đi" not in before["spoken"]

    def synthesise_once() -> AudioAsset:
        created = app_client.post("/api/v1/bulletins", headers=editor, json={
            "title": "VNeID", "text": TEXT, "stations": ["xa-a"], "submit": True}).json()
        synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
        app_client.post(f"/api/v1/bulletins/{created['id']}/approve", json={"version_id": created["version_id"]},
                        headers=approver)
        with Session(runtime.engine) as session:
            bulletin = session.get(Bulletin, created["id"])
            assert bulletin is not None and bulletin.status == "ready"
            asset = session.get(AudioAsset, bulletin.asset_id)
            assert asset is not None
            return asset

    first = synthesise_once()
    admin = login(app_client, world.admin)
    refused = app_client.put("/api/v1/lexicon", headers=editor, json={"written": "VNeID", "spoken": "vê en e ai đi"})
    assert refused.status_code == 403, "only admins change the province-wide lexicon"
    saved = app_client.put("/api/v1/lexicon", headers=admin, json={"written": "VNeID", "spoken": "vê en e ai đi"})
    assert saved.status_code == 200, saved.text
    after = app_client.post("/api/v1/normalise/preview", json={"text": TEXT}, headers=editor).json()
    assert "vê en e ai đi" in after["spoken"]
    change = next(c for c in after["changes"] if c["original"] == "VNeID")
    assert TEXT[change["start"]:change["end"]] == "VNeID"

    second = synthesise_once()
    assert "vê en e ai đi" in second.spoken_text and "vê en e ai đi" not in first.spoken_text
    assert second.sha256 != first.sha256

    listed = app_client.get("/api/v1/lexicon", headers=editor).json()
    assert [(e["written"], e["spoken"]) for e in listed] == [("VNeID", "vê en e ai đi")]
    assert app_client.delete("/api/v1/lexicon/VNeID", headers=editor).status_code == 403
    assert app_client.delete("/api/v1/lexicon/VNeID", headers=admin).status_code == 204
    restored = app_client.post("/api/v1/normalise/preview", json={"text": TEXT}, headers=editor).json()
    assert restored["spoken"] == before["spoken"]


def test_multi_word_entries_and_bad_entries(app_client: TestClient, world: World) -> None:
    editor = login(app_client, world.admin)
    ok = app_client.put("/api/v1/lexicon", headers=editor, json={"written": "Bản Chắt", "spoken": "Bản Chắt"})
    assert ok.status_code == 200
    for body in ({"written": "", "spoken": "x"}, {"written": "ABC", "spoken": "   "},
                 {"written": "ABC", "spoken": "a bê 3"}):
        reply = app_client.put("/api/v1/lexicon", headers=editor, json=body)
        assert reply.status_code == 422 and reply.json()["detail"], body
    assert app_client.delete("/api/v1/lexicon/KHONGCO", headers=editor).status_code == 404
