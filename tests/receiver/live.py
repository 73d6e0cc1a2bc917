"""A real ``broadcast serve`` for end-to-end receiver tests: seeded users, stations and receivers, and the
staff API calls a test needs (bulletin → approval → synthesis → placement), plus read access to what the
server recorded from receivers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from broadcast.config import Settings
from broadcast.db import make_engine, session_scope
from broadcast.keys import SigningKey
from broadcast.models import ReceiverEvent, Role
from broadcast.runtime import Runtime
from broadcast.services.accounts import create_user
from broadcast.services.receivers import create_receiver
from broadcast.services.stations import create_station
from tests.conftest import PASSWORD, LiveServer, login, start_server
from tests.receiver.support import ReceiverProcess, enrol_process, wait_for

# One station per test, so tests sharing the server cannot see each other's items.
STATIONS = {"e2e-happy": 2, "e2e-other": 1, "e2e-outage": 2, "e2e-reject": 1, "e2e-media": 1, "e2e-urgent": 1,
            "e2e-crash": 1}
# Every bulletin the module needs, submitted and approved at start-up so the server synthesises them while
# the first tests run: (text, stations, priority). Short texts keep synthesis fast.
BANK = {
    "happy": ("Loa phát thử đúng giờ, xin bà con chú ý.", ["e2e-happy"], "normal"),
    "outage-1": ("Bản tin thứ nhất trong lúc mất mạng.", ["e2e-outage"], "normal"),
    "outage-2": ("Bản tin thứ hai trong lúc mất mạng.", ["e2e-outage"], "normal"),
    "genuine": ("Bản tin thật của xã.", ["e2e-reject"], "normal"),
    "intruder": ("Bản tin giả mạo không được phát.", ["e2e-other"], "emergency"),
    "spoiled": ("Tệp âm thanh hỏng không bao giờ được phát.", ["e2e-media"], "normal"),
    "normal": ("Thông báo thường, sẽ bị ngắt bởi tin khẩn.", ["e2e-urgent"], "normal"),
    "alarm": ("Khẩn cấp: lũ đang lên, bà con di chuyển lên chỗ cao.", ["e2e-urgent"], "emergency"),
    "crash": ("Mất điện giữa lúc tải và giữa lúc phát.", ["e2e-crash"], "normal"),
}


def seed(data_dir: Path, db_url: str, stations: Mapping[str, int] = STATIONS,
         prepare: Callable[[Session], None] | None = None) -> dict[str, list[str]]:
    """Two admins (an author and an approver) and the stations with their receivers (code → how many), each
    never in quiet hours; ``prepare`` adds what a test needs besides. Returns the receivers' device tokens."""
    runtime = Runtime.open(Settings(data_dir=data_dir, database_url=db_url, demo=False, scheduler=False,
                                    _env_file=None))  # type: ignore[call-arg]
    tokens: dict[str, list[str]] = {}
    try:
        with session_scope(runtime.engine) as session:
            create_user(session, "admin", PASSWORD, Role.admin)
            create_user(session, "admin2", PASSWORD, Role.admin)
            for code, count in stations.items():
                station = create_station(session, code, f"Trạm {code}", province="Lạng Sơn")
                station.quiet_start = station.quiet_end = "00:00"  # no quiet hours: tests run at any hour
                session.add(station)
                tokens[code] = [create_receiver(session, station, f"{code} cụm loa {i}")[1] for i in range(count)]
            if prepare is not None:
                session.flush()
                prepare(session)
    finally:
        runtime.close()
    return tokens


@dataclass
class LiveWorld:
    data_dir: Path
    db_url: str
    tokens: dict[str, list[str]]
    server: LiveServer | None = None
    port: int | None = None
    engine: Engine | None = None
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    bank: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # more settings for the server (object storage …)

    @classmethod
    def start(cls, data_dir: Path, db_url: str, bank: list[str] | None = None,
              env: dict[str, str] | None = None, stations: Mapping[str, int] = STATIONS,
              prepare: Callable[[Session], None] | None = None) -> LiveWorld:
        """Seed (see :func:`seed`), serve, and submit the bulletins of ``bank`` (default: all) for synthesis."""
        world = cls(data_dir, db_url, seed(data_dir, db_url, stations, prepare), env=env or {})
        world.start_server()
        world.engine = make_engine(db_url)
        world.bank = {key: world.submit(*BANK[key]) for key in (BANK if bank is None else bank)}
        return world

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def start_server(self) -> None:
        self.server = start_server(self.data_dir, {"BROADCAST_DATABASE_URL": self.db_url, "BROADCAST_DEMO": "false",
                                                   **self.env}, port=self.port, timeout=180)
        self.port = int(self.server.url.rsplit(":", 1)[1])
        self.http = httpx.Client(base_url=self.server.url, timeout=60)
        self.headers = {user: login(self.http, user) for user in ("admin", "admin2")}

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.http.close()

    def close(self) -> None:
        self.stop_server()
        if self.engine is not None:
            self.engine.dispose()

    # ---- staff side ------------------------------------------------------------------------------------

    def submit(self, text: str, stations: list[str], priority: str = "normal") -> int:
        """A bulletin written by admin and submitted; the server then makes its audio for review."""
        created = self.http.post("/api/v1/bulletins", headers=self.headers["admin"], json={
            "title": text[:60], "text": text, "stations": stations, "priority": priority, "submit": True})
        assert created.status_code == 201, created.text
        return created.json()["id"]

    def bulletin(self, key: str) -> dict[str, Any]:
        """A bulletin of the bank, approved by admin2 once its audio exists (the version and audio heard)."""
        bulletin_id = self.bank[key]

        def heard() -> dict[str, Any] | None:
            body = self.http.get(f"/api/v1/bulletins/{bulletin_id}", headers=self.headers["admin2"]).json()
            assert body["status"] != "failed", body
            return body if body["status"] == "ready" or body["review_audio"] else None

        body = wait_for(heard, 120, 0.3, what=f"bulletin {bulletin_id} synthesised")
        if body["status"] == "ready":
            return body
        approved = self.http.post(f"/api/v1/bulletins/{bulletin_id}/approve", headers=self.headers["admin2"],
                                  json={"version_id": body["version_id"],
                                        "audio_sha256": body["review_audio"]["sha256"]})
        assert approved.status_code == 200, approved.text
        return approved.json()

    def place(self, bulletin_id: int, stations: list[str], at: datetime | None = None) -> list[dict[str, Any]]:
        """Place at a time (or now); an overlap with an earlier test bulletin queues after it, never fails."""
        body: dict[str, Any] = {"stations": stations, "mode": "now"} if at is None else {
            "stations": stations, "mode": "at", "at": at.isoformat(), "on_clash": "queue"}
        placed = self.http.post(f"/api/v1/bulletins/{bulletin_id}/placements", headers=self.headers["admin"],
                                json=body)
        assert placed.status_code == 201, placed.text
        return placed.json()["items"]

    def playlist(self, station: str) -> list[dict[str, Any]]:
        reply = self.http.get(f"/api/v1/stations/{station}/playlist", headers=self.headers["admin"])
        assert reply.status_code == 200, reply.text
        return reply.json()

    def item_status(self, station: str, item_id: int) -> str | None:
        return next((i["status"] for i in self.playlist(station) if i["id"] == item_id), None)

    def signing_key(self) -> SigningKey:
        return SigningKey.load_or_create(self.data_dir / "keys" / "signing-ed25519.pem")

    # ---- what receivers told the server ------------------------------------------------------------

    def events(self, receiver_id: int, kind: str | None = None) -> list[ReceiverEvent]:
        with Session(self.engine) as session:
            query = select(ReceiverEvent).where(ReceiverEvent.receiver_id == receiver_id)
            if kind is not None:
                query = query.where(ReceiverEvent.kind == kind)
            return list(session.exec(query.order_by(col(ReceiverEvent.id))).all())

    # ---- receivers ---------------------------------------------------------------------------------------

    def receivers(self, tmp_path: Path, *specs: tuple[str, int], via: str | None = None,
                  **options: Any) -> list[Receiver]:
        """Enrol and start receivers (station, index) side by side; return once each holds a manifest."""
        names = [f"{station}-{index}" for station, index in specs]
        enrolments = [enrol_process(via or self.url, self.tokens[station][index], tmp_path / name)
                      for (station, index), name in zip(specs, names, strict=True)]
        for process in enrolments:
            _out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
        made = [ReceiverProcess(tmp_path / name, tmp_path / f"{name}-plays.log",
                                **{"poll_interval": 1.0, "scale": 0.3, **options}).start() for name in names]
        for process in made:
            wait_for(lambda p=process: p.state_json()["sequence"] >= 1, 60, what=f"{process.state.name}'s manifest")
        return [Receiver(p, json.loads((p.state / "config.json").read_text())["receiver_id"]) for p in made]

    def receiver(self, tmp_path: Path, station: str, index: int = 0, via: str | None = None,
                 **options: Any) -> Receiver:
        return self.receivers(tmp_path, (station, index), via=via, **options)[0]


@dataclass
class Receiver:
    process: ReceiverProcess
    id: int

    def words(self) -> list[tuple[str, int]]:
        return [(p.word, p.item_id) for p in self.process.plays()]

    def starts(self, item_id: int) -> list[float]:
        return [p.at for p in self.process.plays() if p.word == "start" and p.item_id == item_id]


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def settle(*receivers: Receiver, rounds: int = 2, loops: tuple[str, ...] = ("sync", "playout")) -> None:
    """Let each agent's ``loops`` decide ``rounds`` more times (to show that nothing else happens): told by
    the agents' decision logs, not by sleeping and hoping they had their turn. While an item plays the
    playout loop decides nothing, so then wait on ``loops=("sync",)`` (its polls) alone."""
    for receiver in receivers:
        mark = receiver.process.mark()

        def turned(r: Receiver = receiver, mark: int = mark) -> bool:
            return all(len(r.process.decisions(loop, after=mark)) >= rounds for loop in loops)

        wait_for(turned, 60, what=f"receiver {receiver.id} to decide {rounds} more times in {loops}")
