"""The agent: three loops sharing one state.

* **sync** (thread): poll the playlist (If-None-Match, jitter, back-off), accept or reject manifests,
  upload queued reports and heartbeats;
* **download** (thread): fetch the audio the schedule needs, most urgent first, retrying failures;
* **playout** (main thread): start each item at its time through the player, let emergencies interrupt.

Each loop survives its own errors (a device far away must not stop because of one bad reply); everything
worth remembering goes through :class:`StateStore` so a power cut loses nothing but the current second.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from broadcast.protocol import Manifest, ManifestItem, load_public_key_b64
from broadcast.receiver import SOFTWARE_VERSION
from broadcast.receiver.clock import Clock, boot_id
from broadcast.receiver.decisions import DecisionLog
from broadcast.receiver.media import FetchResult, MediaCache
from broadcast.receiver.playout import (
    Player,
    order,
    pending,
    plan,
    process_start_time,
    stop_orphan,
    wants_interrupt,
    withdrawn,
)
from broadcast.receiver.store import (
    AgentState,
    Event,
    LedgerEntry,
    ReceiverConfig,
    StateStore,
    remove_stale_temps,
)
from broadcast.receiver.sync import Rejected, ServerClient, ServerError, accept

log = logging.getLogger("broadcast.receiver")

DEFAULT_PLAYER = "mpg123 -q {file}"
MAX_BATCH = 500
LEDGER_KEEP = timedelta(days=2)
FEED_STALE_BELOW = timedelta(hours=11)  # the service re-signs at 12 h left (half of the 24 h validity)
ERROR_MEMORY = timedelta(hours=1)  # a heartbeat carries an error this long; the server flags the station meanwhile


@dataclass
class Options:
    """Run-time knobs; the defaults suit a real device, tests compress time by lowering them."""

    player: str = DEFAULT_PLAYER
    poll_interval_s: float | None = None  # None: what the manifest suggests (60 s by default)
    late_tolerance_s: float = 900.0
    max_backoff_s: float = 600.0
    heartbeat_interval_s: float = 300.0
    max_media_mb: int = 200
    volume: int | None = None
    decision_log: Path | None = None  # see decisions.py


class Agent:
    def __init__(self, state_dir: Path, config: ReceiverConfig, options: Options) -> None:
        self.dir = state_dir
        self.config = config
        self.options = options
        self.public_key = load_public_key_b64(config.public_key)
        remove_stale_temps(state_dir)
        self.store = StateStore(state_dir)
        state = self.store.state
        persisted_offset = state.clock_offset_s if state.clock_boot_id == boot_id() else None
        self.clock = Clock(persisted_offset, state.high_water)
        self.client = ServerClient(config.server_url, config.token, self.clock)
        self.media = MediaCache(state_dir, options.max_media_mb * 1024 * 1024)
        self.player = Player(options.player, state_dir / "player.log")
        self.late_tolerance = timedelta(seconds=options.late_tolerance_s)
        self.stopping = threading.Event()
        self.wake_sync, self.wake_download, self.wake_playout = threading.Event(), threading.Event(), threading.Event()
        self.manifest: Manifest | None = None
        self.manifest_digest: str | None = None
        self.manifest_version = 0
        self.rejected_digest: str | None = None
        self.failures = 0
        self.retry_at: dict[str, float] = {}
        self.retry_count: dict[str, int] = {}
        self.media_problem: dict[str, str] = {}  # why a file is not here yet, for skip reports
        self.last_heartbeat = 0.0
        self.last_saved = time.monotonic()
        self.one_by_one = False
        self.threads: list[threading.Thread] = []
        self.decide = DecisionLog(options.decision_log)

    # ---- state helpers -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def update(self) -> Iterator[AgentState]:
        """A state transaction that also advances the clock's high-water mark (see clock.py)."""
        with self.store.update() as state:
            if not self.clock.suspect():
                now = self.clock.now()
                state.high_water = max(state.high_water or now, now)
            self.last_saved = time.monotonic()
            yield state

    def record(self, kind: str, item: ManifestItem | None, detail: str, *, event_id: str | None = None,
               sha256: str | None = None, ledger: str | None = None, started_at: datetime | None = None) -> None:
        """Queue a report (and optionally move the item in the ledger) in one atomic write."""
        now = self.clock.now()
        event = Event(event_id=event_id or f"{kind[:4]}-{uuid.uuid4().hex}", item_id=item.id if item else None,
                      kind=kind, at=now, started_at=started_at, detail=detail[:1000],  # type: ignore[arg-type]
                      sha256=sha256 or (item.sha256 if item else None))
        with self.update() as state:
            if all(e.event_id != event.event_id for e in state.outbox[-50:]):
                state.outbox.append(event)
            if item is not None and ledger is not None:
                state.ledger[item.id] = LedgerEntry(state=ledger, at=now, play_at=item.play_at)  # type: ignore[arg-type]
            if kind in ("failed", "rejected"):
                state.last_error, state.last_error_at = f"{kind}: {detail}"[:1000], now
                state.last_error_transient = False
        log.info("%s item=%s %s", kind, item.id if item else "-", detail)

    def note_error(self, message: str, transient: bool = False) -> None:
        """Remember an error for the heartbeat; a transient one (the link) is forgotten once the link is back."""
        log.warning("%s", message)
        with self.store.lock:
            state = self.store.state
            state.last_error, state.last_error_at = message[:1000], self.clock.now()
            state.last_error_transient = transient

    # ---- start-up ------------------------------------------------------------------------------------

    def recover(self) -> None:
        """Pick up after a crash: the cached manifest, and items a previous run was cut off in."""
        raw = self.store.read_manifest()
        if raw is not None:
            try:
                manifest = accept(raw, self.public_key, self.config.key_id, self.config.receiver_id, 0, None)
            except Rejected as exc:
                self.record("rejected", None, f"cached-manifest-{exc.reason}: {exc.message}")
            else:
                self.manifest, self.manifest_digest = manifest, hashlib.sha256(raw).hexdigest()
                if manifest.sequence > self.store.state.sequence:
                    with self.update() as state:
                        state.sequence, state.etag = manifest.sequence, None
                log.info("carrying on from the cached manifest %s (%d items)", manifest.sequence, len(manifest.items))
        items = {i.id: i for i in (self.manifest.items if self.manifest else [])}
        with self.store.lock:
            cut_off = [(k, v) for k, v in self.store.state.ledger.items() if v.state == "started"]
        for item_id, entry in cut_off:
            stopped = stop_orphan(entry.pid, entry.pid_start)
            detail = (f"cut off by an agent restart (power cut, crash or stop) after starting at "
                      f"{entry.at.isoformat()}; not replayed, an item plays at most once"
                      + ("; its leftover player was stopped" if stopped else ""))
            item = items.get(item_id)
            event = Event(event_id=f"skipped-{item_id}", item_id=item_id, kind="skipped", at=self.clock.now(),
                          detail=detail, sha256=item.sha256 if item else None)
            with self.update() as state:
                state.outbox.append(event)
                state.ledger[item_id] = LedgerEntry(state="skipped", at=event.at, play_at=entry.play_at)
            log.info("skipped item=%s %s", item_id, detail)

    # ---- running -------------------------------------------------------------------------------------

    def run(self) -> None:
        self.recover()
        for name, target in (("sync", self.sync_loop), ("download", self.download_loop)):
            thread = threading.Thread(target=self._guard(target), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)
        try:
            self._guard(self.playout_loop)()
        finally:
            self.stop()
            for thread in self.threads:
                thread.join(timeout=10)
            with self.update():
                pass
            self.client.close()
            self.decide.close()

    def stop(self) -> None:
        self.stopping.set()
        for event in (self.wake_sync, self.wake_download, self.wake_playout):
            event.set()

    def _guard(self, loop: Callable[[], None]) -> Callable[[], None]:
        def guarded() -> None:
            while not self.stopping.is_set():
                try:
                    loop()
                except Exception as exc:  # noqa: BLE001 — keep the device alive; the error goes in the heartbeat
                    log.exception("%s loop failed; carrying on", loop.__name__)
                    self.note_error(f"internal error in {loop.__name__}: {exc.__class__.__name__}: {exc}")
                    self.stopping.wait(1.0)
        return guarded

    def _sleep(self, wake: threading.Event, seconds: float) -> None:
        wake.wait(max(0.0, seconds))
        wake.clear()

    # ---- sync ----------------------------------------------------------------------------------------

    def base_interval(self) -> float:
        base = self.options.poll_interval_s or (self.manifest.poll_interval_s if self.manifest else 60.0)
        base = max(0.2, float(base))
        if self.manifest is not None and self.manifest.emergency:
            base = max(min(base, 5.0), base / 4)  # an emergency is pending: look for updates sooner
        return base

    def next_poll_delay(self) -> float:
        """Never later than the interval (so an emergency arrives within one), jittered to spread the load."""
        base = self.base_interval()
        if self.failures:
            return min(self.options.max_backoff_s, base * 2 ** min(self.failures, 12)) * random.uniform(0.5, 1.0)
        return base * random.uniform(0.8, 1.0)

    def sync_loop(self) -> None:
        self._sleep(self.wake_sync, random.uniform(0, min(self.base_interval(), 10.0)))
        while not self.stopping.is_set():
            try:
                self.poll_once()
                self.link_is_back()  # before the heartbeat is built: it must not carry the outage's error
                self.upload_reports()
                self.failures = 0
            except ServerError as exc:
                self.failures += 1
                self.decide("sync", "unreachable", detail=str(exc)[:200])
                self.note_error(str(exc), transient=True)
            self.save_clock()
            self._sleep(self.wake_sync, self.next_poll_delay())

    def link_is_back(self) -> None:
        """A poll got through: forget a transient (network) error so the next heartbeat reports none."""
        with self.store.lock:
            if self.store.state.last_error_transient:
                self.store.state.last_error = self.store.state.last_error_at = None
                self.store.state.last_error_transient = False

    def poll_once(self) -> None:
        """The feed first (object storage / CDN) when enrolled with one; the API when it fails or is stale."""
        if self.config.feed_url:
            try:
                if self.poll_feed(self.config.feed_url):
                    return
            except ServerError as exc:
                log.info("feed unreachable (%s); asking the service", exc)
        reply = self.client.playlist(self.store.state.etag)
        if reply.status == 304:
            self.decide("sync", "unchanged")
            return
        self.take(reply.body, reply.etag, "api")

    def poll_feed(self, url: str) -> bool:
        """True when the feed answered with something current; False: ask the API (stale or replayed copy)."""
        reply = self.client.feed(url, self.store.state.feed_etag)
        if reply.status == 200 and hashlib.sha256(reply.body).hexdigest() != self.manifest_digest:
            outcome = self.take(reply.body, reply.etag, "feed")
            if outcome != "accepted":
                return False  # an older copy (a lagging cache) or a bad one: the service has the truth
        elif reply.status == 200:
            with self.update() as state:
                state.feed_etag = reply.etag
            self.decide("sync", "same", detail="feed")
        else:
            self.decide("sync", "unchanged", detail="feed")
        held = self.manifest
        # The service re-signs every manifest half-way to its expiry and mirrors it at once, so a copy with
        # less than that left means the mirror stopped: check with the service.
        return held is not None and held.valid_until - self.clock.now() > FEED_STALE_BELOW

    def take(self, body: bytes, etag: str | None, source: str) -> str:
        """Check and adopt a manifest body; returns accepted | same | replayed | rejected."""
        digest = hashlib.sha256(body).hexdigest()
        if digest == self.manifest_digest:  # the same manifest again (our ETag was lost): nothing new
            with self.update() as state:
                if source == "feed":
                    state.feed_etag = etag
                else:
                    state.etag = etag
            self.decide("sync", "same", detail=source)
            return "same"
        try:
            manifest = accept(body, self.public_key, self.config.key_id, self.config.receiver_id,
                              self.store.state.sequence, self.clock.now())
        except Rejected as exc:
            if source == "feed" and exc.reason == "replayed":
                log.info("the feed still holds an older manifest (%s); asking the service", exc.message)
                self.decide("sync", "feed-behind", detail=exc.message)
                return "replayed"
            first = digest != self.rejected_digest
            if first:  # report each bad manifest once, not at every poll
                self.rejected_digest = digest
                self.record("rejected", None, f"{exc.reason}: {exc.message}" + (" (from the feed)" if source ==
                            "feed" else ""), event_id=f"rej-{digest[:48]}")
            self.decide("sync", "rejected", detail=f"{exc.reason}; {'reported' if first else 'already reported'}")
            return "rejected"
        self.store.write_manifest(body)
        now = self.clock.now()
        with self.update() as state:
            state.sequence = manifest.sequence
            if source == "feed":
                state.feed_etag = etag
            else:
                state.etag = etag
            current = {i.id for i in manifest.items}
            state.ledger = {k: v for k, v in state.ledger.items() if k in current or now - v.play_at < LEDGER_KEEP}
        with self.store.lock:
            self.manifest, self.manifest_digest = manifest, digest
            self.manifest_version += 1
        self.decide("sync", "accepted", detail=f"sequence {manifest.sequence}, {len(manifest.items)} items")
        log.info("accepted manifest %s from the %s: %d items%s", manifest.sequence, source, len(manifest.items),
                 " (emergency pending)" if manifest.emergency else "")
        self.wake_download.set()
        self.wake_playout.set()
        return "accepted"

    def heartbeat(self) -> dict[str, Any]:
        offset = self.clock.measured_offset_s
        with self.store.lock:
            state = self.store.state
            recent = state.last_error_at is not None and self.clock.now() - state.last_error_at < ERROR_MEMORY
            last_error = self.clock.problem() or (
                f"{state.last_error_at:%Y-%m-%dT%H:%M:%SZ} {state.last_error}" if recent else None)
            sequence = state.sequence
        return {"software_version": SOFTWARE_VERSION, "free_disk_mb": round(self.media.free_bytes() / 2**20, 1),
                "volume": self.options.volume, "last_error": last_error[:1000] if last_error else None,
                "clock_offset_s": round(offset, 1) if offset is not None else None, "manifest_sequence": sequence}

    def upload_reports(self) -> None:
        """Send queued events (≤500 a request) and, when due, a heartbeat; forget events once acknowledged."""
        for _ in range(20):
            with self.store.lock:
                batch = list(self.store.state.outbox[:1 if self.one_by_one else MAX_BATCH])
            beat = time.monotonic() - self.last_heartbeat >= self.options.heartbeat_interval_s
            if not batch and not beat:
                return
            payload = {"events": [e.model_dump(mode="json", exclude_none=False) for e in batch],
                       "heartbeat": self.heartbeat() if beat else None}
            reply = self.client.post_reports(payload)
            if reply.status_code in (400, 422):
                self._refused(batch, reply.text)
                continue
            if reply.status_code != 200:
                raise ServerError(f"reports: HTTP {reply.status_code}: {reply.text[:200]}")
            try:
                body = reply.json()
            except ValueError:
                raise ServerError(f"reports: the reply is not JSON: {reply.text[:200]}") from None
            acked = set(body.get("accepted", [])) | set(body.get("duplicates", []))
            with self.update() as state:
                state.outbox = [e for e in state.outbox if e.event_id not in acked]
            if beat:
                self.last_heartbeat = time.monotonic()
            self.one_by_one = False
            if not acked and batch:
                raise ServerError("reports: the server acknowledged none of the events sent")
            if len(batch) < MAX_BATCH:
                return

    def _refused(self, batch: list[Event], reason: str) -> None:
        """The server refused the request: find the one bad event by sending one at a time, then drop it."""
        if len(batch) > 1:
            self.one_by_one = True
            return
        if batch:
            with self.update() as state:
                state.outbox = [e for e in state.outbox if e.event_id != batch[0].event_id]
                state.dropped_events += 1
            self.note_error(f"the server refused report {batch[0].event_id}, dropped: {reason[:300]}")
        else:
            self.last_heartbeat = time.monotonic()
            self.note_error(f"the server refused the heartbeat: {reason[:300]}")

    def save_clock(self) -> None:
        """Persist the clock offset when it moved, and the high-water mark every few minutes."""
        offset = self.clock.measured_offset_s
        state = self.store.state
        moved = offset is not None and (state.clock_offset_s is None or abs(offset - state.clock_offset_s) >= 1.0)
        if moved or time.monotonic() - self.last_saved > 600:
            with self.update() as state:
                state.clock_offset_s, state.clock_boot_id = offset, boot_id()

    # ---- downloads -----------------------------------------------------------------------------------

    def needed(self) -> list[ManifestItem]:
        """Items whose audio is missing, one per file, most urgent first (emergencies, then soonest)."""
        now = self.clock.now()
        with self.store.lock:
            items = pending(self.manifest, self.store.state.ledger)
        seen, result = set(), []
        for item in sorted(items, key=lambda i: (i.priority != "emergency", i.play_at, i.id)):
            if item.sha256 in seen or now - item.play_at > self.late_tolerance or (
                    item.valid_until is not None and item.valid_until <= now):
                continue
            seen.add(item.sha256)
            if not self.media.ready(item.sha256, item.bytes):
                result.append(item)
        return result

    def download_loop(self) -> None:
        version = -1
        while not self.stopping.is_set():
            if version != self.manifest_version:
                version = self.manifest_version
                self.collect_garbage()
            queue = self.needed()
            now = time.monotonic()
            job = next((i for i in queue if self.retry_at.get(i.sha256, 0) <= now), None)
            if job is None:
                waits = [self.retry_at[i.sha256] - now for i in queue if i.sha256 in self.retry_at]
                self._sleep(self.wake_download, min([30.0, *waits]))
                continue
            self.wake_download.clear()
            result = self.media.fetch(self.client, job.sha256, job.bytes, job.media_url,
                                      abort=lambda job=job: self._more_urgent_than(job))
            self.after_fetch(job, result)

    def _more_urgent_than(self, job: ManifestItem) -> bool:
        if self.stopping.is_set():
            return True
        if not self.wake_download.is_set():
            return False
        self.wake_download.clear()
        queue = self.needed()
        return bool(queue) and queue[0].sha256 != job.sha256 and order(queue[0]) < order(job)

    def after_fetch(self, job: ManifestItem, result: FetchResult) -> None:
        if result.kind == "ok":
            self.retry_at.pop(job.sha256, None)
            self.retry_count.pop(job.sha256, None)
            self.media_problem.pop(job.sha256, None)
            self.record("downloaded", job, result.detail, event_id=f"dl-{job.sha256[:40]}-{uuid.uuid4().hex[:8]}")
            self.wake_playout.set()
            return
        if result.kind == "aborted":
            log.info("download of %s paused for a more urgent one (%s)", job.sha256[:12], result.detail)
            return
        count = self.retry_count[job.sha256] = self.retry_count.get(job.sha256, 0) + 1
        step = max(1.0, min(self.base_interval(), 10.0))
        self.retry_at[job.sha256] = time.monotonic() + min(self.options.max_backoff_s, step * 2 ** (count - 1))
        self.media_problem[job.sha256] = result.detail
        if result.kind == "network":
            self.note_error(f"download of {job.sha256[:12]}: {result.detail}", transient=True)
        else:
            self.record("failed", job, f"download of {job.sha256[:12]} failed ({result.detail}); "
                                       f"not kept, will fetch again (attempt {count})")

    def collect_garbage(self) -> None:
        """Delete audio no pending item needs (the one playing right now is kept too)."""
        if self.manifest is None:
            return
        with self.store.lock:
            ledger = self.store.state.ledger
            keep = {i.sha256 for i in pending(self.manifest, ledger)}
            keep |= {i.sha256 for i in self.manifest.items if i.id in ledger and ledger[i.id].state == "started"}
        removed = self.media.collect(keep)
        if removed:
            log.info("deleted %d media files nothing needs any more", len(removed))

    # ---- playout -------------------------------------------------------------------------------------

    def is_ready(self, item: ManifestItem) -> bool:
        return self.media.ready(item.sha256, item.bytes)

    def playout_loop(self) -> None:
        held = False
        while not self.stopping.is_set():
            if self.clock.suspect():
                if not held:
                    log.warning("%s", self.clock.problem())
                held = True
                self.decide("playout", "hold", detail=self.clock.problem() or "")
                self._sleep(self.wake_playout, 1.0)
                continue
            if held:
                log.info("the clock is trusted again (%s); playout resumes", self.clock.now().isoformat())
                held = False
            now = self.clock.now()
            with self.store.lock:
                manifest = self.manifest
                decided = plan(manifest, self.store.state.ledger, now, self.late_tolerance, self.is_ready)
            for item, reason in decided.skips:
                if not self.is_ready(item):
                    reason += f"; its audio never arrived ({self.media_problem.get(item.sha256, 'not downloaded')})"
                self.record("skipped", item, reason, event_id=f"skipped-{item.id}", ledger="skipped")
                self.decide("playout", "skip", item.id, reason[:200])
            if decided.play is not None:
                self.decide("playout", "play", decided.play.id)
                self.play(decided.play, manifest)
                continue
            if decided.waiting is not None:
                self.wake_download.set()
                self.decide("playout", "wait", decided.waiting.id, "its audio is not here yet")
            elif decided.next_at is not None:
                self.decide("playout", "wait", detail=f"next at {decided.next_at.isoformat()}")
            else:
                self.decide("playout", "idle")
            timeout = 1.0 if decided.next_at is None else (decided.next_at - now).total_seconds()
            self._sleep(self.wake_playout, min(1.0, max(0.02, timeout)))

    def play(self, item: ManifestItem, manifest: Manifest | None) -> None:
        """Check the audio, start the player, watch it (stop, emergency, withdrawal), report how it ended."""
        if not self._audio_checks_out(item):
            return
        now = self.clock.now()
        process = self._start_player(item, now)
        if process is None:
            return
        late = (now - item.play_at).total_seconds()
        log.info("playing item=%s %r (%s), %.1f s after its time", item.id, item.title, item.priority, late)
        started = time.monotonic()
        status = self._watch(item, process, now, started)
        if status is not None:
            self._report_end(item, status, now, late, time.monotonic() - started)

    def _audio_checks_out(self, item: ManifestItem) -> bool:
        """The file is checked again just before playing; a bad one is thrown away and fetched again."""
        problem = self.media.verify(item.sha256, item.bytes)
        if problem is None:
            return True
        self.media.discard(item.sha256)
        self.retry_at.pop(item.sha256, None)
        self.record("failed", item, f"the audio failed its check before playing ({problem}); "
                                    "not played, fetching it again")
        self.wake_download.set()
        return False

    def _start_player(self, item: ManifestItem, now: datetime) -> subprocess.Popen[bytes] | None:
        """Mark the item started in the ledger (before the player runs, so a crash is seen), then start it."""
        with self.update() as state:
            state.ledger[item.id] = LedgerEntry(state="started", at=now, play_at=item.play_at)
        try:
            process = self.player.start(self.media.path(item.sha256), item)
        except OSError as exc:
            self.record("failed", item, f"the player could not start: {exc}", event_id=f"failed-{item.id}",
                        ledger="failed")
            return None
        with self.update() as state:
            state.ledger[item.id].pid, state.ledger[item.id].pid_start = process.pid, process_start_time(process.pid)
        return process

    def _watch(self, item: ManifestItem, process: subprocess.Popen[bytes], now: datetime,
               started: float) -> int | None:
        """Wait for the player; the exit status, or None when the agent stopped it (shutdown, an emergency,
        the item withdrawn), having recorded why."""
        while True:
            try:
                return process.wait(0.1)
            except subprocess.TimeoutExpired:
                pass
            if self.stopping.is_set():
                Player.stop(process)
                return None  # left "started": the next run reports it as cut off
            with self.store.lock:
                emergency = wants_interrupt(item, self.manifest, self.store.state.ledger, self.clock.now(),
                                            self.late_tolerance, self.is_ready)
            if emergency is not None:
                Player.stop(process)
                with self.update() as state:
                    state.ledger[item.id] = LedgerEntry(state="interrupted", at=self.clock.now(),
                                                        play_at=item.play_at)
                self.decide("playout", "interrupt", item.id, f"by emergency item {emergency.id}")
                log.info("item=%s interrupted by emergency item=%s", item.id, emergency.id)
                return None
            with self.store.lock:
                gone = withdrawn(item, self.manifest, self.clock.now())
            if gone:
                Player.stop(process)
                self.record("skipped", item, f"withdrawn by the service while playing (cancelled); stopped after "
                                             f"{time.monotonic() - started:.1f} s", event_id=f"skipped-{item.id}",
                            ledger="skipped", started_at=now)
                self.decide("playout", "withdrawn", item.id, "no longer in the manifest")
                log.info("item=%s withdrawn by the service while playing: stopped", item.id)
                return None

    def _report_end(self, item: ManifestItem, status: int, now: datetime, late: float, elapsed: float) -> None:
        if status == 0:
            self.record("played", item, f"played {elapsed:.1f} s, started {late:.1f} s after its time",
                        event_id=f"played-{item.id}", ledger="done", started_at=now)
        else:
            self.record("failed", item, f"the player exited with status {status} after {elapsed:.1f} s: "
                                        f"{self.player.tail()}", event_id=f"failed-{item.id}", ledger="failed",
                        started_at=now)
