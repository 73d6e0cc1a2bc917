"""``live_db_url``: one fresh database for the slow multi-process tests — PostgreSQL when the suite has
one (BROADCAST_TEST_DATABASE_URL, as in CI), SQLite otherwise — so they run once, not once per backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, fresh_database


@pytest.fixture
def live_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database(request, "postgresql" if PG_ADMIN_URL else "sqlite", tmp_path)
