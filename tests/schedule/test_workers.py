"""``broadcast serve --workers N``: N real processes on one port and one PostgreSQL database; refused on
SQLite with a message. Two separate ``serve`` processes (placement on the standby, last-seen from both)
are covered in ``test_live.py``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from broadcast.db import session_scope
from broadcast.models import JobRun, ManifestState, Receiver, Station
from broadcast.services.receivers import create_receiver
from tests.conftest import REPO, start_server
from tests.distribute.support import offset_for, ready_bulletin
from tests.schedule.test_live import HCM, _runs, login, prepare, wait_for


def test_workers_on_sqlite_are_refused_with_a_message(tmp_path: Path) -> None:
    env = {**os.environ, "BROADCAST_DATA_DIR": str(tmp_path / "var"), "BROADCAST_DEMO": "false"}
    env.pop("BROADCAST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "broadcast.cli", "serve", "--workers", "2"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "--workers > 1 needs PostgreSQL" in done.stderr
    assert not (tmp_path / "var" / "broadcast.db").exists(), "nothing is created before refusing"


def test_two_workers_on_postgresql_run_jobs_once_publish_and_write_last_seen(tmp_path: Path,
                                                                          live_db_url: str) -> None:
    if not live_db_url.startswith("postgresql"):
        print("--workers needs PostgreSQL: set BROADCAST_TEST_DATABASE_URL")
        pytest.skip("--workers needs PostgreSQL (BROADCAST_TEST_DATABASE_URL is not set)")
    runtime, first_token = prepare(tmp_path, live_db_url)
    with session_scope(runtime.engine) as session:
        station = session.exec(select(Station).where(Station.code == "xa-a")).one()
        tokens = [first_token] + [create_receiver(session, station, f"Cụm loa {n}")[1] for n in range(7)]
    bid = ready_bulletin(runtime.engine, runtime.media, "Qua nhiều tiến trình", ["xa-a"], seconds=5)
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=HCM)
    server = start_server(runtime.settings.data_dir, {
        "BROADCAST_DATABASE_URL": live_db_url, "BROADCAST_DEMO": "false", "BROADCAST_SCHEDULER": "true",
        "BROADCAST_SCHEDULER_LEASE_S": "30", "BROADCAST_CLOCK_OFFSET_S": str(offset_for(noon))},
        args=["--workers", "2", "--no-access-log"], timeout=240)  # two processes start on a shared machine
    try:
        wait_for(lambda: any(r.job_id == "publish" for r in _runs(runtime)), 60, "the first publication")

        def sequence() -> int:
            with Session(runtime.engine) as session:
                return max(session.exec(select(ManifestState.sequence)).all() or [0])

        wait_for(lambda: sequence() >= 1, 30, "the receivers' first manifests")
        before = sequence()
        reply = httpx.post(f"{server.url}/api/v1/bulletins/{bid}/placements", headers=login(server.url, "editor"),
                           json={"stations": ["xa-a"], "mode": "at", "at": "2026-11-23T13:00:00+07:00"})
        assert reply.status_code == 201, reply.text
        wait_for(lambda: sequence() > before, 30, "the new manifest")
        # every receiver polls (a new connection each: the workers share them), twice with its ETag
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            first = httpx.get(f"{server.url}/api/v1/receiver/playlist", headers=headers)
            assert first.status_code == 200 and "Qua nhiều tiến trình" in first.text
            again = httpx.get(f"{server.url}/api/v1/receiver/playlist",
                              headers=headers | {"If-None-Match": first.headers["ETag"]})
            assert again.status_code == 304

        def seen() -> int:
            with Session(runtime.engine) as session:
                return session.exec(select(func.count()).select_from(Receiver)
                                    .where(col(Receiver.last_seen_at).is_not(None))).one()

        wait_for(lambda: seen() == len(tokens), 30, "every receiver's last-seen time")
        runs = _runs(runtime)
        holders = {r.holder for r in runs}
        assert len(holders) == 1, f"jobs ran in more than one worker: {holders}"
        with Session(runtime.engine) as session:
            duplicates = session.exec(select(JobRun.job_id, JobRun.run_time, func.count())
                                      .group_by(JobRun.job_id, JobRun.run_time).having(func.count() > 1)).all()
        assert duplicates == []
    finally:
        server.stop()
        runtime.close()
