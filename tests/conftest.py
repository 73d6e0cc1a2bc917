"""Shared fixtures: a migrated database per test (SQLite, and PostgreSQL when configured), settings,
an in-process app client, users and a live ``broadcast serve`` on loopback.

Set ``BROADCAST_TEST_DATABASE_URL`` to a PostgreSQL server URL (for example
``postgresql://postgres@127.0.0.1:5432/postgres``) and every database test also runs on PostgreSQL: a
migrated template database is made once per run and each test gets a fresh copy of it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from broadcast.app import create_app
from broadcast.config import Settings
from broadcast.db import make_engine, session_scope, upgrade
from broadcast.models import Role
from broadcast.schedule.service import apply_template
from broadcast.schedule.templates import load_templates
from broadcast.services.accounts import create_user
from broadcast.services.receivers import create_receiver
from broadcast.services.stations import create_station

if TYPE_CHECKING:
    from tests.receiver.live import Receiver

PG_ADMIN_URL = os.environ.get("BROADCAST_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])
REPO = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def _pg_url(database: str) -> str:
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    name = f"bc_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of a fresh copy of the migrated template database, dropped afterwards."""
    if backend == "sqlite":
        target = tmp_path / "var" / "broadcast.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("_pg_template")
    name = f"bc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for one test, on each configured backend."""
    yield from fresh_database(request, request.param, tmp_path)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                    _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def app_client(settings: Settings) -> Iterator[TestClient]:
    """The app in-process, lifespan included, with the scheduler off (tests run jobs explicitly)."""
    with TestClient(create_app(settings, start_jobs=False)) as client:
        yield client


@pytest.fixture
def runtime(app_client: TestClient):  # type: ignore[no-untyped-def]
    return app_client.app.state.runtime  # type: ignore[attr-defined]


@dataclass
class World:
    """A small province: two stations with daily slots, users of every role, one receiver each."""

    admin: str
    editor: str
    approver: str
    other_editor: str
    stations: list[str]
    receiver_tokens: dict[str, str]


@pytest.fixture
def world(runtime) -> World:  # type: ignore[no-untyped-def]
    template = load_templates(runtime.settings.schedules_dir)["daily"]
    tokens = {}
    with session_scope(runtime.engine) as session:
        for code, name in (("xa-a", "Xã A"), ("xa-b", "Xã B"), ("xa-c", "Xã C")):
            station = create_station(session, code, name, province="Lạng Sơn", district="Văn Lãng")
            apply_template(session, station, template)
            tokens[code] = create_receiver(session, station, f"Cụm loa {name}")[1]
        create_user(session, "province-admin", PASSWORD, Role.admin)
        create_user(session, "editor", PASSWORD, Role.editor, station_codes=["xa-a", "xa-b"])
        create_user(session, "approver", PASSWORD, Role.approver, station_codes=["xa-a", "xa-b"])
        create_user(session, "editor-c", PASSWORD, Role.editor, station_codes=["xa-c"])
    return World("province-admin", "editor", "approver", "editor-c", ["xa-a", "xa-b", "xa-c"], tokens)


def login(client: TestClient | httpx.Client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API and return the Authorization header."""
    reply = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    data_dir: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(data_dir: Path, env: dict[str, str] | None = None, port: int | None = None,
                 timeout: float = 60.0, args: list[str] | None = None) -> LiveServer:
    """Run ``broadcast serve`` (with ``args``) as a real process on loopback and wait until /healthz answers."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"serve-{port}.log"
    full_env = {**os.environ, "BROADCAST_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", **(env or {})}
    process = subprocess.Popen([sys.executable, "-m", "broadcast.cli", "serve", "--port", str(port), *(args or [])],
                               stdout=log_path.open("wb"), stderr=subprocess.STDOUT, env=full_env, cwd=REPO)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path, data_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"broadcast serve exited early:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"broadcast serve did not answer in {timeout} s:\n{server.output()}")


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    servers: list[LiveServer] = []

    def factory(env: dict[str, str] | None = None, data_dir: Path | None = None) -> LiveServer:
        server = start_server(data_dir or tmp_path / f"server{len(servers)}", env)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Receiver processes a live test starts (tests/receiver/live.py); stopped and checked for crashes after."""
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.process.stop()
        assert "Traceback" not in receiver.process.output(), receiver.process.output()
