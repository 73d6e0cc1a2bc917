"""A submitted bulletin's way to air through the API, as the approval rules have it: its audio is made on
submit, the approver hears it and approves that version and that audio."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from broadcast.services import synthesis


def make_and_approve(client: TestClient, runtime: Any, bulletin_id: int, approver: dict[str, str]) -> dict:
    """Run the synthesis queue, approve the version with the audio heard; returns the bulletin as approved."""
    outcomes = synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    assert [o.status for o in outcomes] == ["made"], outcomes
    review = client.get(f"/api/v1/bulletins/{bulletin_id}", headers=approver).json()
    heard = review["review_audio"]
    approved = client.post(f"/api/v1/bulletins/{bulletin_id}/approve", headers=approver,
                           json={"version_id": review["version_id"], "audio_sha256": heard["sha256"]})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "ready" and body["audio"]["sha256"] == heard["sha256"]
    return body
