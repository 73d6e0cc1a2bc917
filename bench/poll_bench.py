"""Playlist-poll benchmark: N simulated receivers polling ``broadcast serve`` on loopback.

Compares the receiver poll (``GET /api/v1/receiver/playlist`` with ``If-None-Match``, the steady state of a
fleet) with the same server sending a static file of the same size (``GET /api/v1/media/<sha>.mp3``), and
prints the figures and their ratio. Two measurements:

1. **Latency at N receivers** (open loop): every receiver polls every ``--interval`` seconds on its own
   keep-alive connection, for ``--duration`` seconds (a real fleet polls every 60 s; 1 s is 60× that);
   a minimal asyncio HTTP/1.1 client is used so the load generator leaves the server most of the CPU.
   Prints achieved requests/s and p50/p99 latency; then the same for the static file.
2. **Throughput** (closed loop): as many requests as the server can take from ``--connections``
   connections, rotating over the N receivers' tokens and ETags — with ``wrk`` when installed
   (``apt-get install wrk``), else with httpx (then the client may be the bottleneck; it says so).

Runs on SQLite and on PostgreSQL (a database created on ``--postgres-url`` for the run and dropped after),
each with the scheduler on, for 75 s by default: longer than the 60 s last-seen resolution, so the batched
last-seen writes happen during the measurement (the bench counts them).

Usage: ``.venv/bin/python bench/poll_bench.py [--receivers 500] [--interval 1] [--duration 75]
[--backends sqlite,postgresql]``. Everything listens on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import add_fleet_arguments, free_port, serve  # noqa: E402
from broadcast.config import Settings  # noqa: E402
from broadcast.db import session_scope  # noqa: E402
from broadcast.models import AudioAsset, Bulletin, BulletinStation, BulletinStatus, PlacementMode, Role  # noqa: E402
from broadcast.runtime import Runtime  # noqa: E402
from broadcast.schedule.service import apply_template  # noqa: E402
from broadcast.schedule.templates import load_templates  # noqa: E402
from broadcast.services.accounts import create_user  # noqa: E402
from broadcast.services.placements import place  # noqa: E402
from broadcast.services.receivers import create_receiver  # noqa: E402
from broadcast.services.stations import create_station  # noqa: E402

MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@dataclass
class Fleet:
    url: str
    tokens: list[str]
    etags: list[str]
    manifest_bytes: int
    static_url: str


def tone_mp3(seconds: float, frequency: int) -> bytes:
    import imageio_ffmpeg

    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={frequency}:duration={seconds}:sample_rate=8000",
        "-ac",
        "1",
        "-b:a",
        "8k",
        "-f",
        "mp3",
        "-",
    ]
    return subprocess.run(command, check=True, capture_output=True).stdout


def prepare(data_dir: Path, database_url: str | None, receivers: int, stations: int, items: int) -> list[str]:
    """A province: stations with daily slots, receivers, and a few ready bulletins placed on every station."""
    settings = Settings(data_dir=data_dir, database_url=database_url, demo=False, scheduler=False, _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime.open(settings)
    tokens: list[str] = []
    with session_scope(runtime.engine) as session:
        admin = create_user(session, "admin", "bench-password-123", Role.admin)
        template = load_templates(settings.schedules_dir)["daily"]
        created = []
        for n in range(stations):
            station = create_station(session, f"xa-{n:04d}", f"Xã {n}", province="Lạng Sơn")
            apply_template(session, station, template)
            created.append(station)
        codes = [s.code for s in created]
        for n in range(receivers):
            tokens.append(create_receiver(session, created[n % stations], f"Cụm loa {n}")[1])
        for n in range(items):
            stored = runtime.media.put(tone_mp3(2, 300 + 40 * n))
            asset = AudioAsset(
                sha256=stored.sha256, path=stored.path, bytes=stored.size, duration_s=120.0, engine="bench-tone"
            )
            session.add(asset)
            session.flush()
            bulletin = Bulletin(
                title=f"Thông báo số {n}: lịch tiêm chủng, họp thôn và phòng chống lụt bão",
                text="…",
                status=BulletinStatus.ready,
                asset_id=asset.id,
                created_by=admin.id,
            )
            session.add(bulletin)
            session.flush()
            session.add_all(BulletinStation(bulletin_id=bulletin.id, station_id=s.id) for s in created)
            session.flush()
            place(
                session,
                admin,
                bulletin,
                station_codes=codes,
                mode=PlacementMode.at,
                at=MORNING + timedelta(hours=1, minutes=5 * n),
                now=MORNING,
            )
    runtime.close()
    return tokens


#: When each server (by URL) started: its clock is MORNING plus the time since.
SERVER_STARTED: dict[str, float] = {}
LAST_SEEN_S = 60


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop a server from :func:`start_server`: SIGTERM, then SIGKILL if it has not exited within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def start_server(data_dir: Path, database_url: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    SERVER_STARTED[f"http://127.0.0.1:{port}"] = time.monotonic()
    env = {
        **os.environ,
        "BROADCAST_DATA_DIR": str(data_dir),
        "BROADCAST_DEMO": "false",
        "BROADCAST_CLOCK_OFFSET_S": str((MORNING - datetime.now(UTC)).total_seconds()),
    }
    if database_url:
        env["BROADCAST_DATABASE_URL"] = database_url
    return serve(data_dir, env, port, within_s=60.0, options=("--no-access-log",))


def warm_up(url: str, tokens: list[str], data_dir: Path) -> Fleet:
    """Every receiver fetches its manifest once (as after enrolment) and keeps the ETag."""
    etags, sizes = [], []
    with httpx.Client(base_url=url, timeout=30) as client:
        for token in tokens:
            reply = client.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token}"})
            reply.raise_for_status()
            etags.append(reply.headers["etag"])
            sizes.append(len(reply.content))
    size = int(statistics.median(sizes))
    from broadcast.media import MediaStore

    stored = MediaStore(data_dir / "media").put(random.Random(1).randbytes(size))
    return Fleet(url, tokens, etags, size, f"/api/v1/media/{stored.sha256}.mp3")


@dataclass
class Figures:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    note: str = ""
    #: (seconds since the run started, latency in ms) of every request, for :func:`slow_seconds`
    timeline: list[tuple[float, float]] = field(default_factory=list)
    #: the load generator's own event-loop lag (p99, ms): when close to the p99 above, the machine is
    #: what was measured (CPU starved by other work), not the server
    client_lag_p99_ms: float = float("nan")

    @classmethod
    def measured(cls, name: str, latencies: list[float], seconds: float, statuses: dict[int, int],
                 **extra: Any) -> Figures:
        """Figures of one run from its per-request latencies (ms)."""
        return cls(name, len(latencies), seconds, percentile(latencies, 0.5), percentile(latencies, 0.99),
                   statuses, **extra)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        codes = ", ".join(f"{code}×{count}" for code, count in sorted(self.statuses.items()))
        return (
            f"  {self.name:<26} {self.rps:9.0f} req/s   p50 {self.p50_ms:7.2f} ms   p99 {self.p99_ms:7.2f} ms"
            f"   [{codes}]{self.note}"
        )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


class Connection:
    """A minimal HTTP/1.1 keep-alive client connection (GET only): far lighter on the CPU than httpx, so that
    on a 2-core machine the load generator takes less of the server's share."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def get(self, path: str, headers: dict[str, str]) -> int:
        if self.writer is None:
            await self.open()
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        match = re.search(rb"(?i)content-length:\s*(\d+)", head)
        if match:
            await self.reader.readexactly(int(match.group(1)))
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def open_loop(fleet: Fleet, static: bool, interval: float, duration: float, name: str = "") -> Figures:
    """Each simulated receiver requests every ``interval`` s on its own connection (start times spread)."""
    timeline: list[tuple[float, float]] = []
    statuses: dict[int, int] = {}
    lags: list[float] = []
    host, port = fleet.url.removeprefix("http://").split(":")
    # every receiver's keep-alive connection is open before the clock starts: the steady state of a fleet,
    # not 500 TCP handshakes in the first second (1.3 % of a 75 s run's requests, enough to set its p99)
    connections = [Connection(host, int(port)) for _ in fleet.tokens]
    await asyncio.gather(*(c.open() for c in connections))
    start = time.perf_counter()
    end = start + duration

    async def receiver(index: int) -> None:
        connection = connections[index]
        headers = (
            {} if static else {"Authorization": f"Bearer {fleet.tokens[index]}", "If-None-Match": fleet.etags[index]}
        )
        path = fleet.static_url if static else "/api/v1/receiver/playlist"
        next_at = start + interval * index / len(fleet.tokens)
        try:
            while True:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                if time.perf_counter() >= end:
                    return
                sent = time.perf_counter()
                status = await connection.get(path, headers)
                timeline.append((sent - start, (time.perf_counter() - sent) * 1000))
                statuses[status] = statuses.get(status, 0) + 1
                next_at += interval
        finally:
            connection.close()

    async def lag_probe() -> None:
        while time.perf_counter() < end:
            asked = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter() - asked - 0.01) * 1000)

    await asyncio.gather(lag_probe(), *(receiver(i) for i in range(len(fleet.tokens))))
    elapsed = time.perf_counter() - start
    latencies = [ms for _, ms in timeline]
    name = name or ("static file" if static else "playlist poll (304)")
    return Figures.measured(name, latencies, elapsed, statuses, timeline=timeline,
                            client_lag_p99_ms=percentile(lags, 0.99))


def slow_seconds(figures: Figures, over_ms: float = 50.0, worst: int = 6) -> str:
    """Where the slow requests fell: a stall of the server (a lock, a job holding the GIL, a flush) shows as
    a few seconds holding most of them, at the period of its cause (5 s last-seen flush, 60 s publication);
    a CPU-starved machine spreads them out."""
    slow: dict[int, list[float]] = {}
    for offset, ms in figures.timeline:
        if ms > over_ms:
            slow.setdefault(int(offset), []).append(ms)
    count = sum(len(v) for v in slow.values())
    if not count:
        return f"no request over {over_ms:g} ms"
    top = sorted(slow.items(), key=lambda kv: -len(kv[1]))[:worst]
    worst_text = ", ".join(f"{second} s: {len(v)} (max {max(v):.0f} ms)" for second, v in sorted(top))
    return (
        f"{count} requests over {over_ms:g} ms ({100 * count / max(1, figures.requests):.1f} %) in "
        f"{len(slow)} of {int(figures.seconds)} seconds; busiest seconds: {worst_text}"
    )


WRK_SCRIPT = """
local tokens, etags = {}, {}
for line in io.lines("%s") do
  local token, etag = line:match("^(%%S+) (.+)$")
  tokens[#tokens + 1] = token
  etags[#etags + 1] = etag
end
local n = math.random(#tokens)
request = function()
  n = n %% #tokens + 1
  return wrk.format("GET", "/api/v1/receiver/playlist",
                    {["Authorization"] = "Bearer " .. tokens[n], ["If-None-Match"] = etags[n]})
end
"""


def run_wrk(fleet: Fleet, static: bool, connections: int, seconds: int, workdir: Path) -> Figures:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if static:
        args.append(fleet.url + fleet.static_url)
    else:
        fleet_file = workdir / "fleet.txt"
        fleet_file.write_text("".join(f"{t} {e}\n" for t, e in zip(fleet.tokens, fleet.etags, strict=True)))
        script = workdir / "poll.lua"
        script.write_text(WRK_SCRIPT % fleet_file)
        args += ["-s", str(script), fleet.url + "/api/v1/receiver/playlist"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    note = (f"  non-2xx/3xx: {errors.group(1)}" if errors else "") + (
        f"  socket errors: {socket_errors.group(1)}" if socket_errors else ""
    )
    name = "static file" if static else "playlist poll (304)"
    return Figures(name, requests, float(seconds), latency("50"), latency("99"), {}, note)


async def closed_loop_httpx(fleet: Fleet, static: bool, connections: int, seconds: float) -> Figures:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=fleet.url, timeout=30, limits=limits) as client:
        end = time.perf_counter() + seconds
        start = time.perf_counter()

        async def worker(offset: int) -> None:
            n = offset
            while time.perf_counter() < end:
                n = (n + connections) % len(fleet.tokens)
                headers = (
                    {} if static else {"Authorization": f"Bearer {fleet.tokens[n]}", "If-None-Match": fleet.etags[n]}
                )
                sent = time.perf_counter()
                reply = await client.get(fleet.static_url if static else "/api/v1/receiver/playlist", headers=headers)
                latencies.append((time.perf_counter() - sent) * 1000)
                statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1

        await asyncio.gather(*(worker(i) for i in range(connections)))
        elapsed = time.perf_counter() - start
    name = "static file" if static else "playlist poll (304)"
    return Figures.measured(name, latencies, elapsed, statuses, note="  (httpx client: may be the bottleneck)")


async def closed_loop_raw(fleet: Fleet, static: bool, connections: int, seconds: float, name: str = "") -> Figures:
    """As many requests as the server takes from ``connections`` keep-alive connections, with the minimal
    client above (lighter than httpx, so the server, not the client, is what is measured)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    host, port = fleet.url.removeprefix("http://").split(":")
    end = time.perf_counter() + seconds
    start = time.perf_counter()

    async def worker(offset: int) -> None:
        connection = Connection(host, int(port))
        n = offset
        try:
            while time.perf_counter() < end:
                n = (n + connections) % len(fleet.tokens)
                headers = (
                    {} if static else {"Authorization": f"Bearer {fleet.tokens[n]}", "If-None-Match": fleet.etags[n]}
                )
                sent = time.perf_counter()
                status = await connection.get(fleet.static_url if static else "/api/v1/receiver/playlist", headers)
                latencies.append((time.perf_counter() - sent) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            connection.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.perf_counter() - start
    name = name or ("static file" if static else "playlist poll (304)")
    return Figures.measured(name, latencies, elapsed, statuses)


def start_bare(fleet: Fleet, workdir: Path) -> tuple[subprocess.Popen[bytes], Fleet]:
    """The baseline: ``bench/bare_poll_app.py`` (bare Starlette, same uvicorn) with this fleet in memory."""
    fleet_file = workdir / "bare-fleet.txt"
    fleet_file.write_text("".join(f"{t} {e}\n" for t, e in zip(fleet.tokens, fleet.etags, strict=True)))
    Path(str(fleet_file) + ".body").write_bytes(random.Random(2).randbytes(fleet.manifest_bytes))
    port = free_port()
    env = {**os.environ, "BARE_POLL_FLEET": str(fleet_file)}
    log = (workdir / "bare.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_poll_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"the bare Starlette baseline exited: see {workdir / 'bare.log'}")
        try:
            httpx.get(f"{url}/api/v1/receiver/playlist", timeout=1)
            return process, Fleet(url, fleet.tokens, fleet.etags, fleet.manifest_bytes, fleet.static_url)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the bare Starlette baseline did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def fresh_postgres(server_url: str) -> tuple[str, str]:
    """A new, empty database on ``server_url``'s server: (its URL, its name)."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"poll_bench_{os.getpid()}_{int(time.time())}"
    admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres(server_url: str, name: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    admin = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def last_seen_written(data_dir: Path, database_url: str | None, since: datetime) -> int:
    """How many receivers had their last-seen time written during the run (the batched writes happened)."""
    from sqlalchemy import func as sql_func
    from sqlmodel import select

    from broadcast.models import Receiver

    settings = Settings(data_dir=data_dir, database_url=database_url, demo=False, scheduler=False, _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime.open(settings, migrate=False)
    try:
        with session_scope(runtime.engine) as session:
            return session.exec(
                select(sql_func.count()).select_from(Receiver).where(Receiver.last_seen_at >= since)
            ).one()
    finally:
        runtime.close()


#: (backend, poll/bare ratio) of each backend run, for the summary.
RATIOS: list[tuple[str, float]] = []


def timed(run: Callable[[], Coroutine[Any, Any, Figures]]) -> Figures:
    """Run one open-loop measurement; its note says the machine's load around it and the client's own lag."""
    load_before = os.getloadavg()[0]
    figures = asyncio.run(run())
    figures.note = (
        f"  load {load_before:.1f}→{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores), "
        f"client lag p99 {figures.client_lag_p99_ms:.0f} ms"
    )
    return figures


def run_backend(label: str, database_url: str | None, args: argparse.Namespace) -> tuple[Figures, Figures, int]:
    workdir = Path(tempfile.mkdtemp(prefix="poll-bench-"))
    data_dir = workdir / "var"
    print(f"== {label}: preparing {args.receivers} receivers on {args.stations} stations, {args.items} items each …")
    tokens = prepare(data_dir, database_url, args.receivers, args.stations, args.items)
    process, url = start_server(data_dir, database_url)
    try:
        fleet = warm_up(url, tokens, data_dir)
        time.sleep(args.settle)  # measure the steady state, not the first pre-signing sweep of a fresh server
        print(
            f"server {url} (1 uvicorn process, scheduler on), manifest ≈ {fleet.manifest_bytes} bytes; "
            f"static file of the same size at {fleet.static_url[:30]}…\n"
        )
        print(
            f"1. latency: {args.receivers} receivers, each polling every {args.interval:g} s, for "
            f"{args.duration:g} s (open loop; past the {LAST_SEEN_S} s last-seen resolution, so every "
            "receiver's last-seen time is written during the run)"
        )
        # the service's clock runs at MORNING + elapsed time: writes during the run are stamped after this
        run_started = MORNING + timedelta(seconds=time.monotonic() - SERVER_STARTED[url]) - timedelta(seconds=1)
        poll_a = timed(lambda: open_loop(fleet, False, args.interval, args.duration))
        time.sleep(6)  # the last batch of last-seen times is flushed every 5 s
        written = last_seen_written(data_dir, database_url, run_started.astimezone(UTC))
        bare_process, bare = start_bare(fleet, workdir)
        try:  # the machine's floor right now: the same polls at the same rate, from memory, no database
            bare_a = timed(
                lambda: open_loop(bare, False, args.interval, min(args.duration, 30), "bare Starlette (304)")
            )
        finally:
            stop(bare_process)
        static_a = timed(lambda: open_loop(fleet, True, args.interval, min(args.duration, 20)))
        for figures in (poll_a, bare_a, static_a):
            print(figures.line())
        verdict = "OK" if poll_a.p99_ms < 50 else "ABOVE TARGET"
        print(
            f"  poll p99 {poll_a.p99_ms:.1f} ms (target < 50 ms: {verdict}); bare Starlette p99 at the same rate "
            f"{bare_a.p99_ms:.1f} ms; last-seen written for {written} of {args.receivers} receivers during the "
            f"run; throughput ratio poll/static {poll_a.rps / static_a.rps:.2f}"
        )
        print(f"  poll: {slow_seconds(poll_a)}")
        print(f"  bare: {slow_seconds(bare_a)}\n")

        tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "raw")
        print(
            f"2. throughput: closed loop, {args.connections} connections, {args.throughput_seconds} s ({tool}); "
            "baseline: a bare Starlette app (bench/bare_poll_app.py, same uvicorn) answering the same polls "
            "from memory"
        )
        bare_process, bare = start_bare(fleet, workdir)
        try:
            if tool == "wrk":
                poll_b = run_wrk(fleet, False, args.connections, args.throughput_seconds, workdir)
                bare_b = run_wrk(bare, False, args.connections, args.throughput_seconds, workdir)
                static_b = run_wrk(fleet, True, args.connections, args.throughput_seconds, workdir)
            elif tool == "raw":

                def measure(target: Fleet, static: bool, name: str = "") -> Figures:
                    return asyncio.run(closed_loop_raw(target, static, args.connections, args.throughput_seconds, name))

                poll_b = measure(fleet, False)
                bare_b = measure(bare, False, "bare Starlette (304)")
                static_b = measure(fleet, True)
            else:
                poll_b = asyncio.run(closed_loop_httpx(fleet, False, args.connections, args.throughput_seconds))
                bare_b = asyncio.run(closed_loop_httpx(bare, False, args.connections, args.throughput_seconds))
                static_b = asyncio.run(closed_loop_httpx(fleet, True, args.connections, args.throughput_seconds))
        finally:
            stop(bare_process)
        if bare_b.name == "playlist poll (304)":
            bare_b.name = "bare Starlette (304)"
        for figures in (poll_b, bare_b, static_b):
            print(figures.line())
        ratio = poll_b.rps / bare_b.rps
        print(
            f"  ratio poll/bare Starlette {ratio:.2f} (target ≥ 0.5: {'OK' if ratio >= 0.5 else 'BELOW TARGET'});"
            f" poll/static file {poll_b.rps / static_b.rps:.2f}\n"
        )
        RATIOS.append((label, ratio))
        return poll_a, poll_b, written
    finally:
        stop_server(process)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_fleet_arguments(parser, receivers=500, stations=100, items=6, interval=1.0)
    parser.add_argument(
        "--duration", type=float, default=75.0, help="seconds of the open-loop run (past the 60 s last-seen resolution)"
    )
    parser.add_argument("--connections", type=int, default=64, help="closed-loop connections")
    parser.add_argument("--throughput-seconds", type=int, default=10)
    parser.add_argument(
        "--settle",
        type=float,
        default=10.0,
        help="seconds to wait after the warm-up, so the start-up publication sweep is over",
    )
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BROADCAST_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a server where the bench may create (and drop) a database",
    )
    parser.add_argument(
        "--tool",
        choices=["auto", "wrk", "raw", "httpx"],
        default="auto",
        help="closed-loop client: wrk when installed, else the bench's minimal asyncio client",
    )
    args = parser.parse_args()
    summary = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "sqlite":
            summary.append(("SQLite", *run_backend("SQLite", None, args)))
        elif backend == "postgresql":
            url, name = fresh_postgres(args.postgres_url)
            try:
                summary.append(("PostgreSQL", *run_backend("PostgreSQL", url, args)))
            finally:
                drop_postgres(args.postgres_url, name)
        else:
            raise SystemExit(f"unknown backend {backend!r}")
    print("summary (open loop, scheduler on):")
    for label, latency, throughput, written in summary:
        print(
            f"  {label:<11} p50 {latency.p50_ms:6.2f} ms  p99 {latency.p99_ms:6.2f} ms  "
            f"{latency.rps:6.0f} req/s  last-seen written {written}  closed-loop {throughput.rps:6.0f} req/s"
            f"{latency.note}"
        )
    for label, ratio in RATIOS:
        print(f"  {label:<11} closed-loop poll / bare Starlette: {ratio:.2f} (target ≥ 0.5)")


if __name__ == "__main__":
    main()
