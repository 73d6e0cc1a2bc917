"""Station feeds and manifests: cheap unchanged polls, the 24-hour horizon, concurrent builders."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event

from broadcast.protocol import verify
from tests.conftest import World
from tests.distribute.support import FIXED_NOW, advance, ready_bulletin
from tests.protocol.test_receiver_api import place_at, poll, public_key


def test_an_unchanged_poll_is_one_indexed_read(app_client: TestClient, world: World, runtime,
                                               monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from broadcast.distribute.pgpoll import AsyncPollReader
    from broadcast.distribute.sqlitepoll import SqlitePollReader

    token = world.receiver_tokens["xa-a"]
    bid = ready_bulletin(runtime.engine, runtime.media, "Tin", ["xa-a"], seconds=10)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=1))
    etag = poll(app_client, token).headers["ETag"]
    poll(app_client, token, etag)  # settles last_seen_at
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    original = AsyncPollReader._read

    async def counted(self, sql, params):  # type: ignore[no-untyped-def]
        statements.append(sql.split()[0].upper())
        return await original(self, sql, params)

    original_sqlite = SqlitePollReader._fetchone

    def counted_sqlite(self, sql, params):  # type: ignore[no-untyped-def]
        statements.append(sql.split()[0].upper())
        return original_sqlite(self, sql, params)

    monkeypatch.setattr(AsyncPollReader, "_read", counted)  # PostgreSQL polls read through psycopg
    monkeypatch.setattr(SqlitePollReader, "_fetchone", counted_sqlite)  # SQLite polls on their own connections
    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        assert poll(app_client, token, etag).status_code == 304
        assert statements == [], statements  # answered from the poll cache (test_poll_cache.py)
        app_client.app.state.poll_cache.entries.clear()  # type: ignore[attr-defined]
        assert poll(app_client, token, etag).status_code == 304
        assert poll(app_client, token).status_code == 200
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
    assert statements == ["SELECT", "SELECT", "SELECT"], statements  # 304: one read; 200: + the stored body


def test_items_enter_the_horizon_as_time_passes(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    key = public_key(app_client)
    bid = ready_bulletin(runtime.engine, runtime.media, "Ngày kia", ["xa-a"], seconds=10)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=30))
    before = verify(poll(app_client, token).content, key)
    assert before.items == []
    advance(runtime, timedelta(hours=5, minutes=59))
    assert verify(poll(app_client, token).content, key).sequence == before.sequence
    advance(runtime, timedelta(minutes=2))
    after = verify(poll(app_client, token).content, key)
    assert [i.title for i in after.items] == ["Ngày kia"] and after.sequence == before.sequence + 1


def test_manifest_is_resigned_half_way_to_expiry(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-b"]
    key = public_key(app_client)
    first = verify(poll(app_client, token).content, key)
    advance(runtime, timedelta(hours=11))
    assert verify(poll(app_client, token).content, key).sequence == first.sequence
    advance(runtime, timedelta(hours=1, minutes=1))
    renewed = verify(poll(app_client, token).content, key)
    assert renewed.sequence == first.sequence + 1 and renewed.valid_until > first.valid_until


def test_concurrent_polls_and_placements_never_move_a_sequence_backwards(app_client: TestClient, world: World,
                                                                          runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    key = public_key(app_client)
    seen: list[list[tuple[int, bytes]]] = [[] for _ in range(4)]
    stop = threading.Event()
    errors: list[str] = []

    def poller(index: int) -> None:
        while not stop.is_set():
            reply = poll(app_client, token)
            if reply.status_code != 200:
                errors.append(f"{reply.status_code} {reply.text}")
                return
            seen[index].append((verify(reply.content, key).sequence, reply.content))

    threads = [threading.Thread(target=poller, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(6):
            bid = ready_bulletin(runtime.engine, runtime.media, f"Tin {n}", ["xa-a"], seconds=5, frequency=500 + n)
            place_at(app_client, bid, FIXED_NOW + timedelta(hours=1, minutes=n))
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors
    by_sequence: dict[int, bytes] = {}
    for polls in seen:
        sequences = [s for s, _ in polls]
        assert sequences == sorted(sequences), sequences
        for sequence, body in polls:
            assert by_sequence.setdefault(sequence, body) == body, "one sequence, two different manifests"
    final = verify(poll(app_client, token).content, key)
    assert len(final.items) == 6


def test_publication_prebuilds_changed_manifests_only(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    from broadcast.db import session_scope
    from broadcast.distribute.publish import publish
    from tests.distribute.support import service_now

    def run() -> int:
        with session_scope(runtime.engine) as session:
            return publish(session, runtime.signing_key, "", service_now(runtime)).manifests_changed

    assert run() == 3  # first manifests for the three receivers
    assert run() == 0
    bid = ready_bulletin(runtime.engine, runtime.media, "Tin mới", ["xa-b"], seconds=5)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=2), ["xa-b"])
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    assert run() == 1
    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        assert run() == 0
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)
    assert len(statements) <= 4, statements  # idle: durations check, states, push stations
    token = world.receiver_tokens["xa-b"]
    etag = poll(app_client, token).headers["ETag"]
    assert poll(app_client, token, etag).status_code == 304


def test_polls_record_last_seen_in_batches(app_client: TestClient, world: World, runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from broadcast.api.receiver import LastSeen
    from broadcast.models import Receiver
    from tests.distribute.support import service_now

    monkeypatch.setattr(LastSeen, "FLUSH_EVERY_S", 0.0)
    app_client.app.state.receiver_last_seen = None  # type: ignore[attr-defined]
    for code in ("xa-a", "xa-b"):
        assert poll(app_client, world.receiver_tokens[code]).status_code == 200
    assert poll(app_client, world.receiver_tokens["xa-a"]).status_code == 200  # flushes what is pending
    with Session(runtime.engine) as session:
        seen = {r.name: r.last_seen_at for r in session.exec(select(Receiver)).all()}
    now = service_now(runtime)
    assert seen["Cụm loa Xã A"] is not None and abs((now - seen["Cụm loa Xã A"]).total_seconds()) < 60
    assert seen["Cụm loa Xã B"] is not None and seen["Cụm loa Xã C"] is None


def test_the_publication_sweep_commits_station_by_station(app_client: TestClient, world: World, runtime,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A poll that rebuilds its own stale manifest waits for the sweep's row locks (PostgreSQL): the sweep
    must not hold them to its end. Seen from another connection while the sweep runs, the manifests of the
    stations already done are committed."""
    from sqlalchemy import text

    from broadcast.db import session_scope
    from broadcast.distribute import publish as publication
    from tests.distribute.support import service_now

    calls: list[tuple[int, int, set[int]]] = []
    original = publication.current_manifest

    def watched(session, receiver, *args):  # type: ignore[no-untyped-def]
        with runtime.engine.connect() as other:
            committed = set(other.execute(text("SELECT receiver_id FROM manifeststate WHERE sequence > 0"))
                            .scalars())
        calls.append((receiver.station_id, receiver.id, committed))
        return original(session, receiver, *args)

    monkeypatch.setattr(publication, "current_manifest", watched)
    with session_scope(runtime.engine) as session:
        assert publication.publish(session, runtime.signing_key, "", service_now(runtime)).manifests_changed == 3
    assert len({station for station, _, _ in calls}) >= 2
    for index, (station, _, committed) in enumerate(calls):
        done_before = {receiver for other, receiver, _ in calls[:index] if other != station}
        assert done_before <= committed, (index, done_before, committed)
