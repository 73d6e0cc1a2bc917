"""What several benchmarks share: starting ``broadcast serve`` on loopback, the fleet's command-line options
and the pass/fail verdict of ``--check``."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(data_dir: Path, env: dict[str, str], port: int | None = None, within_s: float = 90.0,
          options: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], str]:
    """``broadcast serve [options]`` with ``env`` on a loopback port (its log in ``data_dir/serve.log``), once
    /healthz answers; exits with a message if it stops or does not answer within ``within_s``."""
    port = port or free_port()
    log = (data_dir / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "broadcast.cli", "serve", "--port", str(port), *options],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"broadcast serve exited: see {data_dir / 'serve.log'}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("broadcast serve did not start")


def add_fleet_arguments(parser: argparse.ArgumentParser, *, receivers: int, stations: int, items: int,
                        interval: float) -> None:
    """The simulated fleet: how many receivers on how many stations, manifest size and poll interval."""
    parser.add_argument("--receivers", type=int, default=receivers)
    parser.add_argument("--stations", type=int, default=stations)
    parser.add_argument("--items", type=int, default=items, help="occurrences in each manifest")
    parser.add_argument("--interval", type=float, default=interval, help="seconds between one receiver's polls")


def verdict(failures: list[str]) -> int:
    """Print each failed target and return the exit status (1 when any failed)."""
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0
