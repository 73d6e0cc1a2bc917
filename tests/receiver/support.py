"""Test harness for the receiver: loopback HTTP services (a contract server, a tampering proxy in front of
the real server), receiver processes, and the recording player's log.

Everything listens on 127.0.0.1 only; nothing here touches the internet.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from broadcast.keys import SigningKey
from broadcast.protocol import Manifest, ManifestItem, canonical_bytes, sign

REPO = Path(__file__).resolve().parents[2]
PLAYER = Path(__file__).with_name("recording_player.py")

Reply = tuple[int, dict[str, str], bytes | Iterable[bytes]]


def read_decisions(path: Path) -> list[dict[str, Any]]:
    """Every complete line of an agent's decision log (``receiver/decisions.py``; a line being written is
    left for the next read)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")[:-1] if line]


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1, what: str = "condition"
             ) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not met within {timeout} s")


# ---- a tiny threaded HTTP service -----------------------------------------------------------------------

class HTTPService:
    """Serves ``self.handle(method, path, headers, body)`` on a loopback port; stop/start keep the port."""

    date_offset_s = 0.0

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                return formatdate((timestamp or time.time()) + service.date_offset_s, usegmt=True)

            def _serve(self) -> None:
                if service.server is None:  # stopped: a kept-alive connection must not outlive the service
                    self.close_connection = True
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = service.handle(self.command, self.path, dict(self.headers.items()), body)
                chunks = [payload] if isinstance(payload, bytes) else payload
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if isinstance(payload, bytes):
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = _serve  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError


def json_reply(status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(value).encode()


def range_reply(data: bytes, headers: dict[str, str]) -> Reply:
    """What a static file server answers, Range included."""
    wanted = headers.get("Range") or headers.get("range")
    if wanted and wanted.startswith("bytes="):
        start = int(wanted[6:].split("-")[0])
        if start >= len(data):
            return 416, {"Content-Range": f"bytes */{len(data)}"}, b""
        return 206, {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                     "Content-Type": "audio/mpeg"}, data[start:]
    return 200, {"Content-Type": "audio/mpeg", "Accept-Ranges": "bytes"}, data


# ---- the protocol, served from memory ------------------------------------------------------------------

@dataclass
class Published:
    body: bytes
    etag: str


@dataclass
class ContractServer(HTTPService):
    """The receiver protocol v1 as the brief describes it, with every knob a test needs."""

    key: SigningKey = field(default_factory=lambda: SigningKey(Ed25519PrivateKey.generate()))
    tokens: dict[str, int] = field(default_factory=dict)
    manifests: dict[int, Published] = field(default_factory=dict)
    sequences: dict[int, int] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)
    events: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    report_replies: list[tuple[int, int]] = field(default_factory=list)  # (accepted, duplicates) per request
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    refuse_event: Callable[[dict[str, Any]], bool] | None = None
    lose_acks: int = 0  # store the next N report batches but answer 500, as if the reply were lost
    media_hook: Callable[[str, bytes, dict[str, str]], Reply | None] | None = None

    def __post_init__(self) -> None:
        HTTPService.__init__(self)

    def add_receiver(self, receiver_id: int) -> str:
        token = f"rcv_{receiver_id:04d}abcd.{hashlib.sha256(str(receiver_id).encode()).hexdigest()[:32]}"
        self.tokens[token] = receiver_id
        return token

    def add_media(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.media[sha] = data
        return sha

    def item(self, item_id: int, sha: str, play_at: datetime, priority: str = "normal", duration_ms: int = 1000,
             title: str = "", valid_until: datetime | None = None) -> ManifestItem:
        return ManifestItem(id=item_id, title=title or f"item {item_id}", priority=priority, play_at=play_at,  # type: ignore[arg-type]
                            valid_until=valid_until, duration_ms=duration_ms,
                            media_url=f"{self.url}/api/v1/media/{sha}.mp3", sha256=sha, bytes=len(self.media[sha]))

    def publish(self, receiver_id: int, items: list[ManifestItem], *, sequence: int | None = None,
                valid_for: timedelta = timedelta(hours=24), key: SigningKey | None = None,
                poll_interval_s: int = 60, for_receiver: int | None = None) -> bytes:
        now = datetime.now(UTC)
        sequence = sequence if sequence is not None else self.sequences.get(receiver_id, 0) + 1
        self.sequences[receiver_id] = max(sequence, self.sequences.get(receiver_id, 0))
        manifest = Manifest(receiver_id=for_receiver or receiver_id, station="xa-test", sequence=sequence,
                            generated_at=now, valid_until=now + valid_for, poll_interval_s=poll_interval_s,
                            emergency=any(i.priority == "emergency" for i in items), items=items)
        body = sign(manifest, (key or self.key).private_key)
        etag = f'"{receiver_id}-{sequence}-{hashlib.sha256(body).hexdigest()[:6]}"'
        self.manifests[receiver_id] = Published(body, etag)
        return body

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        self.requests.append((method, path, headers))
        lower = {k.lower(): v for k, v in headers.items()}
        if path == "/api/v1/receiver/signing-key":
            return json_reply(200, {"alg": "Ed25519", "key_id": self.key.key_id, "public_key": self.key.public_b64})
        if path.startswith("/api/v1/media/"):
            sha = path.rsplit("/", 1)[1].removesuffix(".mp3")
            if sha not in self.media:
                return json_reply(404, {"detail": "no such media"})
            hooked = self.media_hook(sha, self.media[sha], lower) if self.media_hook else None
            return hooked or range_reply(self.media[sha], lower)
        receiver = self.tokens.get(lower.get("authorization", "").removeprefix("Bearer "))
        if receiver is None:
            return json_reply(401, {"detail": "unknown or revoked device token"})
        if path == "/api/v1/receiver/playlist" and method == "GET":
            if receiver not in self.manifests:
                self.publish(receiver, [])
            published = self.manifests[receiver]
            if lower.get("if-none-match") == published.etag:
                return 304, {"ETag": published.etag}, b""
            return 200, {"Content-Type": "application/json", "ETag": published.etag}, published.body
        if path == "/api/v1/receiver/reports" and method == "POST":
            return self._reports(receiver, json.loads(body))
        return json_reply(404, {"detail": "not found"})

    def _reports(self, receiver: int, payload: dict[str, Any]) -> Reply:
        events = payload.get("events") or []
        if len(events) > 500 or any(self.refuse_event and self.refuse_event(e) for e in events):
            return json_reply(422, {"detail": "invalid event"})
        accepted, duplicates = [], []
        for event in events:
            key = (receiver, event["event_id"])
            (duplicates if key in self.events else accepted).append(event["event_id"])
            self.events.setdefault(key, event)
        if payload.get("heartbeat"):
            self.heartbeats.append({"receiver": receiver, **payload["heartbeat"]})
        self.report_replies.append((len(accepted), len(duplicates)))
        if self.lose_acks > 0:
            self.lose_acks -= 1
            return json_reply(500, {"detail": "reply lost"})
        return json_reply(200, {"accepted": accepted, "duplicates": duplicates})

    def kinds(self, receiver: int | None = None) -> list[tuple[str, int | None]]:
        return [(e["kind"], e["item_id"]) for (r, _), e in self.events.items() if receiver in (None, r)]


# ---- a tampering proxy in front of the real server ----------------------------------------------------

class Proxy(HTTPService):
    """Forwards to ``upstream``; ``playlist_hook``/``media_hook`` may replace what the receiver gets."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.http = httpx.Client(base_url=upstream, timeout=30)
        self.playlist_hook: Callable[[httpx.Response], Reply | None] | None = None
        self.media_hook: Callable[[str, bytes, dict[str, str]], Reply | None] | None = None
        self.playlists: list[bytes] = []  # every 200 body the server sent, in order
        self.media_requests: list[tuple[str, str | None, int]] = []  # (sha, Range, status)
        self.lock = threading.Lock()
        super().__init__()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        forward = {k: v for k, v in headers.items() if k.lower() in ("authorization", "content-type", "if-none-match",
                                                                     "range", "user-agent", "host")}
        if path.startswith("/api/v1/receiver/playlist") and self.playlist_hook is not None:
            # fetch the full body so the hook has something to alter
            forward = {k: v for k, v in forward.items() if k.lower() != "if-none-match"}
        try:
            reply = self.http.request(method, path, headers=forward, content=body or None)
        except httpx.HTTPError:
            return 502, {}, b"upstream down"
        if path.startswith("/api/v1/receiver/playlist") and reply.status_code == 200:
            with self.lock:
                self.playlists.append(reply.content)
            if self.playlist_hook is not None and (hooked := self.playlist_hook(reply)) is not None:
                return hooked
        if path.startswith("/api/v1/media/"):
            sha = path.rsplit("/", 1)[1].removesuffix(".mp3")
            lower = {k.lower(): v for k, v in headers.items()}
            with self.lock:
                self.media_requests.append((sha, lower.get("range"), reply.status_code))
            if self.media_hook is not None and reply.status_code in (200, 206):
                whole = self.http.get(path).content
                if (hooked := self.media_hook(sha, whole, lower)) is not None:
                    return hooked
        keep = {k: v for k, v in reply.headers.items() if k.lower() in ("content-type", "etag", "content-range",
                                                                       "cache-control", "date", "accept-ranges")}
        return reply.status_code, keep, reply.content


def resign(body: bytes, key: SigningKey, **changes: Any) -> bytes:
    """The envelope ``body`` with its manifest changed and signed again with ``key``."""
    manifest = json.loads(body)["manifest"]
    manifest.update(changes)
    return sign(Manifest.model_validate(manifest), key.private_key)


def tamper(body: bytes, **changes: Any) -> bytes:
    """The envelope with its manifest changed but the original signature kept."""
    envelope = json.loads(body)
    envelope["manifest"].update(changes)
    return canonical_bytes(envelope)


def throttled(data: bytes, chunk: int, pause: float) -> Iterator[bytes]:
    for start in range(0, len(data), chunk):
        time.sleep(pause)
        yield data[start:start + chunk]


# ---- receiver processes and their logs ----------------------------------------------------------------

def receiver_env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def enrol(server_url: str, token: str, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "broadcast.receiver", "enrol", "--server", server_url,
                           "--token", token, "--state", str(state), *extra],
                          capture_output=True, text=True, env=receiver_env(), cwd=REPO, timeout=60)


def enrol_process(server_url: str, token: str, state: Path) -> subprocess.Popen[str]:
    """``enrol`` started in the background (several receivers enrol side by side)."""
    return subprocess.Popen([sys.executable, "-m", "broadcast.receiver", "enrol", "--server", server_url,
                             "--token", token, "--state", str(state)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=receiver_env(), cwd=REPO)


@dataclass
class ReceiverProcess:
    """One ``broadcast receiver run`` process with a recording player; restartable on the same state."""

    state: Path
    play_log: Path
    poll_interval: float = 0.5
    scale: float = 1.0
    min_seconds: float = 0.0
    player_args: str = ""
    extra: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0

    def player(self) -> str:
        return (f"{sys.executable} {PLAYER} --log {self.play_log} --scale {self.scale} "
                f"--min-seconds {self.min_seconds} {self.player_args} {{file}}")

    def start(self) -> ReceiverProcess:
        self.runs += 1
        log = (self.state.parent / f"{self.state.name}-agent-{self.runs}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "broadcast.cli", "receiver", "run", "--state", str(self.state),
             "--player", self.player(), "--poll-interval", str(self.poll_interval), "--max-backoff", "2",
             "--heartbeat-interval", "1", "--log-level", "DEBUG", "--decision-log", str(self.decision_log),
             *self.extra],
            stdout=log, stderr=subprocess.STDOUT, env=receiver_env(), cwd=REPO)
        return self

    @property
    def decision_log(self) -> Path:
        return self.state.parent / f"{self.state.name}-decisions.jsonl"

    def decisions(self, loop: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """The agent's decisions (across restarts, numbered per run), optionally of one loop, after a mark."""
        found = read_decisions(self.decision_log)[after:]
        return [d for d in found if loop is None or d["loop"] == loop]

    def mark(self) -> int:
        """A bookmark in the decision log: pass it as ``after`` to see only what was decided since."""
        return len(read_decisions(self.decision_log))

    def output(self) -> str:
        logs = sorted(self.state.parent.glob(f"{self.state.name}-agent-*.log"))
        return "\n".join(p.read_text(errors="replace") for p in logs)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.terminate()
        try:
            return self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def plays(self) -> list[Play]:
        return read_plays(self.play_log)

    def state_json(self) -> dict[str, Any]:
        path = self.state / "state.json"
        return json.loads(path.read_text()) if path.exists() else {"sequence": 0, "outbox": [], "ledger": {}}


@dataclass(frozen=True)
class Play:
    at: float
    sha256: str
    word: str  # start | end | term | fail
    item_id: int
    pid: int


def read_plays(path: Path) -> list[Play]:
    if not path.exists():
        return []
    plays = []
    for line in path.read_text().splitlines():
        at, sha, word, item, pid = line.split()
        plays.append(Play(float(at), sha, word, int(item), int(pid)))
    return plays


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
