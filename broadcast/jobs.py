"""The background scheduler and its jobs. Jobs call services; they hold no logic of their own.

APScheduler 3 keeps the jobs in the application database (``SQLAlchemyJobStore``), so a restart resumes
them, and a run missed while the service was down is run late (within ``MISFIRE_GRACE_S``, coalesced
into one run) or skipped and recorded as ``missed`` in the job-run ledger.

Exactly one process runs the jobs per database, whatever the number of ``broadcast serve`` processes:

* a **lease** (one ``schedulerlease`` row: holder + expiry) is taken and renewed by a small thread;
  only the holder starts its APScheduler, a standby keeps trying and takes over once the lease expires
  (``BROADCAST_SCHEDULER_LEASE_S``); a clean shutdown releases it at once;
* every run is first **claimed** in the ``jobrun`` ledger under a unique (job, scheduled time) key, in a
  transaction that also checks the lease, so even a holder that lost its lease without noticing cannot
  fire a run twice.

Job functions are module-level and take only a database key (APScheduler pickles jobs by reference);
they find the running :class:`Jobs` through a small registry. What the jobs may use is spelled out in
:class:`JobDeps`; the rest of the service sees only the wake-ups (``runtime.BackgroundJobs``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.media import MediaStore
from broadcast.models import AudioAsset, JobRun, SchedulerLease, utcnow
from broadcast.schedule.clock import Clock, clock_for
from broadcast.wakeups import PgWakeups

if TYPE_CHECKING:
    from broadcast.keys import SigningKey
    from broadcast.secret_box import SecretBox
    from broadcast.speech import Speaker

log = logging.getLogger(__name__)
LEASE_NAME = "scheduler"
MISFIRE_GRACE_S = 120
SYNTHESIS_JOB, PUBLISH_JOB, EXPIRY_JOB, PUSH_JOB, HOUSEKEEPING_JOB = (
    "synthesis-queue", "publish", "expiry", "push", "housekeeping")
BOUNDARY_JOB = "publish-boundary"
PUSH_RETRY_JOB = "push-retry"
MIRROR_JOB = "mirror"
NOTIFY_JOB = "notify"
CAP_JOB = "cap-alerts"
LEDGER_KEEP = timedelta(days=2)
ORPHAN_AGE = timedelta(hours=1)
SYNTHESIS_BUDGET_S = 50.0


@dataclass(frozen=True)
class JobDeps:
    """Everything the jobs use. The speaker and the signing key are built on first use (loading voices
    is slow, and a standby process may never need them)."""

    settings: Settings
    engine: Engine
    media: MediaStore
    speaker: Callable[[], Speaker]
    signing_key: Callable[[], SigningKey]
    secret_box: Callable[[], SecretBox] | None = None


# --- the lease ------------------------------------------------------------------------------------------

class Lease:
    """The single-scheduler lease on one database. All methods are single atomic statements."""

    def __init__(self, engine: Engine, holder: str, ttl_s: float) -> None:
        self.engine, self.holder, self.ttl = engine, holder, timedelta(seconds=ttl_s)

    def _ensure_row(self) -> None:
        try:
            with session_scope(self.engine) as session:
                if session.get(SchedulerLease, LEASE_NAME) is None:
                    session.add(SchedulerLease(name=LEASE_NAME, generation=0))
        except IntegrityError:
            pass

    def acquire(self, now: datetime | None = None) -> bool:
        """Take the lease if it is free, expired or already ours; renew it if ours. True when held."""
        now = now or utcnow()
        self._ensure_row()
        with session_scope(self.engine) as session:
            renewed = session.execute(
                update(SchedulerLease).where(col(SchedulerLease.name) == LEASE_NAME,
                                             col(SchedulerLease.holder) == self.holder)
                .values(expires_at=now + self.ttl)).rowcount  # type: ignore[attr-defined]
            if renewed:
                return True
            taken = session.execute(
                update(SchedulerLease).where(
                    col(SchedulerLease.name) == LEASE_NAME,
                    col(SchedulerLease.holder).is_(None) | (col(SchedulerLease.expires_at) < now))
                .values(holder=self.holder, acquired_at=now, expires_at=now + self.ttl,
                        generation=SchedulerLease.generation + 1)).rowcount  # type: ignore[attr-defined]
            return bool(taken)

    def held(self, session: Session, now: datetime | None = None) -> bool:
        now = now or utcnow()
        lease = session.exec(select(SchedulerLease).where(SchedulerLease.name == LEASE_NAME)
                             .execution_options(populate_existing=True)).first()
        return bool(lease and lease.holder == self.holder and lease.expires_at and lease.expires_at > now)

    def release(self) -> None:
        with session_scope(self.engine) as session:
            session.execute(update(SchedulerLease).where(col(SchedulerLease.name) == LEASE_NAME,
                                                         col(SchedulerLease.holder) == self.holder)
                            .values(holder=None, expires_at=utcnow()))


# --- claiming runs --------------------------------------------------------------------------------------

_local = threading.local()
_registry: dict[str, Jobs] = {}
_registry_lock = threading.Lock()


def _context(db_key: str) -> Jobs:
    """The Jobs instance a job function runs for: the executor's own, else the registered one."""
    jobs = getattr(_local, "jobs", None) or _registry.get(db_key)
    if jobs is None:
        raise RuntimeError(f"no scheduler is running for database {db_key} in this process")
    return jobs


class GuardedExecutor(ThreadPoolExecutor):
    """A thread pool that claims each run in the ledger (checking the lease) before running it."""

    def __init__(self, jobs: Jobs, max_workers: int = 4) -> None:
        super().__init__(max_workers)
        self.jobs = jobs

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        def callback(future: Any) -> None:
            exc = future.exception()
            if exc:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())
            self.jobs.ended(job.id)  # after APScheduler counted the instance finished, so a re-run may start

        self.jobs.started(job.id)
        self._pool.submit(self._run, job, run_times).add_done_callback(callback)

    def _run(self, job: Any, run_times: list[datetime]) -> list[JobExecutionEvent]:
        events = []
        alias = job._jobstore_alias
        for run_time in run_times:
            late = datetime.now(UTC) - run_time
            missed = job.misfire_grace_time is not None and late > timedelta(seconds=job.misfire_grace_time)
            run_id = self.jobs.claim(job.id, run_time, "missed" if missed else "running")
            if run_id is None:
                continue  # another process (or an earlier firing) owns this run
            if missed:
                log.warning("job %s missed its run at %s by %s", job.id, run_time, late)
                events.append(JobExecutionEvent(EVENT_JOB_MISSED, job.id, alias, run_time))
                continue
            _local.jobs = self.jobs
            try:
                retval = job.func(*job.args, **job.kwargs)
            except Exception as exc:
                log.exception("job %s failed", job.id)
                self.jobs.finish(run_id, "error", "".join(traceback.format_exception(exc))[-2000:])
                events.append(JobExecutionEvent(EVENT_JOB_ERROR, job.id, alias, run_time, exception=exc,
                                                traceback="".join(traceback.format_tb(exc.__traceback__))))
            else:
                self.jobs.finish(run_id, "done")
                events.append(JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, alias, run_time, retval=retval))
            finally:
                _local.jobs = None
        return events


# --- the jobs -------------------------------------------------------------------------------------------

def run_synthesis(db_key: str) -> None:
    """Make the audio of submitted versions (for review); a seeded approved one then airs, so repack it."""
    from broadcast.services import repacking, synthesis

    jobs = _context(db_key)
    deps = jobs.deps
    deadline = time.monotonic() + SYNTHESIS_BUDGET_S
    while time.monotonic() < deadline and not jobs.stopping:
        outcomes = synthesis.run_queue(deps.engine, deps.speaker(), deps.media, limit=2)
        if not outcomes:
            return
        for outcome in outcomes:
            log.info("bulletin %s version %s → %s", outcome.bulletin_id, outcome.version_id, outcome.status)
            if outcome.airs:
                with session_scope(deps.engine) as session:
                    repacking.audio_changed(session, outcome.bulletin_id, deps.settings.play_grace_s,
                                            jobs.clock.now())
        jobs.wake_publication()


def run_publish(db_key: str) -> None:
    """Repack occurrences whose audio length changed, rebuild changed feeds and manifests, queue pushes;
    come back at the next boundary."""
    from broadcast.distribute.publish import publish
    from broadcast.services.repacking import reconcile_durations

    jobs = _context(db_key)
    deps = jobs.deps
    with session_scope(deps.engine) as session:
        now = jobs.clock.now()
        reconcile_durations(session, deps.settings.play_grace_s, now)
        result = publish(session, deps.signing_key(), deps.settings.media_base_url, now)
    if result.pushes_queued:
        jobs.wake(PUSH_JOB)
    if deps.settings.s3_bucket:
        jobs.wake(MIRROR_JOB)
    jobs.publish_at(jobs.clock.to_real(result.next_change_at))


def run_expiry(db_key: str) -> None:
    """Close occurrences that can no longer play (missed / failed / skipped)."""
    from broadcast.distribute.expiry import close_overdue

    jobs = _context(db_key)
    with session_scope(jobs.deps.engine) as session:
        counts = close_overdue(session, jobs.clock.now())
    if counts:
        log.info("closed overdue occurrences: %s", counts)


def run_push(db_key: str) -> None:
    from broadcast.distribute.push import deliver_due, next_attempt_at

    jobs = _context(db_key)
    deliver_due(jobs.deps.engine, jobs.clock.now(), allow_private=jobs.deps.settings.push_allow_private,
                box=jobs.deps.secret_box() if jobs.deps.secret_box else None)
    retry = next_attempt_at(jobs.deps.engine)
    if retry is not None:  # a retry due before the next tick runs on time (5 s after a first failure)
        jobs.run_at(PUSH_RETRY_JOB, run_push, PUSH_JOB, jobs.clock.to_real(retry))


_object_stores: dict[str, Any] = {}


def run_mirror(db_key: str) -> None:
    """Copy changed feeds and media to the S3 bucket (when configured); failures are recorded, not raised."""
    from broadcast.distribute.mirror import ObjectStore, mirror

    jobs = _context(db_key)
    settings = jobs.deps.settings
    if not settings.s3_bucket:
        return
    store = _object_stores.get(db_key) or _object_stores.setdefault(db_key, ObjectStore(settings))
    result = mirror(jobs.deps.engine, store, jobs.deps.media.root, jobs.clock.now(),
                    timedelta(seconds=settings.s3_media_grace_s))
    if result.put or result.deleted or result.failed:
        log.info("object storage: %d put, %d deleted, %d failed", len(result.put), len(result.deleted),
                 len(result.failed))


def run_notify(db_key: str) -> None:
    """Staff notifications: write the inbox entries due, then send pending e-mail (issue 14)."""
    from broadcast.services.notifications import run

    jobs = _context(db_key)
    added, sent = run(jobs.deps.engine, jobs.deps.settings, jobs.clock.now())
    if added or sent:
        log.info("notifications: %d new, %d e-mailed", added, sent)


def run_cap(db_key: str) -> None:
    """CAP alerts (issue 16): poll the configured feeds that are due; approve the drafts the auto-approval
    setting allows once their audio is made. Touches nothing when neither is configured."""
    jobs = _context(db_key)
    settings = jobs.deps.settings
    if settings.cap_feeds:
        from broadcast.alerts.feed_poll import poll_all

        for result in poll_all(jobs.deps.engine, settings, jobs.clock.now(), settings.default_voice):
            if result.taken:
                log.info("CAP feed %s: %d new alert(s)", result.url, len(result.taken))
                jobs.wake_synthesis()
    if settings.cap_trusted_senders:
        from broadcast.alerts.drafts import auto_approve_ready

        with session_scope(jobs.deps.engine) as session:
            approved = auto_approve_ready(session, settings.cap_trusted_senders, jobs.clock.now())
        if approved:
            log.warning("CAP alerts %s approved automatically (trusted sender setting)", approved)
            jobs.wake_publication()


def run_housekeeping(db_key: str) -> None:
    """Forget old ledger rows (the unique key only matters around a run's own time); remove orphan media."""
    jobs = _context(db_key)
    with session_scope(jobs.deps.engine) as session:
        session.execute(delete(JobRun).where(col(JobRun.started_at) < utcnow() - LEDGER_KEEP))
    removed = sweep_orphan_media(jobs.deps.engine, jobs.deps.media.root)
    if removed:
        log.warning("removed %d media file(s) no audio asset refers to", len(removed))
    from broadcast.services.previews import expire_unreferenced

    expired = expire_unreferenced(jobs.deps.engine, jobs.deps.media.root, utcnow(),
                                  timedelta(hours=jobs.deps.settings.preview_ttl_hours))
    if expired:
        log.info("removed the audio of %d preview(s) no bulletin uses", len(expired))


def sweep_orphan_media(engine: Engine, root: Path, older_than: timedelta = ORPHAN_AGE) -> list[Path]:
    """Delete media files that no AudioAsset row refers to and that are older than ``older_than``.

    A crash between writing a file and committing its row leaves such a file; the age guard keeps files
    whose row is still being committed (synthesis, uploads) out of reach.
    """
    with Session(engine) as session:
        known = set(session.exec(select(AudioAsset.path)).all())
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in sorted(root.glob("*/*")):
        if path.is_file() and not path.name.startswith(".") and str(path.relative_to(root)) not in known \
                and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[str], None]
    every_s: float


JOB_SPECS = (
    JobSpec(SYNTHESIS_JOB, run_synthesis, 5),
    JobSpec(PUBLISH_JOB, run_publish, 60),
    JobSpec(EXPIRY_JOB, run_expiry, 60),
    JobSpec(PUSH_JOB, run_push, 10),
    JobSpec(MIRROR_JOB, run_mirror, 60),
    JobSpec(HOUSEKEEPING_JOB, run_housekeeping, 3600),
    JobSpec(NOTIFY_JOB, run_notify, 15),
    JobSpec(CAP_JOB, run_cap, 5),
)


def database_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


class Jobs:
    """Owns the lease keeper and, while this process holds the lease, the APScheduler instance."""

    def __init__(self, deps: JobDeps, holder: str | None = None) -> None:
        self.deps = deps
        self.clock: Clock = clock_for(deps.settings)
        self.db_key = database_key(deps.settings.db_url)
        self.holder = holder or f"{uuid.uuid4().hex[:12]}@pid{_pid()}"
        self.lease = Lease(deps.engine, self.holder, deps.settings.scheduler_lease_s)
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        # Which jobs run now, and which were woken meanwhile. Own lock, never held while calling the
        # scheduler: APScheduler calls started() while holding its own locks.
        self._runs_lock = threading.Lock()
        self._running: set[str] = set()
        self._rewake: set[str] = set()  # woken while running: run once more as soon as they finish
        self.lease_checks = 0  # how many times the keeper has tried for (or renewed) the lease
        self.wakeups: PgWakeups | None = None
        if deps.engine.dialect.name == "postgresql":  # other processes' wake-ups reach the lease holder
            self.wakeups = PgWakeups(deps.engine, self._wake_here, frozenset(spec.id for spec in JOB_SPECS))

    @property
    def stopping(self) -> bool:
        """Long jobs check this between steps so that a shutdown does not wait for a whole batch."""
        return self._stop.is_set() or self.scheduler is None

    @property
    def leader(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def start(self) -> None:
        self._thread = threading.Thread(target=self._keep_lease, name="scheduler-lease", daemon=True)
        self._thread.start()
        if self.wakeups is not None:
            self.wakeups.start()

    def shutdown(self) -> None:
        self._stop.set()
        if self.wakeups is not None:
            self.wakeups.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._stop_scheduler(wait=True)
        try:
            self.lease.release()
        except SQLAlchemyError:
            log.exception("could not release the scheduler lease")

    def _keep_lease(self) -> None:
        interval = max(0.5, self.deps.settings.scheduler_lease_s / 3)
        while True:
            try:
                held = self.lease.acquire()
            except SQLAlchemyError:
                log.exception("scheduler lease check failed")
                held = False
            if held and not self.leader:
                log.info("scheduler lease taken by %s: running the jobs", self.holder)
                self._start_scheduler()
            elif not held and self.leader:
                log.warning("scheduler lease lost by %s: stopping the jobs", self.holder)
                self._stop_scheduler(wait=False)
            self.lease_checks += 1
            if self._stop.wait(interval):
                return

    def _start_scheduler(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            scheduler = BackgroundScheduler(
                timezone=UTC,
                jobstores={"default": SQLAlchemyJobStore(engine=self.deps.engine, tablename="apscheduler_jobs")},
                executors={"default": GuardedExecutor(self)},
                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S})
            scheduler.start(paused=True)
            now = datetime.now(UTC)
            for spec in JOB_SPECS:
                existing = scheduler.get_job(spec.id)
                scheduler.add_job(spec.func, "interval", seconds=spec.every_s, id=spec.id, name=spec.id,
                                  args=[self.db_key], replace_existing=True,
                                  next_run_time=existing.next_run_time if existing and existing.next_run_time
                                  else now)
            with _registry_lock:
                _registry[self.db_key] = self
            self.scheduler = scheduler
            scheduler.resume()

    def _stop_scheduler(self, wait: bool) -> None:
        with self._lock:
            scheduler, self.scheduler = self.scheduler, None
            with _registry_lock:
                if _registry.get(self.db_key) is self:
                    del _registry[self.db_key]
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=wait)

    def claim(self, job_id: str, run_time: datetime, status: str) -> int | None:
        """Record a run under its unique key if this process holds the lease; None when it must not run."""
        try:
            with session_scope(self.deps.engine) as session:
                if not self.lease.held(session):
                    log.warning("not running %s at %s: this process no longer holds the lease", job_id, run_time)
                    return None
                run = JobRun(job_id=job_id, run_time=run_time, holder=self.holder, status=status,
                             started_at=utcnow())
                session.add(run)
                session.flush()
                return run.id
        except IntegrityError:
            log.info("run of %s at %s was already fired; skipping the duplicate", job_id, run_time)
            return None

    def finish(self, run_id: int, status: str, error: str | None = None) -> None:
        with session_scope(self.deps.engine) as session:
            session.execute(update(JobRun).where(col(JobRun.id) == run_id)
                            .values(status=status, finished_at=utcnow(), error=error))

    def wake(self, job_id: str) -> None:
        """Run a job now instead of at its next tick; on a standby, tell the lease holder (PostgreSQL)."""
        if not self.leader and self.wakeups is not None:
            self.wakeups.notify(job_id)
            return
        self._wake_here(job_id)

    def started(self, job_id: str) -> None:
        with self._runs_lock:
            self._running.add(job_id)

    def ended(self, job_id: str) -> None:
        """A run finished: if it was woken meanwhile, run it again now (what woke it may have come too late
        for the run that was under way, and a second instance is never started beside the first)."""
        with self._runs_lock:
            self._running.discard(job_id)
            again = job_id in self._rewake
            self._rewake.discard(job_id)
        if again:
            self._wake_here(job_id)

    def _wake_here(self, job_id: str) -> None:
        """Wake the job in this process's scheduler; a no-op unless this process holds the lease."""
        with self._runs_lock:
            if job_id in self._running:
                self._rewake.add(job_id)  # a wake-up during a run is never lost: see ended()
                return
        with self._lock:
            scheduler = self.scheduler
            if scheduler is None or not scheduler.running:
                return
            try:
                scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))
            except Exception:  # noqa: BLE001 - a wake-up is an optimisation, never a reason to fail
                log.exception("could not wake job %s", job_id)

    def publish_at(self, when: datetime) -> None:
        """Publish again at ``when`` (real clock) if that is before the next regular sweep: slot boundaries,
        occurrences entering the horizon or reaching their latest start."""
        self.run_at(BOUNDARY_JOB, run_publish, PUBLISH_JOB, when)

    def run_at(self, job_id: str, func: Callable[[str], None], regular_id: str, when: datetime) -> None:
        """Run ``func`` once at ``when`` (real clock) under ``job_id`` if that is before ``regular_id``'s tick."""
        with self._lock:
            scheduler = self.scheduler
            if scheduler is None or not scheduler.running:
                return
            regular = scheduler.get_job(regular_id)
            if regular is not None and regular.next_run_time is not None and when >= regular.next_run_time:
                return
            scheduler.add_job(func, "date", run_date=max(when, datetime.now(UTC)), id=job_id,
                              name=job_id, args=[self.db_key], replace_existing=True)

    def wake_synthesis(self) -> None:
        """Run the synthesis queue now instead of at the next tick (after an approval)."""
        self.wake(SYNTHESIS_JOB)

    def wake_notifications(self) -> None:
        """Send notification e-mail now (after a submission or a rejection), not at the next tick."""
        self.wake(NOTIFY_JOB)

    def wake_publication(self) -> None:
        """Publish now (after a placement or cancellation), so push stations hear of it at once."""
        self.wake(PUBLISH_JOB)


def _pid() -> int:
    import os

    return os.getpid()
