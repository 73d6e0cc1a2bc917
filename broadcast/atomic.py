"""Writing a file so that readers, and a power cut, see the old content or the new, never half.

One small leaf (standard library only) shared by the server's media store, the sentence cache and the
receiver's state files; the receiver may import it (tests/receiver/test_units.py checks what it loads).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_GLOB = ".*part-*"  # temp files of interrupted writes: ``.<name>.part-<random>``


def atomic_write(path: Path, data: bytes, fsync: bool = True, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` (temp file in the same directory, rename over the target).

    With ``fsync`` the data and the rename are made durable before returning (an SD card or a server
    losing power keeps the old file or the new one).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.part-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if fsync:
        fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make a rename durable: without this a power cut can undo it on some filesystems."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
