"""The sentence cache: keys, round trip, bound, LRU eviction, damage, threads and processes."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from broadcast.atomic import TEMP_GLOB
from broadcast.synth import Pcm, SentenceCache, cache_key


def pcm(seed: int, seconds: float = 0.5, rate: int = 22050) -> Pcm:
    rng = np.random.default_rng(seed)
    return Pcm((rng.standard_normal(int(seconds * rate)) * 3000).astype(np.int16), rate)


def test_keys_depend_on_engine_settings_and_text() -> None:
    base = cache_key("espeak", {"voice": "vi+f3", "rate": 1.0}, "Xin chào.")
    assert base == cache_key("espeak", {"rate": 1.0, "voice": "vi+f3"}, "Xin chào.")  # order-free
    assert base != cache_key("gtts", {"voice": "vi+f3", "rate": 1.0}, "Xin chào.")
    assert base != cache_key("espeak", {"voice": "vi+f3", "rate": 0.9}, "Xin chào.")
    assert base != cache_key("espeak", {"voice": "vi+f3", "rate": 1.0}, "Xin chào!")


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    cache = SentenceCache(tmp_path, 10 * 1024 * 1024)
    original = pcm(1)
    assert cache.get("ab" * 32) is None
    cache.put("ab" * 32, original)
    again = cache.get("ab" * 32)
    assert again is not None and again.sample_rate == 22050
    assert np.array_equal(again.samples, original.samples)
    reopened = SentenceCache(tmp_path, 10 * 1024 * 1024)  # another process, or after a restart
    assert len(reopened) == 1 and reopened.total_bytes == cache.total_bytes
    hit = reopened.get("ab" * 32)
    assert hit is not None and np.array_equal(hit.samples, original.samples)


def test_size_is_bounded_and_recently_used_entries_survive(tmp_path: Path) -> None:
    entry_bytes = 22050 + 44  # 0.5 s of 16-bit mono plus the WAV header
    cache = SentenceCache(tmp_path, 10 * entry_bytes)
    keys = [f"{i:064x}" for i in range(30)]
    cache.put(keys[0], pcm(0))
    for i, key in enumerate(keys[1:], start=1):
        cache.put(key, pcm(i))
        assert cache.get(keys[0]) is not None  # keep the first one hot
        assert cache.total_bytes <= cache.max_bytes
    on_disk = sum(p.stat().st_size for p in tmp_path.glob("*/*.wav"))
    assert on_disk == cache.total_bytes <= 10 * entry_bytes
    assert cache.get(keys[0]) is not None
    assert cache.get(keys[1]) is None  # the oldest untouched entries went first
    assert cache.get(keys[-1]) is not None


def test_damaged_or_vanished_entries_are_misses(tmp_path: Path) -> None:
    cache = SentenceCache(tmp_path, 1 << 20)
    cache.put("cd" * 32, pcm(2))
    path = next(tmp_path.glob("*/*.wav"))
    path.write_bytes(b"RIFF garbage")
    assert cache.get("cd" * 32) is None and not path.exists()
    cache.put("ef" * 32, pcm(3))
    next(tmp_path.glob("*/*.wav")).unlink()  # evicted by another process
    assert cache.get("ef" * 32) is None and len(cache) == 0
    with pytest.raises(ValueError):
        SentenceCache(tmp_path, 0)


def test_concurrent_use_from_threads(tmp_path: Path) -> None:
    cache = SentenceCache(tmp_path, 40 * 23000)
    values = {f"{i:064x}": pcm(i, 0.5) for i in range(60)}
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for round_ in range(3):
                for i, (key, value) in enumerate(values.items()):
                    if (i + offset + round_) % 3 == 0:
                        cache.put(key, value)
                    got = cache.get(key)
                    if got is not None:
                        assert np.array_equal(got.samples, value.samples)
        except BaseException as exc:  # noqa: BLE001 - collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.total_bytes <= cache.max_bytes
    assert not list(tmp_path.glob(f"*/{TEMP_GLOB}"))  # no temp files left behind
