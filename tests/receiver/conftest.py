"""Live servers for the receiver's end-to-end tests, started once per backend for the whole session.

``live`` is the SQLite server every end-to-end test uses; ``live_any`` runs a test on each configured
backend (SQLite, and PostgreSQL when BROADCAST_TEST_DATABASE_URL is set), reusing the same servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, _pg_url
from tests.receiver.live import LiveWorld


@pytest.fixture(scope="session")
def _live_worlds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str | None], LiveWorld]]:
    worlds: dict[str, LiveWorld] = {}
    databases: list[str] = []

    def get(backend: str, pg_template: str | None = None) -> LiveWorld:
        if backend not in worlds:
            data_dir: Path = tmp_path_factory.mktemp(f"e2e-{backend}")
            if backend == "sqlite":
                db_url = f"sqlite:///{data_dir / 'broadcast.db'}"
            else:
                name = f"bc_e2e_{uuid.uuid4().hex[:12]}"
                admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
                admin.dispose()
                databases.append(name)
                db_url = _pg_url(name)
            # Only the happy path runs on PostgreSQL: only its bulletin is needed there.
            worlds[backend] = LiveWorld.start(data_dir, db_url, None if backend == "sqlite" else ["happy"])
        return worlds[backend]

    yield get
    for world in worlds.values():
        world.close()
    if databases:
        admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def live(_live_worlds: Callable[[str, str | None], LiveWorld]) -> LiveWorld:
    return _live_worlds("sqlite", None)


@pytest.fixture(params=BACKENDS)
def live_any(request: pytest.FixtureRequest, _live_worlds: Callable[[str, str | None], LiveWorld]) -> LiveWorld:
    template = request.getfixturevalue("_pg_template") if request.param == "postgresql" else None
    return _live_worlds(request.param, template)
