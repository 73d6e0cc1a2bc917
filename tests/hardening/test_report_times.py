"""Item 7: one device's absurd clock cannot break the dashboard, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from broadcast.db import session_scope
from broadcast.models import Receiver, ReceiverEvent
from tests.conftest import World
from tests.distribute.support import FIXED_NOW, pinned_settings, settings  # noqa: F401  (clock pinned)
from tests.protocol.test_reports import _setup, event, report
from tests.web.conftest import web_login

FAR_TIMES = ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00", "2126-01-01T00:00:00+07:00"]


def test_event_times_a_day_off_are_ignored_with_the_reason(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    item_a, _ = _setup(app_client, runtime)
    token = world.receiver_tokens["xa-a"]
    good = (FIXED_NOW + timedelta(minutes=5, seconds=1)).isoformat()
    batch = [event(f"far{i}", item_a, "played", at) for i, at in enumerate(FAR_TIMES)]
    batch.append(event("early-start", item_a, "played", good, started_at="2000-01-01T00:00:00+07:00"))
    reply = report(app_client, token, batch)
    assert reply.status_code == 200, reply.text
    ids = [e["event_id"] for e in batch]
    assert reply.json() == {"accepted": ids, "duplicates": [], "ignored": ids}
    with session_scope(runtime.engine) as session:
        rows = session.exec(select(ReceiverEvent).where(ReceiverEvent.receiver_id.is_not(None))).all()  # type: ignore[union-attr]
        stored = {r.event_id: r for r in rows}
        receiver = session.exec(select(Receiver).where(Receiver.station_id == rows[0].station_id)).first()
    for i, at in enumerate(FAR_TIMES):
        row = stored[f"far{i}"]
        assert row.ignored == "event time is more than a day from the server's clock"
        assert f"claimed at={datetime.fromisoformat(at).isoformat()}" in row.detail
        assert abs(row.at - row.received_at) < timedelta(seconds=1)
    assert receiver is not None and receiver.last_played_at is None  # nothing was believed
    # The occurrence is not marked played by any of them; a believable report still is.
    ok = report(app_client, token, [event("real", item_a, "played", good)])
    assert ok.json()["ignored"] == []
    # Off the calendar once in UTC: the whole batch is malformed (422, nothing stored), never a 500.
    for at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        bad = report(app_client, token, [event("cal", item_a, "played", at)])
        assert bad.status_code == 422, bad.text


def test_pages_survive_absurd_stored_times(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """Values written before this check existed (or by hand) must not take the pages down."""
    item_a, _ = _setup(app_client, runtime)
    placement_id = _placement_of(runtime, item_a)
    with session_scope(runtime.engine) as session:
        receiver = session.exec(select(Receiver)).first()
        assert receiver is not None
        for i, moment in enumerate((datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                                    datetime(1, 1, 1, tzinfo=UTC))):
            session.add(ReceiverEvent(receiver_id=receiver.id, station_id=receiver.station_id,
                                      event_id=f"old{i}", item_id=item_a, kind="played", at=moment,
                                      started_at=moment, detail="", received_at=moment))
        receiver.last_played_at = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
        receiver.last_played_item_id = item_a
        receiver.last_seen_at = datetime(1, 1, 1, tzinfo=UTC)
        session.add(receiver)
    client = TestClient(app_client.app)
    web_login(client, world.admin)
    for path in ("/receivers", f"/placements/{placement_id}/delivery", f"/placements/{placement_id}/delivery/live",
                 "/asrun", "/asrun.csv", "/asrun.xlsx", "/reports", "/"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])


def _placement_of(runtime, item_id: int) -> int:  # type: ignore[no-untyped-def]
    from broadcast.models import PlaylistItem

    with session_scope(runtime.engine) as session:
        item = session.get(PlaylistItem, item_id)
        assert item is not None and item.placement_id is not None
        return item.placement_id
