"""Fixtures for the hardening tests (issue 13 items 4–11)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from broadcast.db import session_scope
from broadcast.models import Role
from broadcast.services.accounts import create_user
from broadcast.services.stations import create_station
from tests.conftest import PASSWORD
from tests.web.conftest import web_client  # noqa: F401  (fixture: staff logged in through the pages)

__all__ = ["web_client", "world_settings_users"]


@pytest.fixture
def world_settings_users() -> Callable[[TestClient], None]:
    """Seed one station and an editor into an app a test built itself (with its own settings)."""

    def seed(client: TestClient) -> None:
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        with session_scope(runtime.engine) as session:
            create_station(session, "xa-a", "Xã A", province="Lạng Sơn", district="Văn Lãng")
            create_user(session, "editor", PASSWORD, Role.editor, station_codes=["xa-a"])

    return seed
