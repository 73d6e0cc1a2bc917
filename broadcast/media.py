"""The media store: audio files named by their SHA-256, written atomically.

A file appears under its final name only once it is complete (temp file in the same directory, fsync,
rename), so a crash never leaves a half-written file where a receiver could download it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from broadcast.atomic import TEMP_GLOB, atomic_write

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class StoredMedia:
    sha256: str
    path: str  # relative to the store root
    size: int


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, sha256: str, suffix: str = ".mp3") -> str:
        if not SHA256_RE.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return f"{sha256[:2]}/{sha256}{suffix}"

    def path_for(self, sha256: str, suffix: str = ".mp3") -> Path:
        return self.root / self.relative_path(sha256, suffix)

    def exists(self, sha256: str, suffix: str = ".mp3") -> bool:
        return self.path_for(sha256, suffix).is_file()

    def put(self, data: bytes, suffix: str = ".mp3") -> StoredMedia:
        """Store ``data`` under its digest; storing the same bytes twice is a no-op."""
        sha256 = hashlib.sha256(data).hexdigest()
        relative = self.relative_path(sha256, suffix)
        final = self.root / relative
        if final.is_file() and final.stat().st_size == len(data):
            return StoredMedia(sha256, relative, len(data))
        atomic_write(final, data)
        return StoredMedia(sha256, relative, len(data))

    def remove_partials(self) -> int:
        """Delete temp files left by a crash mid-write; returns how many."""
        count = 0
        if self.root.is_dir():
            for leftover in self.root.glob(f"*/{TEMP_GLOB}"):
                leftover.unlink(missing_ok=True)
                count += 1
        return count
