"""Sentence cache: spoken sentences stored by what produced them, so an edit re-speaks only what changed.

The key is a SHA-256 over (engine, the profile settings that change that engine's output, the spoken
sentence); pauses, intro and loudness are applied later and are not part of it. Entries are small WAV
files written atomically (temp file + rename), so another process never reads half a file. The cache
is bounded: when it grows past ``max_bytes`` the least recently used entries are deleted down to 90 %.
A lock serialises bookkeeping between threads; files that vanish or fail to parse (another process
evicted them, a crash) are simply misses.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import threading
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from broadcast.atomic import TEMP_GLOB, atomic_write
from broadcast.synth.pcm import Pcm

#: Bump when the stored format or the meaning of a key changes.
FORMAT_VERSION = 1
_SUFFIX = ".wav"


def cache_key(engine: str, settings: dict[str, Any], sentence: str) -> str:
    payload = json.dumps(
        {"v": FORMAT_VERSION, "engine": engine, "settings": settings, "text": sentence},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _to_wav(pcm: Pcm) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(pcm.sample_rate)
        out.writeframes(pcm.samples.astype("<i2").tobytes())
    return buffer.getvalue()


def _from_wav(data: bytes) -> Pcm:
    with wave.open(io.BytesIO(data), "rb") as source:
        if source.getnchannels() != 1 or source.getsampwidth() != 2:
            raise ValueError("unexpected cache entry format")
        frames = source.readframes(source.getnframes())
        return Pcm(np.frombuffer(frames, dtype="<i2").astype(np.int16), source.getframerate())


class SentenceCache:
    """Bounded on-disk cache of synthesised sentences (thread-safe; safe to share between processes)."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.directory = Path(directory)
        self.max_bytes = int(max_bytes)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[int, float]] = {}  # key -> (size, last use)
        self._total = 0
        self.hits = 0
        self.misses = 0
        self._remove_stale_temp_files()
        self._scan()

    def _remove_stale_temp_files(self, older_than_s: float = 3600.0) -> None:
        """Temp files left by a process that died mid-write."""
        cutoff = time.time() - older_than_s
        for path in self.directory.glob(f"*/{TEMP_GLOB}"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}{_SUFFIX}"

    def _scan(self) -> None:
        """Rebuild the index from disk (also picks up entries written by other processes)."""
        entries: dict[str, tuple[int, float]] = {}
        for path in self.directory.glob(f"*/*{_SUFFIX}"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries[path.stem] = (stat.st_size, stat.st_mtime)
        self._entries = entries
        self._total = sum(size for size, _ in entries.values())

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self._total

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(self, key: str) -> Pcm | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            pcm = _from_wav(data)
        except FileNotFoundError:
            with self._lock:
                self.misses += 1
                self._forget(key)
            return None
        except (OSError, ValueError, EOFError, wave.Error):
            path.unlink(missing_ok=True)  # damaged entry: drop it
            with self._lock:
                self.misses += 1
                self._forget(key)
            return None
        now = time.time()
        with contextlib.suppress(OSError):
            os.utime(path, (now, now))  # recency survives restarts through the mtime
        with self._lock:
            self.hits += 1
            if key not in self._entries:
                self._total += len(data)
            self._entries[key] = (len(data), now)
        return pcm

    def put(self, key: str, pcm: Pcm) -> None:
        data = _to_wav(pcm)
        if len(data) > self.max_bytes:
            return  # larger than the whole cache: not worth keeping
        path = self._path(key)
        atomic_write(path, data)
        with self._lock:
            previous = self._entries.get(key)
            if previous:
                self._total -= previous[0]
            self._entries[key] = (len(data), time.time())
            self._total += len(data)
            if self._total > self.max_bytes:
                self._evict()

    def _forget(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry:
            self._total -= entry[0]

    def _evict(self) -> None:
        """Delete least recently used entries down to 90 % of the limit; caller holds the lock."""
        self._scan()
        goal = int(self.max_bytes * 0.9)
        for key, (size, _) in sorted(self._entries.items(), key=lambda item: item[1][1]):
            if self._total <= goal:
                break
            self._path(key).unlink(missing_ok=True)
            self._entries.pop(key, None)
            self._total -= size

    def clear(self) -> None:
        with self._lock:
            for key in list(self._entries):
                self._path(key).unlink(missing_ok=True)
            self._entries.clear()
            self._total = 0
