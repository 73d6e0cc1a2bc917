"""A long text renders part by part with bounded memory: peak RSS of the whole `broadcast say` process
(the child's own high-water mark) stays under 400 MB, and the joined MP3 still meets the targets.

The peak is read from ``VmHWM`` in /proc/self/status, not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux keeps
ru_maxrss across exec, so a child spawned by a large pytest process started with the parent's resident size
as its "peak" (425 MB late in a full run for a render that peaks at ~230 MB). VmHWM belongs to the address
space the child's exec created, so it is the render's own peak.

Before parts, a 20,000-character text (30 minutes of audio) peaked at 1.7 GB; bench/memory_bench.py runs
the 77,000-character case (about 2 hours of audio)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from broadcast.audio import measure_mp3
from tests.web.test_reading_time import long_text

PEAK_RSS_MB = 400
MEASURE = """
import sys
from broadcast.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exit:
    code = exit.code or 0
else:
    code = 0
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"peak_rss_kb={int(hwm.split()[1])}")
sys.exit(code)
"""


def test_a_long_text_renders_under_400_mb(tmp_path: Path) -> None:
    source = tmp_path / "dai.txt"
    source.write_text(long_text(12_000), encoding="utf-8")
    out = tmp_path / "dai.mp3"
    env = {**os.environ, "BROADCAST_DATA_DIR": str(tmp_path / "var"), "BROADCAST_MAX_UPLOAD_MINUTES": "600"}
    result = subprocess.run([sys.executable, "-c", MEASURE, "say", "-f", str(source), "-o", str(out)],
                            capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    peak_mb = int(result.stdout.rsplit("peak_rss_kb=", 1)[1].split()[0]) / 1024
    assert peak_mb < PEAK_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
    measured = measure_mp3(out.read_bytes())
    assert measured.duration_s > 15 * 60  # several parts joined
    assert abs(measured.lufs - -16.0) <= 1.0
    assert measured.true_peak_dbtp <= -1.5 + 0.05
