"""The media cache: audio files named by SHA-256, complete and checked before they get their final name.

A download goes to ``media/.partial/<sha256>.part``, resumes with ``Range`` after an interruption, is
refused beyond the size the manifest announced, and is renamed to ``media/<sha256>.mp3`` only once its
size and SHA-256 match. So a file under its final name is always whole; and since an SD card can still
rot, :meth:`MediaCache.verify` hashes it again right before it plays.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from broadcast.atomic import fsync_dir
from broadcast.receiver.sync import ServerClient, ServerError

log = logging.getLogger(__name__)
FetchKind = Literal["ok", "aborted", "network", "integrity", "refused"]


@dataclass(frozen=True)
class FetchResult:
    """``integrity`` and ``refused`` are reported to the server; ``network`` just waits for the link."""

    kind: FetchKind
    detail: str = ""
    resumed_from: int = 0


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


class MediaCache:
    def __init__(self, state_dir: Path, max_bytes: int, reserve_bytes: int = 20 * 1024 * 1024) -> None:
        self.dir = state_dir / "media"
        self.partial_dir = self.dir / ".partial"
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.reserve_bytes = reserve_bytes

    def path(self, sha256: str) -> Path:
        return self.dir / f"{sha256}.mp3"

    def partial(self, sha256: str) -> Path:
        return self.partial_dir / f"{sha256}.part"

    def ready(self, sha256: str, size: int) -> bool:
        """Present under its final name with the announced size (hashes are checked at rename and at play)."""
        try:
            return self.path(sha256).stat().st_size == size
        except FileNotFoundError:
            return False

    def verify(self, sha256: str, size: int) -> str | None:
        """None if the file is intact, else what is wrong with it."""
        path = self.path(sha256)
        try:
            actual_size = path.stat().st_size
        except FileNotFoundError:
            return "the file is missing"
        if actual_size != size:
            return f"the file has {actual_size} bytes, the manifest says {size}"
        actual = sha256_file(path)
        return None if actual == sha256 else f"the file's sha256 is {actual}"

    def discard(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)
        self.partial(sha256).unlink(missing_ok=True)

    def collect(self, keep: set[str]) -> list[str]:
        """Delete files (finished or partial) that nothing needs any more; returns their hashes."""
        removed = []
        for path in [*self.dir.glob("*.mp3"), *self.partial_dir.glob("*.part")]:
            if path.stem not in keep:
                path.unlink(missing_ok=True)
                removed.append(path.stem)
        for stray in self.dir.glob("*.tmp"):
            stray.unlink(missing_ok=True)
        return removed

    def free_bytes(self) -> int:
        return shutil.disk_usage(self.dir).free

    def fetch(self, client: ServerClient, sha256: str, size: int, url: str,
              abort: Callable[[], bool] = lambda: False) -> FetchResult:
        """Download one file into place, resuming a partial one; never leaves a bad file under the final name."""
        if size > self.max_bytes:
            return FetchResult("refused", f"{size} bytes is more than the {self.max_bytes}-byte cap")
        partial = self.partial(sha256)
        have = self._usable_partial(partial, size)
        if self.free_bytes() - (size - have) < self.reserve_bytes:
            return FetchResult("refused", f"not enough free disk for {size - have} more bytes")
        download = _Download(partial, size, have)
        try:
            with client.stream(url, {"Range": f"bytes={have}-"} if have else {}) as reply:
                refusal = download.start(reply, url)
                if refusal is not None:
                    return refusal
                stopped = download.receive(reply, abort)
                if stopped is not None:
                    return stopped
        except (httpx.HTTPError, ServerError) as exc:
            return FetchResult("network", f"interrupted at {download.have} of {size} bytes: "
                                          f"{exc.__class__.__name__}: {exc}", download.resumed_from)
        return self._finish(partial, sha256, size, download.have, download.resumed_from)

    @staticmethod
    def _usable_partial(partial: Path, size: int) -> int:
        """How many bytes of an earlier attempt can be resumed from."""
        have = partial.stat().st_size if partial.exists() else 0
        if have >= size:  # a partial as long as the whole file would already have been renamed: it is bad
            partial.unlink()
            return 0
        return have

    def _finish(self, partial: Path, sha256: str, size: int, have: int, resumed_from: int) -> FetchResult:
        """Check the complete download and give it its final name, or throw it away."""
        if have < size:
            partial.unlink(missing_ok=True)
            return FetchResult("integrity", f"truncated: received {have} of {size} bytes", resumed_from)
        actual = sha256_file(partial)
        if actual != sha256:
            partial.unlink(missing_ok=True)
            return FetchResult("integrity", f"sha256 mismatch: received {actual}", resumed_from)
        os.replace(partial, self.path(sha256))
        fsync_dir(self.dir)
        return FetchResult("ok", f"{size} bytes" + (f", resumed from byte {resumed_from}" if resumed_from else ""),
                           resumed_from)


class _Download:
    """One attempt at fetching a file into its partial: how the server answered, then the bytes as they come."""

    def __init__(self, partial: Path, size: int, have: int) -> None:
        self.partial, self.size, self.have = partial, size, have
        self.mode, self.resumed_from = "wb", 0

    def start(self, reply: httpx.Response, url: str) -> FetchResult | None:
        """Decide from the status whether to append, start over or give up (the result when giving up)."""
        status = reply.status_code
        if status == 206 and self.have and _range_start(reply) == self.have:
            self.mode, self.resumed_from = "ab", self.have
            return None
        if status == 200:
            self.mode, self.have = "wb", 0
            return None
        if status == 206:
            self.partial.unlink(missing_ok=True)
            return FetchResult("network", "the server answered with another range than asked; starting over")
        if status == 416:
            self.partial.unlink(missing_ok=True)
            return FetchResult("integrity", f"the server has fewer than {self.have} bytes of a "
                                            f"{self.size}-byte file (HTTP 416)")
        if status in (404, 410):
            return FetchResult("refused", f"the server has no such media (HTTP {status})")
        return FetchResult("network", f"HTTP {status} for {url}")

    def receive(self, reply: httpx.Response, abort: Callable[[], bool]) -> FetchResult | None:
        """Write the body as it arrives (a cut loses nothing received); a result when stopped early."""
        with self.partial.open(self.mode) as handle:
            for chunk in reply.iter_bytes():
                if self.have + len(chunk) > self.size:
                    handle.close()
                    self.partial.unlink(missing_ok=True)
                    return FetchResult("integrity", f"the server sent more than the announced {self.size} bytes")
                handle.write(chunk)
                self.have += len(chunk)
                if abort() and self.have < self.size:
                    return FetchResult("aborted", f"paused at {self.have} of {self.size} bytes", self.resumed_from)
            handle.flush()
            os.fsync(handle.fileno())
        return None


def _range_start(reply: httpx.Response) -> int | None:
    value = reply.headers.get("content-range", "")  # "bytes 100-199/1000"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None
