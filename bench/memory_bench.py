"""Benchmark: peak memory of `broadcast say` on a 77,000-character text (about 2 hours of audio).

    .venv/bin/python bench/memory_bench.py [--chars 77000] [--check]

Runs the command as a child process with the duration limit raised (BROADCAST_MAX_UPLOAD_MINUTES=600) and
reads the child's peak RSS with resource.getrusage; also prints what the default 30-minute limit does
with the same text (refused up front, in well under a second of work). Target: peak RSS < 400 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.web.test_reading_time import long_text  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=77_000)
    parser.add_argument("--check", action="store_true")
    options = parser.parse_args()
    broadcast = str(Path(sys.executable).parent / "broadcast")
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
        work = Path(tmp)
        source = work / "long.txt"
        source.write_text(long_text(options.chars), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
        env["BROADCAST_DATA_DIR"] = str(work / "var")
        started = time.perf_counter()
        refused = subprocess.run([broadcast, "say", "-f", str(source), "-o", str(work / "x.mp3")], env=env,
                                 capture_output=True, text=True)
        refused_s = time.perf_counter() - started
        env["BROADCAST_MAX_UPLOAD_MINUTES"] = "600"
        started = time.perf_counter()
        result = subprocess.run([broadcast, "say", "-f", str(source), "-o", str(work / "long.mp3")], env=env,
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child
    print(f"text                {options.chars} characters")
    print(f"default limit       exit {refused.returncode} in {refused_s:.1f} s: {refused.stderr.strip()[:160]}")
    print(f"limit raised        exit {result.returncode} in {elapsed:.0f} s: {result.stdout.strip()[:160]}")
    print(f"peak RSS            {peak_mb:.0f} MB  (target < 400 MB)")
    if result.returncode != 0:
        print(result.stderr[-1500:])
        return 1
    if options.check and (peak_mb >= 400 or refused.returncode == 0):
        print("FAIL")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
