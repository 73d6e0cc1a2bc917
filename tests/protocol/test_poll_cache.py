"""The poll's in-process cache: unchanged polls are answered from memory, and nothing it holds outlives
a change — a placement shows on the very next poll, a revocation refuses the very next one, on both
backends; on PostgreSQL a change committed by another process arrives by NOTIFY."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from broadcast.api.receiver import poll_reader
from broadcast.models import Station
from broadcast.protocol import verify
from tests.conftest import BACKENDS, World, login
from tests.distribute.support import FIXED_NOW, ready_bulletin
from tests.protocol.test_receiver_api import place_at, poll, public_key


def count_reads(client: TestClient) -> list[str]:
    """Record every database read of the poll (its reader's state look-ups)."""
    app: Any = client.app
    reader = poll_reader(app, app.state.runtime)
    reads: list[str] = []
    original = reader.state

    async def counted(token_id: str):  # type: ignore[no-untyped-def]
        reads.append(token_id)
        return await original(token_id)

    reader.state = counted  # type: ignore[method-assign]
    return reads


def test_unchanged_poll_is_answered_from_memory_and_a_placement_shows_on_the_next_poll(
        app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    reads = count_reads(app_client)
    first = poll(app_client, token)
    etag = first.headers["ETag"]
    assert poll(app_client, token, etag).status_code == 304  # read once more, now cached
    before = len(reads)
    for _ in range(5):
        cached = poll(app_client, token, etag)
        assert cached.status_code == 304 and cached.headers["ETag"] == etag
        assert cached.headers["Cache-Control"] == "no-cache"
        assert cached.headers["X-Content-Type-Options"] == "nosniff"  # the security headers are still added
    assert len(reads) == before, "an unchanged poll read the database"

    bid = ready_bulletin(runtime.engine, runtime.media, "Lịch tiêm chủng", ["xa-a"], seconds=20)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=2), ["xa-a"])
    changed = poll(app_client, token, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert [i.title for i in verify(changed.content, public_key(app_client)).items] == ["Lịch tiêm chủng"]
    # the old ETag is never answered 304 again, the new one is (and from memory again)
    assert poll(app_client, token, etag).status_code == 200
    new_etag = changed.headers["ETag"]
    assert poll(app_client, token, new_etag).status_code == 304
    before = len(reads)
    assert poll(app_client, token, new_etag).status_code == 304
    assert len(reads) == before


def test_a_wrong_secret_is_refused_even_when_the_token_id_is_cached(app_client: TestClient, world: World) -> None:
    token = world.receiver_tokens["xa-a"]
    etag = poll(app_client, token).headers["ETag"]
    assert poll(app_client, token, etag).status_code == 304
    assert poll(app_client, token[:-2] + "xx", etag).status_code == 401


def test_revocation_refuses_the_very_next_poll(app_client: TestClient, world: World) -> None:
    token = world.receiver_tokens["xa-a"]
    etag = poll(app_client, token).headers["ETag"]
    assert poll(app_client, token, etag).status_code == 304
    assert poll(app_client, token, etag).status_code == 304  # from the cache
    admin = login(app_client, world.admin)
    receivers = app_client.get("/api/v1/stations/xa-a/receivers", headers=admin).json()
    revoke = app_client.post(f"/api/v1/stations/xa-a/receivers/{receivers[0]['id']}/revoke", headers=admin)
    assert revoke.json()["revoked"] is True
    refused = poll(app_client, token, etag)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    # the other receivers keep polling
    other = world.receiver_tokens["xa-b"]
    assert poll(app_client, other, poll(app_client, other).headers["ETag"]).status_code == 304


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_a_change_committed_by_another_process_reaches_the_cache_by_notify(
        app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL only (LISTEN/NOTIFY; CI always has it): on SQLite the service is one process."""
    app: Any = app_client.app
    deadline = time.monotonic() + 30
    while not app.state.poll_cache.enabled:  # the listener connects in the background at start-up
        assert time.monotonic() < deadline, "the poll cache's listener never connected"
        time.sleep(0.05)
    token = world.receiver_tokens["xa-a"]
    reads = count_reads(app_client)
    etag = poll(app_client, token).headers["ETag"]
    assert poll(app_client, token, etag).status_code == 304
    before = len(reads)
    assert poll(app_client, token, etag).status_code == 304
    assert len(reads) == before
    # what another `serve` process does when it revokes: one transaction, the notification sent with it
    dsn = make_url(runtime.settings.db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        connection.execute("UPDATE receiver SET revoked_at = now() WHERE token_id = %s",
                           (token.removeprefix("rcv_").partition(".")[0],))
        connection.execute("NOTIFY broadcast_poll")
    deadline = time.monotonic() + 10
    while (status := poll(app_client, token, etag).status_code) == 304:
        assert time.monotonic() < deadline, "the notification never reached the poll cache"
        time.sleep(0.02)
    assert status == 401


def test_a_stations_change_sends_only_its_own_receivers_to_the_database(
        app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """A placement for xa-a re-reads xa-a's receivers; xa-b's stay answered from memory (no herd of every
    receiver of the province reading in the same second after one station's change)."""
    a, b = world.receiver_tokens["xa-a"], world.receiver_tokens["xa-b"]
    reads = count_reads(app_client)
    etags = {t: poll(app_client, t).headers["ETag"] for t in (a, b)}
    for token in (a, b):
        assert poll(app_client, token, etags[token]).status_code == 304  # now cached
    bid = ready_bulletin(runtime.engine, runtime.media, "Lịch họp thôn", ["xa-a"], seconds=20)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=2), ["xa-a"])
    before = list(reads)
    assert poll(app_client, b, etags[b]).status_code == 304
    assert reads == before, "the other station's receiver read the database"
    assert poll(app_client, a, etags[a]).status_code == 200  # its own station's change shows at once
    assert len(reads) == len(before) + 1


@pytest.mark.parametrize("db_url", [b for b in BACKENDS if b == "postgresql"], indirect=True)
def test_another_process_names_the_stations_it_changed(
        app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    """A NOTIFY naming xa-a's station drops xa-a's entries only; one naming none drops everyone's."""
    app: Any = app_client.app
    cache = app.state.poll_cache
    deadline = time.monotonic() + 30
    while not cache.enabled:  # the listener connects in the background at start-up
        assert time.monotonic() < deadline, "the poll cache's listener never connected"
        time.sleep(0.05)
    a, b = world.receiver_tokens["xa-a"], world.receiver_tokens["xa-b"]
    reads = count_reads(app_client)
    etags = {t: poll(app_client, t).headers["ETag"] for t in (a, b)}
    for token in (a, b):
        assert poll(app_client, token, etags[token]).status_code == 304
    with Session(runtime.engine) as session:
        station_a = session.exec(select(Station.id).where(Station.code == "xa-a")).one()
    dsn = make_url(runtime.settings.db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    marked = cache.latest
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("SELECT pg_notify('broadcast_poll', %s)", (str(station_a),))
    deadline = time.monotonic() + 10
    while cache.station_epochs.get(station_a, 0) <= marked:
        assert time.monotonic() < deadline, "the notification never reached the poll cache"
        time.sleep(0.02)
    before = len(reads)
    assert poll(app_client, b, etags[b]).status_code == 304 and len(reads) == before  # still from memory
    assert poll(app_client, a, etags[a]).status_code == 304 and len(reads) == before + 1  # read again
    marked = cache.latest
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("NOTIFY broadcast_poll")  # no stations named: everyone's
    while cache.epoch <= marked:
        assert time.monotonic() < deadline, "the notification never reached the poll cache"
        time.sleep(0.02)
    before = len(reads)
    assert poll(app_client, b, etags[b]).status_code == 304 and len(reads) == before + 1
