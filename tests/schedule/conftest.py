"""``live_db_url``: one fresh database for the slow multi-process tests — PostgreSQL when the suite has
one (BROADCAST_TEST_DATABASE_URL, as in CI), SQLite otherwise — so they run once, not once per backend."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, _pg_url


@pytest.fixture
def live_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if not PG_ADMIN_URL:
        target = tmp_path / "var" / "broadcast.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("_pg_template")
    name = f"bc_live_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
