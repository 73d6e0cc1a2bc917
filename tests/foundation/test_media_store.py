"""The media store writes atomically and names files by content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from broadcast.atomic import TEMP_GLOB
from broadcast.media import MediaStore


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    data = b"ID3" + bytes(range(256)) * 10
    first, second = store.put(data), store.put(data)
    assert first == second
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert store.path_for(first.sha256).read_bytes() == data
    assert list(tmp_path.rglob(TEMP_GLOB)) == []


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = MediaStore(tmp_path)

    def broken_fsync(_fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("broadcast.atomic.os.fsync", broken_fsync)
    with pytest.raises(OSError):
        store.put(b"some audio")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_partials_from_a_crash_are_cleaned(tmp_path: Path) -> None:
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / ".part-xyz").write_bytes(b"half")
    assert MediaStore(tmp_path).remove_partials() == 1
    assert not (tmp_path / "ab" / ".part-xyz").exists()


def test_only_hex_digests_name_files(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        MediaStore(tmp_path).path_for("../../etc/passwd")
