"""From a first start: the demo, the printed admin password, one bulletin all the way to a download."""

from __future__ import annotations

import re
import time

import httpx

from broadcast.audio import measure_mp3
from tests.foundation.test_cli import run_cli


def _wait_for(predicate, timeout: float = 60.0, interval: float = 0.5):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def test_first_start_demo_and_one_bulletin_end_to_end(live_server_factory, db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"BROADCAST_DATABASE_URL": db_url}
    server = live_server_factory(env=env, data_dir=tmp_path / "var")
    log = server.output()
    password = re.search(r"password: (\S+)", log)
    assert password, log
    assert "admin123" not in log

    client = httpx.Client(base_url=server.url, timeout=30)
    assert client.get("/healthz").json()["status"] == "ok"
    token = client.post("/api/v1/auth/token", data={"username": "admin", "password": password.group(1)})
    assert token.status_code == 200
    admin = {"Authorization": f"Bearer {token.json()['access_token']}"}

    stations = client.get("/api/v1/stations", headers=admin).json()
    assert len(stations) == 3
    assert all([s["start_local"] for s in st["slots"]] == ["06:00", "17:00"] for st in stations)
    demo_playlist = client.get(f"/api/v1/stations/{stations[0]['code']}/playlist", headers=admin).json()
    assert demo_playlist, "the demo bulletin should be on the demo stations' playlist"

    code = stations[0]["code"]
    created = run_cli("admin", "create-user", "duyet", "--role", "approver", "--password-stdin",
                      "--station", code, data_dir=server.data_dir, env=env, stdin="hoa-dao-xu-lang-2026\n")
    assert created.returncode == 0, created.stderr
    approver_token = client.post("/api/v1/auth/token",
                                 data={"username": "duyet", "password": "hoa-dao-xu-lang-2026"})
    approver = {"Authorization": f"Bearer {approver_token.json()['access_token']}"}

    bulletin = client.post("/api/v1/bulletins", headers=admin, json={
        "title": "Thông báo tiêm chủng", "stations": [code], "submit": True,
        "text": "UBND xã thông báo: ngày 12/5 tổ chức tiêm chủng tại trạm y tế, từ 7h30 đến 11h."}).json()
    # The server makes the audio on submit; the approver listens to it, then approves that version.
    review = _wait_for(lambda: (b := client.get(f"/api/v1/bulletins/{bulletin['id']}", headers=approver).json())
                       ["review_audio"] and b)
    approved = client.post(f"/api/v1/bulletins/{bulletin['id']}/approve", headers=approver,
                           json={"version_id": review["version_id"], "audio_sha256": review["review_audio"]["sha256"]})
    assert approved.status_code == 200, approved.text
    ready = approved.json()
    assert ready["status"] == "ready" and ready["audio"]["sha256"] == review["review_audio"]["sha256"]
    placed = client.post(f"/api/v1/bulletins/{bulletin['id']}/placements", headers=admin,
                         json={"stations": [code], "mode": "slot", "dates": [_tomorrow()]})
    assert placed.status_code == 201, placed.text
    playlist = client.get(f"/api/v1/stations/{code}/playlist", headers=admin, params={"hours": 72}).json()
    assert bulletin["id"] in {item["bulletin_id"] for item in playlist}

    mp3 = client.get(ready["audio"]["url"])
    assert mp3.status_code == 200
    measured = measure_mp3(mp3.content)
    assert measured.duration_s > 1.0 and measured.lufs > -30


def _tomorrow() -> str:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from broadcast.models import utcnow

    return (utcnow().astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date() + timedelta(days=1)).isoformat()
