"""Benchmark: peak memory of `broadcast say` on a 77,000-character text (about 2 hours of audio).

    .venv/bin/python bench/memory_bench.py [--chars 77000] [--check]

The text is bench/input/ban-tin-841.txt (a real commune notice) repeated to ``--chars`` characters; the
bench stops with a message when that file is missing. Runs the command as a child process with the
duration limit raised (BROADCAST_MAX_UPLOAD_MINUTES=600) and reports the child's own peak RSS (VmHWM read
inside the child as it exits: see tests/peak_memory.py for why not ru_maxrss); also prints what the default
30-minute limit does with the same text (refused up front, in well under a second of work) and that
command's peak. Target: peak RSS < 400 MB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.peak_memory import run_broadcast  # noqa: E402
from tests.web.test_reading_time import BULLETIN, long_text  # noqa: E402

PEAK_RSS_MB = 400


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=77_000)
    parser.add_argument("--check", action="store_true", help="exit 1 unless under target and refused by default")
    options = parser.parse_args()
    if not BULLETIN.is_file():
        print(f"memory bench: its input text {BULLETIN} is missing (restore it from git)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp:
        work = Path(tmp)
        source = work / "long.txt"
        source.write_text(long_text(options.chars), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BROADCAST_")}
        env["BROADCAST_DATA_DIR"] = str(work / "var")
        started = time.perf_counter()
        refused = run_broadcast(["say", "-f", str(source), "-o", str(work / "x.mp3")], env, timeout=300)
        refused_s = time.perf_counter() - started
        env["BROADCAST_MAX_UPLOAD_MINUTES"] = "600"
        started = time.perf_counter()
        result = run_broadcast(["say", "-f", str(source), "-o", str(work / "long.mp3")], env, timeout=7200)
        elapsed = time.perf_counter() - started
    print(f"text                {options.chars} characters")
    print(
        f"default limit       exit {refused.returncode} in {refused_s:.1f} s, peak {refused.peak_mb:.0f} MB: "
        f"{refused.stderr.strip()[:200]}"
    )
    print(f"limit raised        exit {result.returncode} in {elapsed:.0f} s: {result.stdout.strip()[:160]}")
    print(f"peak RSS            {result.peak_mb:.0f} MB  (the child's own VmHWM; target < {PEAK_RSS_MB} MB)")
    if result.returncode != 0:
        print(result.stderr[-1500:])
        return 1
    if options.check and (result.peak_mb >= PEAK_RSS_MB or refused.returncode == 0):
        print("FAIL")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
