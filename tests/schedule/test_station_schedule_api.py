"""Station schedule endpoints: templates from schedules/*.toml, slot replacement, quiet hours."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from broadcast.schedule.templates import load_templates
from broadcast.schedule.timeplan import slot_occurrences
from tests.conftest import World, login


def test_every_template_file_is_valid(settings) -> None:  # type: ignore[no-untyped-def]
    templates = load_templates(settings.schedules_dir)
    assert {"daily", "weekdays", "mua-mua-bao-2026"} <= set(templates)
    for template in templates.values():
        for slot in template.slots:
            for value in (slot.valid_from, slot.valid_to):
                assert value is None or date.fromisoformat(value)
    season = templates["mua-mua-bao-2026"].slots

    class Slot:
        def __init__(self, spec) -> None:  # type: ignore[no-untyped-def]
            self.start_local, self.end_local, self.weekdays = spec.start, spec.end, spec.weekdays
            self.valid_from, self.valid_to = spec.valid_from, spec.valid_to

    slots = [Slot(s) for s in season]
    assert slot_occurrences("Asia/Ho_Chi_Minh", slots, date(2026, 7, 1))
    assert not slot_occurrences("Asia/Ho_Chi_Minh", slots, date(2026, 12, 1))


def test_admin_sets_schedule_and_quiet_hours(app_client: TestClient, world: World) -> None:
    admin, editor = login(app_client, world.admin), login(app_client, world.editor)
    names = {t["name"] for t in app_client.get("/api/v1/schedule-templates", headers=editor).json()}
    assert "weekdays" in names
    reply = app_client.put("/api/v1/stations/xa-a/schedule", headers=admin, json={
        "templates": ["weekdays"], "slots": [{"name": "tối", "start": "19:00", "end": "19:20"}]})
    assert reply.status_code == 200, reply.text
    assert [(s["name"], s["start_local"], s["weekdays"]) for s in reply.json()["slots"]] == [
        ("sáng", "06:30", "01234"), ("tối", "19:00", "0123456")]
    assert app_client.put("/api/v1/stations/xa-a/schedule", headers=editor, json={"templates": ["daily"]}
                          ).status_code == 403
    bad = app_client.put("/api/v1/stations/xa-a/schedule", headers=admin, json={"templates": ["nope"]})
    assert bad.status_code == 422 and "unknown template" in bad.json()["detail"]
    bad = app_client.put("/api/v1/stations/xa-a/schedule", headers=admin,
                         json={"slots": [{"start": "19:00", "end": "18:00"}]})
    assert bad.status_code == 422 and "start before end" in bad.json()["detail"]
    quiet = app_client.put("/api/v1/stations/xa-b/quiet-hours", headers=admin, json={"start": "22:00", "end": "05:00"})
    assert quiet.status_code == 200 and (quiet.json()["quiet_start"], quiet.json()["quiet_end"]) == ("22:00", "05:00")
    bad = app_client.put("/api/v1/stations/xa-b/quiet-hours", headers=admin, json={"start": "25:00", "end": "05:00"})
    assert bad.status_code == 422 and "HH:MM" in bad.json()["detail"]


def test_replacing_slots_keeps_placed_occurrences(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    from tests.distribute.support import FIXED_NOW, offset_for, ready_bulletin

    runtime.settings.clock_offset_s = offset_for(FIXED_NOW)
    bid = ready_bulletin(runtime.engine, runtime.media, "Giữ lại", ["xa-a"], seconds=5)
    editor, admin = login(app_client, world.editor), login(app_client, world.admin)
    placed = app_client.post(f"/api/v1/bulletins/{bid}/placements", headers=editor, json={
        "stations": ["xa-a"], "mode": "slot", "dates": ["2026-11-24"], "slots": ["chiều"]})
    assert placed.status_code == 201, placed.text
    reply = app_client.put("/api/v1/stations/xa-a/schedule", headers=admin, json={"templates": ["weekdays"]})
    assert reply.status_code == 200  # the old "chiều" slot is retired (valid until yesterday), not deleted
    item = app_client.get(f"/api/v1/placements/{placed.json()['id']}", headers=editor).json()["items"][0]
    assert item["status"] == "scheduled" and item["slot"] == "chiều"
    again = app_client.post(f"/api/v1/bulletins/{bid}/placements", headers=editor, json={
        "stations": ["xa-a"], "mode": "slot", "dates": ["2026-11-25"], "slots": ["chiều"]})
    assert again.status_code == 422 and "no upcoming slot" in again.json()["detail"]
