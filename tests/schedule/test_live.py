"""Real ``broadcast serve`` processes: time zones, two schedulers on one database, SIGKILL and restart.

Each server runs with a pinned service clock (``BROADCAST_CLOCK_OFFSET_S``) so the scenario happens at
the same local time whenever the suite runs.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.models import (
    AudioAsset,
    Bulletin,
    BulletinStatus,
    ItemStatus,
    JobRun,
    ManifestState,
    PlacementMode,
    PlaylistItem,
    Receiver,
    ReceiverEvent,
    Role,
    SchedulerLease,
    Station,
)
from broadcast.protocol import load_public_key_b64, verify
from broadcast.runtime import Runtime
from broadcast.schedule.service import apply_template
from broadcast.schedule.templates import load_templates
from broadcast.services import placements
from broadcast.services.accounts import create_user
from broadcast.services.receivers import create_receiver
from broadcast.services.stations import create_station
from tests.conftest import PASSWORD, LiveServer, start_server
from tests.distribute.support import approved_bulletin, get_user, offset_for, ready_bulletin

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def prepare(tmp_path: Path, db_url: str) -> tuple[Runtime, str]:
    """A migrated database with one station (daily slots), its receiver, an editor and an admin."""
    settings = Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                        _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime.open(settings)
    with session_scope(runtime.engine) as session:
        station = create_station(session, "xa-a", "Xã A", province="Lạng Sơn")
        apply_template(session, station, load_templates(settings.schedules_dir)["daily"])
        token = create_receiver(session, station, "Cụm loa trung tâm")[1]
        create_user(session, "admin", PASSWORD, Role.admin)
        create_user(session, "editor", PASSWORD, Role.editor,
                    station_codes=["xa-a"])
    return runtime, token


def serve(runtime: Runtime, clock_at: datetime, **env: str) -> LiveServer:
    return start_server(runtime.settings.data_dir, {
        "BROADCAST_DATABASE_URL": runtime.settings.database_url or "", "BROADCAST_DEMO": "false",
        "BROADCAST_CLOCK_OFFSET_S": str(offset_for(clock_at)), **env})


@contextmanager
def two_servers(runtime: Runtime, clock_at: datetime, **env: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two ``serve`` processes on one database; whichever started is stopped, even if the second never answers."""
    with ExitStack() as started:
        first = serve(runtime, clock_at, **env)
        started.callback(first.stop)
        second = serve(runtime, clock_at, **env)
        started.callback(second.stop)
        yield first, second


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def login(url: str, username: str) -> dict[str, str]:
    reply = httpx.post(f"{url}/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


@pytest.mark.parametrize("server_tz", ["UTC", "Asia/Tokyo"])
def test_tomorrows_0600_slot_has_the_right_utc_instant_whatever_the_server_tz(
        tmp_path: Path, live_db_url: str, server_tz: str) -> None:
    runtime, token = prepare(tmp_path, live_db_url)
    bid = ready_bulletin(runtime.engine, runtime.media, "Lịch cắt điện", ["xa-a"], seconds=5)
    evening = datetime(2026, 11, 22, 20, 0, tzinfo=HCM)  # 20:00 local; "tomorrow" is 23/11
    server = serve(runtime, evening, TZ=server_tz, BROADCAST_SCHEDULER="false")
    try:
        reply = httpx.post(f"{server.url}/api/v1/bulletins/{bid}/placements", headers=login(server.url, "editor"),
                           json={"stations": ["xa-a"], "mode": "slot", "dates": ["2026-11-23"], "slots": ["sáng"]})
        assert reply.status_code == 201, reply.text
        assert reply.json()["items"][0]["play_at"] in ("2026-11-22T23:00:00Z", "2026-11-22T23:00:00+00:00")
        quiet = httpx.post(f"{server.url}/api/v1/bulletins/{bid}/placements", headers=login(server.url, "editor"),
                           json={"stations": ["xa-a"], "mode": "at", "at": "2026-11-23T04:30:00+07:00"})
        assert quiet.status_code == 422 and "quiet hours" in quiet.json()["detail"]
        poll = httpx.get(f"{server.url}/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token}"})
        assert poll.status_code == 200 and poll.headers.get("date"), "every reply carries a Date header"
        key = load_public_key_b64(httpx.get(f"{server.url}/api/v1/receiver/signing-key").json()["public_key"])
        manifest = verify(poll.content, key)
        assert [i.play_at for i in manifest.items] == [datetime(2026, 11, 22, 23, 0, tzinfo=UTC)]
        assert '"play_at":"2026-11-22T23:00:00Z"' in poll.text
    finally:
        server.stop()
        runtime.close()


def _runs(runtime: Runtime) -> list[JobRun]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(JobRun)).all())


def _lease(runtime: Runtime) -> SchedulerLease:
    with Session(runtime.engine) as session:
        lease = session.exec(select(SchedulerLease)).one()
        session.expunge(lease)
        return lease


def test_two_servers_on_one_database_fire_each_job_once(tmp_path: Path, live_db_url: str) -> None:
    runtime, _ = prepare(tmp_path, live_db_url)
    env = {"BROADCAST_SCHEDULER": "true", "BROADCAST_SCHEDULER_LEASE_S": "3"}
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=HCM)
    try:
        with two_servers(runtime, noon, **env) as (first, second):
            wait_for(lambda: len({r.job_id for r in _runs(runtime)}) >= 5, 30, "every job to run")
            # Three synthesis runs (every 5 s) span several lease periods (3 s) of the standby trying to take over.
            wait_for(lambda: sum(r.job_id == "synthesis-queue" for r in _runs(runtime)) >= 3, 30,
                     "three synthesis runs")
            runs = _runs(runtime)
            holders = {r.holder for r in runs}
            assert len(holders) == 1, holders
            (holder,) = holders
            leader, standby = (first, second) if holder.endswith(f"pid{first.process.pid}") else (second, first)
            assert holder.endswith(f"pid{leader.process.pid}")
            synthesis = sorted(r.run_time for r in runs if r.job_id == "synthesis-queue")
            gaps = [(b - a).total_seconds() for a, b in zip(synthesis, synthesis[1:], strict=False)]
            assert gaps and min(gaps) >= 4.5, f"synthesis fired more often than every 5 s: {gaps}"
            # The leader dies without releasing the lease: the standby takes over once it expires.
            os.kill(leader.process.pid, signal.SIGKILL)
            leader.process.wait()
            dead = _lease(runtime)  # the dead leader's lease, no longer renewed
            assert dead.holder == holder and dead.expires_at is not None
            wait_for(lambda: any(r.holder.endswith(f"pid{standby.process.pid}") for r in _runs(runtime)), 30,
                     "the standby to take over")
            taken = min(r.started_at for r in _runs(runtime) if r.holder.endswith(f"pid{standby.process.pid}"))
            # Told by the lease's own record, not the clock: the standby took it once (the next generation),
            # only after it had expired, and ran jobs only once it held it.
            lease = _lease(runtime)
            assert lease.holder is not None and lease.holder.endswith(f"pid{standby.process.pid}")
            assert lease.generation == dead.generation + 1 and lease.acquired_at is not None
            assert dead.expires_at <= lease.acquired_at <= taken
            with Session(runtime.engine) as session:
                duplicates = session.exec(select(JobRun.job_id, JobRun.run_time, func.count())
                                          .group_by(JobRun.job_id, JobRun.run_time).having(func.count() > 1)).all()
            assert duplicates == []
    finally:
        runtime.close()


def test_sigkill_during_synthesis_and_playout_loses_and_duplicates_nothing(tmp_path: Path, live_db_url: str) -> None:
    runtime, token = prepare(tmp_path, live_db_url)
    morning = datetime(2026, 11, 23, 9, 0, tzinfo=HCM)
    texts = [approved_bulletin(runtime.engine, f"Tin {n}", f"Thông báo số {n}.", ["xa-a"]) for n in range(50)]
    tone = ready_bulletin(runtime.engine, runtime.media, "Chuông báo", ["xa-a"], seconds=1)
    with session_scope(runtime.engine) as session:
        bulletin = session.get(Bulletin, tone)
        _, due = placements.place(session, get_user(session, "editor"), bulletin, station_codes=["xa-a"],
                                  mode=PlacementMode.at, at=morning + timedelta(seconds=20), repeat=20, now=morning)
        due_ids = [i.id for i in sorted(due, key=lambda i: i.repeat_index)]
    env = {"BROADCAST_SCHEDULER": "true", "BROADCAST_SCHEDULER_LEASE_S": "3"}
    device = {"Authorization": f"Bearer {token}"}

    def ready_count() -> int:
        with Session(runtime.engine) as session:
            return session.exec(select(func.count()).select_from(Bulletin).where(
                Bulletin.id.in_(texts), Bulletin.status == BulletinStatus.ready)).one()  # type: ignore[union-attr]

    def played(url: str, ids: list[int], at: datetime) -> dict:
        events = [{"event_id": f"played-{i}", "item_id": i, "kind": "played",
                   "at": (at + timedelta(seconds=n * 3)).isoformat()} for n, i in enumerate(ids)]
        reply = httpx.post(f"{url}/api/v1/receiver/reports", headers=device, json={"events": events})
        assert reply.status_code == 200, reply.text
        return reply.json()

    server = serve(runtime, morning, **env)
    try:
        manifest = httpx.get(f"{server.url}/api/v1/receiver/playlist", headers=device)
        assert [i["id"] for i in manifest.json()["manifest"]["items"]] == due_ids
        assert played(server.url, due_ids[:10], morning + timedelta(seconds=20))["accepted"] == \
            [f"played-{i}" for i in due_ids[:10]]
        wait_for(lambda: ready_count() >= 3, 120, "synthesis to be under way")
        assert ready_count() < 50, "synthesis finished before the kill: make the texts longer"
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    finally:
        server.stop()
    # Restart an hour later (service clock): the due occurrences are now past their grace.
    restarted = serve(runtime, morning + timedelta(hours=1), **env)
    try:
        again = played(restarted.url, due_ids[:12], morning + timedelta(seconds=20))  # re-sent + two late ones
        assert again["duplicates"] == [f"played-{i}" for i in due_ids[:10]]
        assert again["accepted"] == [f"played-{i}" for i in due_ids[10:12]]
        wait_for(lambda: ready_count() == 50, 240, "every bulletin to be synthesised")

        def closed() -> bool:
            with Session(runtime.engine) as session:
                return not session.exec(select(PlaylistItem).where(
                    PlaylistItem.status == ItemStatus.scheduled)).first()

        wait_for(closed, 120, "the expiry job to close the due occurrences")
    finally:
        restarted.stop()
    with Session(runtime.engine) as session:
        bulletins = session.exec(select(Bulletin).where(Bulletin.id.in_(texts))).all()  # type: ignore[union-attr]
        assert {b.status for b in bulletins} == {BulletinStatus.ready}
        assets = session.exec(select(AudioAsset)).all()
        assert len({b.asset_id for b in bulletins}) == 50 and len(assets) == 51  # one per text + the tone
        items = {i.id: i.status for i in session.exec(select(PlaylistItem)).all()}
        assert [items[i] for i in due_ids] == [ItemStatus.played] * 12 + [ItemStatus.missed] * 8
        events = session.exec(select(ReceiverEvent.item_id, func.count()).group_by(ReceiverEvent.item_id)).all()
        assert dict(events) == {i: 1 for i in due_ids[:12]}
        duplicates = session.exec(select(JobRun.job_id, JobRun.run_time, func.count())
                                  .group_by(JobRun.job_id, JobRun.run_time).having(func.count() > 1)).all()
        assert duplicates == []
    media_root = runtime.settings.media_dir
    on_disk = sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file())
    assert on_disk == sorted(a.path for a in assets), "orphan or missing media files"
    runtime.close()



def test_a_placement_on_the_standby_is_published_by_the_lease_holder_at_once(tmp_path: Path,
                                                                            live_db_url: str) -> None:
    """Two processes on one PostgreSQL: the standby's wake-up reaches the holder by LISTEN/NOTIFY (< 2 s)."""
    if not live_db_url.startswith("postgresql"):
        print("LISTEN/NOTIFY needs PostgreSQL: set BROADCAST_TEST_DATABASE_URL")
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL (BROADCAST_TEST_DATABASE_URL is not set)")
    runtime, token = prepare(tmp_path, live_db_url)
    bid = ready_bulletin(runtime.engine, runtime.media, "Qua tiến trình khác", ["xa-a"], seconds=5)
    env = {"BROADCAST_SCHEDULER": "true", "BROADCAST_SCHEDULER_LEASE_S": "30"}  # no takeover during the test
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=HCM)
    try:
        with two_servers(runtime, noon, **env) as (first, second):
            wait_for(lambda: any(r.job_id == "publish" for r in _runs(runtime)), 30, "the first publication")
            (holder,) = {r.holder for r in _runs(runtime)}
            standby = second if holder.endswith(f"pid{first.process.pid}") else first

            def sequence() -> int:
                with Session(runtime.engine) as session:
                    return max(session.exec(select(ManifestState.sequence)).all() or [0])

            wait_for(lambda: sequence() >= 1, 30, "the receiver's first manifest")
            before, sent = sequence(), datetime.now(UTC)
            headers = login(standby.url, "editor")
            reply = httpx.post(f"{standby.url}/api/v1/bulletins/{bid}/placements", headers=headers,
                               json={"stations": ["xa-a"], "mode": "at", "at": "2026-11-23T13:00:00+07:00"})
            assert reply.status_code == 201, reply.text

            def woken() -> list[datetime]:
                """Publish runs since the placement that were wake-ups, not regular ticks (told by the run ledger,
                not by the clock): APScheduler fires an interval job 60 s after its previous run (to float
                precision), so a run off that grid by more than a millisecond was woken."""
                runs = sorted(r.run_time for r in _runs(runtime) if r.job_id == "publish" and r.status == "done")
                return [b for a, b in zip(runs, runs[1:], strict=False)
                        if b >= sent and abs(((b - a).total_seconds() + 30) % 60 - 30) > 0.001]

            wait_for(lambda: sequence() > before and bool(woken()), 10, "the new manifest, published by a wake-up")
            publishes = [r for r in _runs(runtime) if r.job_id == "publish"]
            assert {r.holder for r in publishes} == {holder}  # only the lease holder ran it
            # last-seen times are batched in each process and written by both
            with session_scope(runtime.engine) as session:
                station = session.exec(select(Station).where(Station.code == "xa-a")).one()
                other_token = create_receiver(session, station, "Cụm loa phụ")[1]
            for server, device in ((first, token), (second, other_token)):
                reply = httpx.get(f"{server.url}/api/v1/receiver/playlist",
                                  headers={"Authorization": f"Bearer {device}"})
                assert reply.status_code == 200

            def seen() -> int:
                with Session(runtime.engine) as session:
                    return session.exec(select(func.count()).select_from(Receiver)
                                        .where(col(Receiver.last_seen_at).is_not(None))).one()

            wait_for(lambda: seen() == 2, 30, "both receivers' last-seen times")
            with Session(runtime.engine) as session:
                duplicates = session.exec(select(JobRun.job_id, JobRun.run_time, func.count())
                                          .group_by(JobRun.job_id, JobRun.run_time).having(func.count() > 1)).all()
            assert duplicates == []
    finally:
        runtime.close()
