"""The placements API: 201 with planned occurrences, 409 naming the clash, 422 in quiet hours, cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from broadcast.models import Priority
from tests.conftest import World, login
from tests.distribute.support import FIXED_NOW, offset_for, ready_bulletin


def test_placement_api_replies(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.settings.clock_offset_s = offset_for(FIXED_NOW)
    editor = login(app_client, world.editor)
    long = ready_bulletin(runtime.engine, runtime.media, "Dài", ["xa-a"], seconds=1500)
    other = ready_bulletin(runtime.engine, runtime.media, "Khác", ["xa-a"], seconds=400, frequency=600)
    url = "/api/v1/bulletins/{}/placements"
    body = {"stations": ["xa-a"], "mode": "slot", "dates": ["2026-11-24"], "slots": ["sáng"]}
    first = app_client.post(url.format(long), headers=editor, json=body)
    assert first.status_code == 201, first.text
    occurrence = first.json()["items"][0]
    assert occurrence["play_at"].startswith("2026-11-23T23:00:00") and occurrence["slot"] == "sáng"
    assert occurrence["duration_s"] == 1500.0 and occurrence["status"] == "scheduled"
    clash = app_client.post(url.format(other), headers=editor, json=body)
    assert clash.status_code == 409
    detail = clash.json()
    assert "Dài" in detail["detail"] and detail["conflicts"][0]["conflicts"][0]["item_id"] == occurrence["id"]
    queued = app_client.post(url.format(other), headers=editor, json=body | {"on_clash": "queue"})
    assert queued.status_code == 201 and queued.json()["items"][0]["play_at"].startswith("2026-11-23T23:25:02")
    assert app_client.post(url.format(other), headers=editor, json=body | {"on_clash": "maybe"}).status_code == 422

    night = {"stations": ["xa-a"], "mode": "at", "at": "2026-11-23T22:30:00+07:00"}
    refused = app_client.post(url.format(other), headers=editor, json=night)
    assert refused.status_code == 422
    assert refused.json()["detail"].startswith("this falls in quiet hours, when only emergencies may play: "
                                               "xa-a at 22:30 23/11/2026")
    storm = ready_bulletin(runtime.engine, runtime.media, "Bão số 3", ["xa-a"], seconds=30,
                           priority=Priority.emergency, frequency=900)
    # Only approvers and admins may put an emergency on air (an editor placing one now, repeated, is refused).
    flood = app_client.post(url.format(storm), headers=editor, json={"stations": ["xa-a"], "mode": "now", "repeat": 20})
    assert flood.status_code == 403 and "approver" in flood.json()["detail"]
    assert app_client.get(url.format(storm), headers=editor).json() == []
    approver = login(app_client, world.approver)
    urgent = app_client.post(url.format(storm), headers=approver, json=night)
    assert urgent.status_code == 201 and urgent.json()["priority"] == "emergency"
    now = app_client.post(url.format(storm), headers=approver, json={"stations": ["xa-a"], "mode": "now"})
    assert now.status_code == 201
    listed = app_client.get(url.format(storm), headers=editor).json()
    assert [p["mode"] for p in listed] == ["at", "now"]
    cancelled = app_client.post(f"/api/v1/placements/{now.json()['id']}/cancel", headers=editor)
    assert cancelled.status_code == 200 and cancelled.json()["cancelled_at"]
    assert app_client.post(f"/api/v1/placements/{now.json()['id']}/cancel", headers=editor).status_code == 422
    outsider = login(app_client, world.other_editor)
    assert app_client.get(f"/api/v1/placements/{now.json()['id']}", headers=outsider).status_code == 404
    assert app_client.post(url.format(storm), headers=outsider, json=night).status_code == 404
