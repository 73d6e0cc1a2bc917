"""A long text renders part by part with bounded memory: peak RSS of the whole `broadcast say` process
(the child's own high-water mark, see tests/peak_memory.py) stays under 400 MB, and the joined MP3 still
meets the targets.

Before parts, a 20,000-character text (30 minutes of audio) peaked at 1.7 GB; bench/memory_bench.py runs
the 77,000-character case (about 2 hours of audio)."""

from __future__ import annotations

import os
from pathlib import Path

from broadcast.audio import measure_mp3
from tests.peak_memory import run_broadcast
from tests.web.test_reading_time import long_text

PEAK_RSS_MB = 400


def test_a_long_text_renders_under_400_mb(tmp_path: Path) -> None:
    source = tmp_path / "dai.txt"
    source.write_text(long_text(12_000), encoding="utf-8")
    out = tmp_path / "dai.mp3"
    env = {**os.environ, "BROADCAST_DATA_DIR": str(tmp_path / "var"), "BROADCAST_MAX_UPLOAD_MINUTES": "600"}
    result = run_broadcast(["say", "-f", str(source), "-o", str(out)], env, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.peak_mb < PEAK_RSS_MB, f"peak RSS {result.peak_mb:.0f} MB"
    measured = measure_mp3(out.read_bytes())
    assert measured.duration_s > 15 * 60  # several parts joined
    assert abs(measured.lufs - -16.0) <= 1.0
    assert measured.true_peak_dbtp <= -1.5 + 0.05
