"""Fleet benchmark: N simulated receivers against the API and against the same bytes as static files.

A fleet polls once per ``--interval`` (default 20,000 receivers every 60 s, each at its own offset plus
±10 % jitter, i.e. ~330 polls/s) for ``--duration`` seconds, then a burst of media downloads as at a slot
start (``--burst`` receivers fetch the same MP3 at once). Both phases run twice:

(a) against ``broadcast serve`` (``GET /api/v1/receiver/playlist`` with the device token and
    ``If-None-Match``; media from ``/api/v1/media/<sha>.mp3``);
(b) against nginx serving each receiver's signed manifest and the MP3 from a directory (what a CDN or an
    S3 gateway does with the published feed), with ``If-None-Match`` on its own ETags.

Prints achieved throughput, p50/p99 latency and the ratio of the API to nginx, and stops by itself.
nginx comes from Debian (``apt-get install nginx``); without it part (b) is skipped with a message.
Requests go out through a bounded pool of keep-alive connections (``--connections``), so the load
generator is not the bottleneck on a small machine; a request that cannot start on time counts from its
planned start (open loop: queueing shows in the latency).

Usage: ``.venv/bin/python bench/fleet_bench.py [--receivers 20000] [--interval 60] [--duration 60]``;
``--receivers 2000 --interval 6`` gives the same rate with a tenth of the set-up time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import add_fleet_arguments  # noqa: E402
from poll_bench import Connection, free_port, percentile, prepare, start_server, stop_server  # noqa: E402

MEDIA_BYTES = 480_000  # one minute of 64 kbit/s MP3


@dataclass
class Target:
    name: str
    host: str
    port: int
    poll_paths: list[str]
    poll_headers: list[dict[str, str]]
    media_path: str


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    bytes: int = 0

    def line(self) -> str:
        codes = ", ".join(f"{c}×{n}" for c, n in sorted(self.statuses.items()))
        extra = f"   {self.bytes / self.seconds / 2**20:7.1f} MiB/s" if self.bytes else ""
        return (f"  {self.name:<28} {self.requests / self.seconds:8.0f} req/s   p50 "
                f"{percentile(self.latencies, 0.5):8.2f} ms   p99 {percentile(self.latencies, 0.99):8.2f} ms"
                f"{extra}   [{codes}]")


class SizedConnection(Connection):
    """Connection that also counts body bytes (for the media burst)."""

    async def get_sized(self, path: str, headers: dict[str, str]) -> tuple[int, int]:
        import re

        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        match = re.search(rb"(?i)content-length:\s*(\d+)", head)
        size = int(match.group(1)) if match else 0
        if size:
            await self.reader.readexactly(size)
        return int(head[9:12]), size


async def fleet_polls(target: Target, interval: float, duration: float, connections: int, seed: int) -> Result:
    """Every receiver polls every ``interval`` s (own offset, ±10 % jitter) over a pool of connections."""
    rng = random.Random(seed)
    n = len(target.poll_paths)
    plan: list[tuple[float, int]] = []
    for index in range(n):
        at = rng.uniform(0, interval)
        while at < duration:
            plan.append((at, index))
            at += interval * rng.uniform(0.9, 1.1)
    plan.sort()
    queue: asyncio.Queue[tuple[float, int] | None] = asyncio.Queue()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    start = time.perf_counter()

    async def feeder() -> None:
        for at, index in plan:
            delay = start + at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((start + at, index))
        for _ in range(connections):
            queue.put_nowait(None)

    async def worker() -> None:
        connection = Connection(target.host, target.port)
        try:
            while (job := await queue.get()) is not None:
                planned, index = job
                status = await connection.get(target.poll_paths[index], target.poll_headers[index])
                latencies.append((time.perf_counter() - planned) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            connection.close()

    await asyncio.gather(feeder(), *(worker() for _ in range(connections)))
    return Result(f"{target.name}: polls", len(latencies), time.perf_counter() - start, latencies, statuses)


async def media_burst(target: Target, receivers: int, connections: int) -> Result:
    """``receivers`` downloads of the same MP3 all wanted at once (a slot start)."""
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    for n in range(receivers):
        queue.put_nowait(n)
    for _ in range(connections):
        queue.put_nowait(None)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    total = 0
    start = time.perf_counter()

    async def worker() -> None:
        nonlocal total
        connection = SizedConnection(target.host, target.port)
        try:
            while await queue.get() is not None:
                status, size = await connection.get_sized(target.media_path, {})
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                total += size
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return Result(f"{target.name}: media burst", len(latencies), time.perf_counter() - start, latencies, statuses,
                  total)


NGINX_CONF = """
daemon off;
worker_processes 1;
error_log {root}/error.log warn;
pid {root}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    types {{ application/json json; audio/mpeg mp3; }}
    server {{
        listen 127.0.0.1:{port};
        root {root}/www;
        etag on;
        location /feeds/ {{ add_header Cache-Control no-cache; }}
        location /api/v1/media/ {{ add_header Cache-Control "public, max-age=31536000, immutable"; }}
    }}
}}
"""


def start_nginx(workdir: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        print("nginx is not installed (apt-get install nginx): part (b) skipped")
        return None
    port = free_port()
    (workdir / "tmp").mkdir(exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=workdir, port=port))
    process = subprocess.Popen([binary, "-c", str(conf), "-p", str(workdir)], stdout=subprocess.DEVNULL,
                               stderr=(workdir / "nginx.out").open("wb"))
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process, port
        except httpx.HTTPError:
            if process.poll() is not None:
                print(f"nginx did not start: {(workdir / 'nginx.out').read_text()}")
                return None
            time.sleep(0.1)
    process.kill()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_fleet_arguments(parser, receivers=20_000, stations=2_000, items=4, interval=60.0)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of polling per target")
    parser.add_argument("--burst", type=int, default=2_000, help="media downloads at the slot start")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    workdir.chmod(0o755)  # nginx's workers (an unprivileged user) read the static files
    data_dir = workdir / "var"
    began = time.perf_counter()
    print(f"preparing {args.receivers} receivers on {args.stations} stations …", flush=True)
    tokens = prepare(data_dir, args.database_url, args.receivers, args.stations, args.items)
    process, url = start_server(data_dir, args.database_url)
    nginx = None
    try:
        www = workdir / "www"
        (www / "feeds").mkdir(parents=True)
        (www / "api" / "v1" / "media").mkdir(parents=True)
        api_headers, static_paths, etags = [], [], []
        with httpx.Client(base_url=url, timeout=60) as client:  # every receiver's first poll (enrolment)
            for n, token in enumerate(tokens):
                reply = client.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token}"})
                reply.raise_for_status()
                api_headers.append({"Authorization": f"Bearer {token}", "If-None-Match": reply.headers["etag"]})
                (www / "feeds" / f"{n}.json").write_bytes(reply.content)
                static_paths.append(f"/feeds/{n}.json")
        from broadcast.media import MediaStore

        media = random.Random(7).randbytes(MEDIA_BYTES)
        stored = MediaStore(data_dir / "media").put(media)
        (www / "api" / "v1" / "media" / f"{stored.sha256}.mp3").write_bytes(media)
        media_path = f"/api/v1/media/{stored.sha256}.mp3"
        print(f"set up in {time.perf_counter() - began:.0f} s; server {url} (one process)", flush=True)
        port = int(url.rsplit(":", 1)[1])
        targets = [Target("API", "127.0.0.1", port, ["/api/v1/receiver/playlist"] * len(tokens), api_headers,
                          media_path)]
        nginx = start_nginx(workdir)
        if nginx is not None:
            with httpx.Client(base_url=f"http://127.0.0.1:{nginx[1]}") as client:
                etags = [client.get(path).headers["etag"] for path in static_paths]
            targets.append(Target("nginx static", "127.0.0.1", nginx[1], static_paths,
                                  [{"If-None-Match": e} for e in etags], media_path))
        rate = len(tokens) / args.interval
        print(f"\n{len(tokens)} receivers every {args.interval:g} s ±10 % (≈{rate:.0f} polls/s) for "
              f"{args.duration:g} s; then {args.burst} downloads of a {MEDIA_BYTES // 1000} kB MP3 at once; "
              f"{args.connections} connections\n")
        results: dict[str, tuple[Result, Result]] = {}
        for target in targets:
            polls = asyncio.run(fleet_polls(target, args.interval, args.duration, args.connections, seed=1))
            burst = asyncio.run(media_burst(target, args.burst, args.connections))
            results[target.name] = (polls, burst)
            print(polls.line())
            print(burst.line(), flush=True)
        if "nginx static" in results:
            api, static = results["API"], results["nginx static"]
            print(f"\nratio API/nginx: polls p99 {percentile(api[0].latencies, .99):.1f} vs "
                  f"{percentile(static[0].latencies, .99):.1f} ms; media burst throughput "
                  f"{api[1].bytes / api[1].seconds / (static[1].bytes / static[1].seconds):.2f}")
            ok = percentile(api[0].latencies, 0.99) < 1000 and api[0].statuses.get(304, 0) == api[0].requests
            print(f"the API kept up with the fleet (every poll 304, p99 < 1 s): {'yes' if ok else 'NO'}")
    finally:
        if nginx is not None:
            nginx[0].terminate()
            nginx[0].wait(10)
        stop_server(process)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
