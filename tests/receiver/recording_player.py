"""A stand-in for mpg123 in tests: logs what it "plays" and when, and takes as long as the audio would.

Usage: ``recording_player.py --log LOG [--scale S] [--min-seconds M] [--hold PRIORITY=SECONDS] FILE``.
Appends ``<unix time> <sha256 of FILE> start <item id> <pid>`` then, after ``duration × S`` seconds
(at least M; exactly SECONDS for items of that priority), ``... end ...``. On SIGTERM (an emergency
cutting in, or the agent stopping) it writes ``... term ...`` and exits 143 like a real player would.
Each line is one ``write`` on an ``O_APPEND`` file, so several players can share a log.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True, type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="Seconds played per second of audio")
    parser.add_argument("--min-seconds", type=float, default=0.0)
    parser.add_argument("--hold", action="append", default=[], help="PRIORITY=SECONDS: play items of that "
                        "priority this long (a long normal item for an emergency to cut)")
    parser.add_argument("--exit-status", type=int, default=0, help="Pretend the audio device failed")
    parser.add_argument("file", type=Path)
    args = parser.parse_args()
    digest = hashlib.sha256(args.file.read_bytes()).hexdigest()
    item = os.environ.get("BROADCAST_ITEM_ID", "-")

    def log(word: str) -> None:
        fd = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, f"{time.time():.3f} {digest} {word} {item} {os.getpid()}\n".encode())
        finally:
            os.close(fd)

    def terminated(_signum: int, _frame: object) -> None:
        log("term")
        sys.exit(143)

    signal.signal(signal.SIGTERM, terminated)
    log("start")
    duration = int(os.environ.get("BROADCAST_DURATION_MS", "1000")) / 1000
    holds = dict(h.split("=", 1) for h in args.hold)
    priority = os.environ.get("BROADCAST_PRIORITY", "normal")
    time.sleep(float(holds[priority]) if priority in holds else max(args.min_seconds, duration * args.scale))
    if args.exit_status:
        log("fail")
        return args.exit_status
    log("end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
