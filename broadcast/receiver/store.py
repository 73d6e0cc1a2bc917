"""What the agent keeps on disk, written so that a power cut at any instant leaves a usable state.

Every file is replaced atomically (temp file in the same directory, fsync, rename, fsync of the
directory), so after a crash each file is either the old version or the new one, never a mix. The
agent's whole memory — accepted sequence, ETag, the playout ledger and the unsent report events — is one
``state.json``, so that "item played" and "report queued" are recorded in the same write and cannot
disagree after a crash. The accepted manifest is kept verbatim (signature included) in ``manifest.json``
and is verified again on every start.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from broadcast.atomic import atomic_write

log = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
STATE_FILE = "state.json"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = "agent.lock"
MAX_OUTBOX = 20_000  # events kept while offline; the oldest are dropped (and counted) beyond this


def remove_stale_temps(directory: Path) -> None:
    """Delete temp files of interrupted atomic writes (``.<name>.<random>``)."""
    for name in (CONFIG_FILE, STATE_FILE, MANIFEST_FILE):
        for leftover in directory.glob(f".{name}.*"):
            leftover.unlink(missing_ok=True)


class ReceiverConfig(BaseModel):
    """Written once by ``enrol``: where the server is, who we are, and the key we trust."""

    server_url: str
    token: str
    public_key: str = Field(description="Pinned Ed25519 public key, base64 of the raw 32 bytes")
    key_id: str
    receiver_id: int
    station: str
    enrolled_at: datetime
    player: str | None = None
    poll_interval_s: float | None = None
    feed_url: str | None = None  # the signed manifest on object storage / a CDN, polled before the API


class Event(BaseModel):
    """One report for the server; ``event_id`` makes a re-sent report a harmless duplicate."""

    event_id: str = Field(max_length=64)
    item_id: int | None = None
    kind: Literal["downloaded", "played", "failed", "skipped", "rejected"]
    at: datetime
    started_at: datetime | None = None  # played / failed: when playback started (``at`` is its end)
    detail: str = Field("", max_length=1000)
    sha256: str | None = None


LedgerState = Literal["started", "done", "interrupted", "skipped", "failed"]


class LedgerEntry(BaseModel):
    """What happened to one playlist item here. ``started`` left over after a crash means: cut off."""

    state: LedgerState
    at: datetime
    play_at: datetime
    pid: int | None = None
    pid_start: str | None = None


class AgentState(BaseModel):
    sequence: int = 0
    etag: str | None = None
    feed_etag: str | None = None
    ledger: dict[int, LedgerEntry] = Field(default_factory=dict)
    outbox: list[Event] = Field(default_factory=list)
    dropped_events: int = 0
    clock_offset_s: float | None = None
    clock_boot_id: str | None = None
    high_water: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_error_transient: bool = False  # a network error, forgotten at the next successful poll


def load_config(state_dir: Path) -> ReceiverConfig:
    path = state_dir / CONFIG_FILE
    try:
        return ReceiverConfig.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist: run `broadcast receiver enrol` first") from None
    except ValidationError as exc:
        raise ValueError(f"{path} is not a valid receiver configuration: {exc}") from exc


def save_config(state_dir: Path, config: ReceiverConfig) -> None:
    atomic_write(state_dir / CONFIG_FILE, config.model_dump_json(indent=2).encode())


class StateStore:
    """The agent's state in memory, saved on every change; safe to share between the agent's threads."""

    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.path = state_dir / STATE_FILE
        self.lock = threading.RLock()
        self.state = self._load()

    def _load(self) -> AgentState:
        try:
            return AgentState.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return AgentState()
        except (ValidationError, ValueError) as exc:
            # Atomic writes make this a damaged card rather than a torn write; keep the evidence, start clean.
            aside = self.path.with_name(f"{STATE_FILE}.corrupt")
            os.replace(self.path, aside)
            log.error("state file was unreadable (%s); moved to %s and starting afresh", exc, aside)
            return AgentState(last_error=f"state file unreadable, reset: {str(exc)[:200]}")

    @contextlib.contextmanager
    def update(self) -> Iterator[AgentState]:
        """Change the state and save it before anyone else sees the change."""
        with self.lock:
            yield self.state
            if len(self.state.outbox) > MAX_OUTBOX:
                excess = len(self.state.outbox) - MAX_OUTBOX
                del self.state.outbox[:excess]
                self.state.dropped_events += excess
                self.state.last_error = f"report queue full: dropped the {excess} oldest reports"
                self.state.last_error_at = datetime.now(UTC)
            atomic_write(self.path, self.state.model_dump_json().encode())

    def read_manifest(self) -> bytes | None:
        try:
            return (self.dir / MANIFEST_FILE).read_bytes()
        except FileNotFoundError:
            return None

    def write_manifest(self, raw: bytes) -> None:
        atomic_write(self.dir / MANIFEST_FILE, raw)


class AlreadyRunning(RuntimeError):
    pass


@contextlib.contextmanager
def exclusive(state_dir: Path) -> Iterator[None]:
    """Hold the state directory for one agent; the kernel releases the lock if the process dies."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another agent is running on {state_dir}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
