"""The single-scheduler lease, the job-run ledger and takeover, in one process on a real database."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from broadcast.jobs import JOB_SPECS, SYNTHESIS_JOB, Jobs, Lease
from broadcast.models import JobRun, SchedulerLease


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_lease_is_exclusive_renewable_and_taken_over_when_expired(runtime) -> None:  # type: ignore[no-untyped-def]
    a, b = Lease(runtime.engine, "a", 10), Lease(runtime.engine, "b", 10)
    now = datetime.now(UTC)
    assert a.acquire(now)
    assert not b.acquire(now)
    assert a.acquire(now + timedelta(seconds=5))  # renewal
    assert not b.acquire(now + timedelta(seconds=14))  # renewed until +15 s
    assert b.acquire(now + timedelta(seconds=16))  # expired: b takes over
    assert not a.acquire(now + timedelta(seconds=17))  # and a cannot take it back
    with Session(runtime.engine) as session:
        lease = session.get(SchedulerLease, "scheduler")
        assert lease is not None and lease.holder == "b" and lease.generation == 2
        assert b.held(session, now + timedelta(seconds=20)) and not a.held(session, now + timedelta(seconds=20))
    b.release()
    assert a.acquire()


def test_ledger_claims_each_run_once_and_only_for_the_holder(runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.settings.scheduler_lease_s = 30
    holder, other = Jobs(runtime.job_deps(), holder="holder"), Jobs(runtime.job_deps(), holder="other")
    assert holder.lease.acquire()
    run_time = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    first = holder.claim("publish", run_time, "running")
    assert first is not None
    assert holder.claim("publish", run_time, "running") is None  # the same run fired twice
    assert other.claim("publish", run_time + timedelta(seconds=60), "running") is None  # not the lease holder
    holder.finish(first, "done")
    with Session(runtime.engine) as session:
        runs = session.exec(select(JobRun)).all()
    assert [(r.job_id, r.holder, r.status) for r in runs] == [("publish", "holder", "done")]


def _holders(runtime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        rows = session.exec(select(JobRun.holder, func.count()).group_by(JobRun.holder)).all()
    return dict(rows)


def _crash(jobs: Jobs) -> None:
    """Stop a Jobs without releasing its lease, as a killed process would (its wake-up listener goes too: left
    running, it would outlive the test's database and log reconnect failures until the suite exits)."""
    if jobs.wakeups is not None:
        jobs.wakeups.stop()
    jobs._stop.set()
    if jobs._thread is not None:
        jobs._thread.join()
    jobs._stop_scheduler(wait=True)


def test_one_of_two_schedulers_runs_and_the_standby_takes_over(runtime) -> None:  # type: ignore[no-untyped-def]
    runtime.settings.scheduler_lease_s = 2
    first, second = Jobs(runtime.job_deps(), holder="first"), Jobs(runtime.job_deps(), holder="second")
    first.start()
    wait_for(lambda: first.leader, 10, "the first scheduler to take the lease")
    second.start()
    try:
        wait_for(lambda: _holders(runtime).get("first", 0) >= len(JOB_SPECS), 20, "every job to run once")
        tried = second.lease_checks
        wait_for(lambda: second.lease_checks >= tried + 3, 10, "the standby to try for the lease three more times")
        assert not second.leader and "second" not in _holders(runtime)
        with Session(runtime.engine) as session:
            jobs = set(session.exec(select(JobRun.job_id)).all())
            synthesis = sorted(session.exec(select(JobRun.run_time).where(JobRun.job_id == SYNTHESIS_JOB)).all())
        assert {s.id for s in JOB_SPECS} <= jobs
        # every 5 s, not twice as often: told by the scheduled run times, whatever the machine's load
        gaps = [(b - a).total_seconds() for a, b in zip(synthesis, synthesis[1:], strict=False)]
        assert synthesis and all(gap >= 4.5 for gap in gaps), gaps
        crashed_at = time.monotonic()
        _crash(first)
        wait_for(lambda: second.leader, 10, "the standby to take over")
        took = time.monotonic() - crashed_at
        assert took >= 0.5, "took over before the lease expired"
        wait_for(lambda: _holders(runtime).get("second", 0) >= 1, 15, "the standby to run a job")
        with Session(runtime.engine) as session:
            duplicates = session.exec(select(JobRun.job_id, JobRun.run_time, func.count())
                                      .group_by(JobRun.job_id, JobRun.run_time).having(func.count() > 1)).all()
        assert duplicates == []
    finally:
        second.shutdown()
        _crash(first)
    with Session(runtime.engine) as session:
        lease = session.get(SchedulerLease, "scheduler")
        assert lease is not None and lease.holder is None  # a clean shutdown releases the lease


def test_orphan_media_older_than_the_guard_is_removed(runtime, world) -> None:  # type: ignore[no-untyped-def]
    import os

    from broadcast.jobs import sweep_orphan_media
    from tests.distribute.support import make_mp3, ready_bulletin

    ready_bulletin(runtime.engine, runtime.media, "Giữ", ["xa-a"], seconds=1)
    orphan = runtime.media.put(make_mp3(1, 1234))
    fresh = runtime.media.put(make_mp3(1, 1500))
    old = time.time() - 7200
    os.utime(runtime.media.root / orphan.path, (old, old))
    removed = sweep_orphan_media(runtime.engine, runtime.media.root)
    assert [p.name for p in removed] == [f"{orphan.sha256}.mp3"]
    assert runtime.media.exists(fresh.sha256)  # too young: its row may still be on its way
    with Session(runtime.engine) as session:
        from broadcast.models import AudioAsset

        for asset in session.exec(select(AudioAsset)).all():
            assert (runtime.media.root / asset.path).is_file()


def test_a_wake_up_during_a_run_is_not_lost(runtime) -> None:  # type: ignore[no-untyped-def]
    """Woken while it runs (a placement lands mid-publication), a job runs once more right after, instead of
    the wake-up being dropped by the one-instance rule until its next tick."""
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    from broadcast.jobs import GuardedExecutor

    runtime.settings.scheduler_lease_s = 30
    jobs = Jobs(runtime.job_deps(), holder="solo")
    assert jobs.lease.acquire()
    entered, release = threading.Event(), threading.Event()
    runs: list[float] = []

    def work() -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            entered.set()
            release.wait(10)

    scheduler = BackgroundScheduler(executors={"default": GuardedExecutor(jobs)},
                                    job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 120})
    scheduler.add_job(work, "interval", seconds=3600, id="probe", next_run_time=datetime.now(UTC))
    jobs.scheduler = scheduler
    scheduler.start()
    try:
        assert entered.wait(10), "the first run never started"
        jobs.wake("probe")
        release.set()
        wait_for(lambda: len(runs) == 2, 10, "the run the wake-up asked for")
    finally:
        scheduler.shutdown(wait=True)
    assert len(runs) == 2
