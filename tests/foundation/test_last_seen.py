"""A receiver that polls once and falls silent still gets its last-seen time written."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from broadcast.api.receiver import LastSeen
from broadcast.models import Receiver
from tests.conftest import World


def test_a_single_poll_is_recorded_without_a_second_poll(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-b"]
    assert app_client.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    deadline = time.monotonic() + 3 * LastSeen.FLUSH_EVERY_S
    seen = None
    while seen is None and time.monotonic() < deadline:
        time.sleep(0.5)
        with Session(runtime.engine) as session:
            receiver = session.exec(select(Receiver).where(Receiver.token_id == token[4:].split(".")[0])).one()
            seen = receiver.last_seen_at
    assert seen is not None, "the poll was never recorded as last seen"
