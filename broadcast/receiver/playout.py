"""What to play now, and the player process that plays it.

The rules (docs/receiver.md, "Playout rules"):

* An item starts at its ``play_at``; if the agent is busy or was down it may start late, up to the late
  tolerance (default 15 min), and never at or after its own ``valid_until`` or the manifest's.
* When several items are due, emergencies go first, then priority items, then normal ones; ties by time.
* An emergency interrupts anything that is not an emergency. The interrupted item plays again *from the
  start* after the emergency if it is still within the late tolerance of its ``play_at``; otherwise it is
  skipped and reported. Items that fell due meanwhile follow the same rule.
* An item the service withdraws while it plays (cancelled: e.g. a warning's sender cancelled it) stops: a
  newer manifest no longer lists it although it could still start (before its ``valid_until``).
* Every item plays at most once. One that was cut off by the agent stopping (power cut, kill, upgrade) is
  not replayed after the restart; it is reported as skipped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from broadcast.protocol import Manifest, ManifestItem
from broadcast.receiver.store import LedgerEntry

log = logging.getLogger(__name__)
RANK = {"emergency": 0, "priority": 1, "normal": 2}


@dataclass
class Plan:
    play: ManifestItem | None = None
    waiting: ManifestItem | None = None  # due, but its audio is not here yet
    skips: list[tuple[ManifestItem, str]] = field(default_factory=list)
    next_at: datetime | None = None  # the earliest future play_at


def order(item: ManifestItem) -> tuple[int, datetime, int]:
    return RANK[item.priority], item.play_at, item.id


def pending(manifest: Manifest | None, ledger: Mapping[int, LedgerEntry]) -> list[ManifestItem]:
    """Items not yet played, skipped or failed here (an emergency-interrupted one counts as pending)."""
    if manifest is None:
        return []
    return [i for i in manifest.items if i.id not in ledger or ledger[i.id].state == "interrupted"]


def plan(manifest: Manifest | None, ledger: Mapping[int, LedgerEntry], now: datetime, late_tolerance: timedelta,
         is_ready: Callable[[ManifestItem], bool]) -> Plan:
    """Decide what to do at ``now``: start one item, wait for audio, and which items can no longer play."""
    result = Plan()
    due = []
    for item in pending(manifest, ledger):
        assert manifest is not None
        if item.valid_until is not None and now >= item.valid_until:
            result.skips.append((item, f"expired: valid until {item.valid_until.isoformat()}"))
        elif now >= manifest.valid_until:
            result.skips.append((item, f"the manifest expired at {manifest.valid_until.isoformat()} "
                                       "before it could play and no newer one arrived"))
        elif item.play_at > now:
            result.next_at = item.play_at if result.next_at is None else min(result.next_at, item.play_at)
        elif now - item.play_at > late_tolerance:
            late = (now - item.play_at).total_seconds()
            result.skips.append((item, f"too late: {late:.0f} s after its time, beyond the "
                                       f"{late_tolerance.total_seconds():.0f} s tolerance"))
        else:
            due.append(item)
    for item in sorted(due, key=order):
        if is_ready(item):
            result.play = item
            break
        if item.priority == "emergency":  # do not start something the emergency would cut at once
            result.waiting = item
            break
        result.waiting = result.waiting or item
    return result


def wants_interrupt(current: ManifestItem, manifest: Manifest | None, ledger: Mapping[int, LedgerEntry],
                    now: datetime, late_tolerance: timedelta, is_ready: Callable[[ManifestItem], bool]
                    ) -> ManifestItem | None:
    """The emergency that should cut ``current`` now, if any."""
    if current.priority == "emergency":
        return None
    decided = plan(manifest, ledger, now, late_tolerance, is_ready)
    return decided.play if decided.play is not None and decided.play.priority == "emergency" else None


WITHDRAW_MARGIN = timedelta(seconds=5)


def withdrawn(current: ManifestItem, manifest: Manifest | None, now: datetime) -> bool:
    """The service took ``current`` off the air while it plays: the manifest held now no longer lists it,
    although it could still start. (Items also leave manifests once past their ``valid_until``, their
    latest start, so absence means nothing after that; the margin keeps clock skew from cutting one.)"""
    if manifest is None or any(i.id == current.id for i in manifest.items):
        return False
    return current.valid_until is None or now < current.valid_until - WITHDRAW_MARGIN


def process_start_time(pid: int) -> str | None:
    """The kernel's start time of a process, so that a recycled pid is never mistaken for our player."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]  # a zombie has finished playing


class Player:
    """Runs the configured command for one file, in its own process group so it can be stopped whole."""

    def __init__(self, template: str, log_path: Path) -> None:
        self.template = shlex.split(template)
        if not self.template:
            raise ValueError("the player command is empty")
        if not any("{file}" in arg for arg in self.template):
            raise ValueError("the player command must contain {file}")
        self.log_path = log_path

    def argv(self, path: Path, item: ManifestItem) -> list[str]:
        values = {"{file}": str(path), "{sha256}": item.sha256, "{item_id}": str(item.id),
                  "{duration_ms}": str(item.duration_ms), "{priority}": item.priority}
        argv = []
        for arg in self.template:
            for key, value in values.items():
                arg = arg.replace(key, value)
            argv.append(arg)
        return argv

    def start(self, path: Path, item: ManifestItem) -> subprocess.Popen[bytes]:
        env = {**os.environ, "BROADCAST_ITEM_ID": str(item.id), "BROADCAST_SHA256": item.sha256,
               "BROADCAST_DURATION_MS": str(item.duration_ms), "BROADCAST_PRIORITY": item.priority,
               "BROADCAST_TITLE": item.title}
        if self.log_path.exists() and self.log_path.stat().st_size > 1024 * 1024:
            os.replace(self.log_path, self.log_path.with_suffix(".log.1"))
        with self.log_path.open("ab") as output:
            return subprocess.Popen(self.argv(path, item), stdin=subprocess.DEVNULL, stdout=output,
                                    stderr=subprocess.STDOUT, env=env, start_new_session=True)

    @staticmethod
    def stop(process: subprocess.Popen[bytes], grace: float = 3.0) -> int:
        """SIGTERM the player's group, then SIGKILL after ``grace`` seconds; returns its exit status."""
        if process.poll() is None:
            kill_group(process.pid, signal.SIGTERM)
            try:
                return process.wait(grace)
            except subprocess.TimeoutExpired:
                kill_group(process.pid, signal.SIGKILL)
        return process.wait()

    def tail(self, limit: int = 300) -> str:
        try:
            with self.log_path.open("rb") as handle:
                handle.seek(max(0, self.log_path.stat().st_size - limit))
                return handle.read().decode("utf-8", errors="replace").strip()
        except OSError:
            return ""


def kill_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def stop_orphan(pid: int | None, started: str | None) -> bool:
    """Stop a player left running by a crashed agent (same pid *and* start time); True if one was stopped."""
    if pid is None or started is None or process_start_time(pid) != started:
        return False
    kill_group(pid, signal.SIGTERM)
    for _ in range(30):
        if process_start_time(pid) != started:
            return True
        time.sleep(0.1)
    kill_group(pid, signal.SIGKILL)
    return True
