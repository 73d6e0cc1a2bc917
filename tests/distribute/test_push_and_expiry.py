"""Push deliveries to a gateway on loopback (HMAC, backoff, attempts logged) and closing overdue occurrences."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from broadcast.db import session_scope
from broadcast.distribute.expiry import close_overdue
from broadcast.distribute.publish import publish
from broadcast.distribute.push import (
    MAX_ATTEMPTS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    backoff,
    deliver_due,
)
from broadcast.jobs import PUSH_RETRY_JOB, Jobs
from broadcast.models import DeliveryStatus, ItemStatus, JobRun, PlaylistItem, PushAttempt, PushDelivery
from broadcast.protocol import verify
from tests.conftest import World, login
from tests.distribute.support import FIXED_NOW, advance, pinned_settings, ready_bulletin, service_now
from tests.protocol.test_receiver_api import place_at, poll, public_key
from tests.protocol.test_reports import event, report


def gateway_accepts(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """The check a gateway makes (docs/receiver-protocol.md, section 5), written here from the document."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v1={mac}", header)


class Gateway:
    """A station gateway on 127.0.0.1 answering with scripted status codes, recording every POST."""

    def __init__(self, script: list[int]) -> None:
        self.script, self.received, self.times = list(script), [], []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((dict(self.headers), body))
                gateway.times.append(time.monotonic())
                code = gateway.script.pop(0) if gateway.script else 200
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/manifest"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def settings(tmp_path, db_url: str):  # type: ignore[no-untyped-def]
    """The gateways here are loopback servers: pushing to private addresses has to be allowed."""
    return pinned_settings(tmp_path, db_url, push_allow_private=True)


def deliver(runtime, now, **kwargs) -> int:  # type: ignore[no-untyped-def]
    return deliver_due(runtime.engine, now, allow_private=runtime.settings.push_allow_private,
                       box=runtime.secret_box, **kwargs)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway([500, 503])
    yield gw
    gw.server.shutdown()


def _publish(runtime) -> None:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        publish(session, runtime.signing_key, "", service_now(runtime))


def test_push_retries_with_backoff_and_logs_every_attempt(app_client: TestClient, world: World, runtime,
                                                          gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    admin = login(app_client, world.admin)
    config = app_client.put("/api/v1/stations/xa-a/push", headers=admin, json={"url": gateway.url}).json()
    secret = config["secret"]
    assert config["url"] == gateway.url and len(secret) >= 32
    bid = ready_bulletin(runtime.engine, runtime.media, "Đẩy", ["xa-a"], seconds=10)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=1))
    _publish(runtime)
    _publish(runtime)  # the same change found twice is queued once
    now = service_now(runtime)
    assert deliver(runtime, now) == 1
    assert deliver(runtime, now) == 0  # not due again before its backoff
    assert deliver(runtime, now + timedelta(seconds=7)) == 1
    assert deliver(runtime, now + timedelta(seconds=7 + 13)) == 1
    assert [h.get(SIGNATURE_HEADER) is not None for h, _ in gateway.received] == [True, True, True]
    headers, body = gateway.received[-1]
    assert gateway_accepts(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not gateway_accepts("wrong" * 8, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    manifest = verify(body, public_key(app_client))
    assert [i.title for i in manifest.items] == ["Đẩy"]
    assert body == poll(app_client, world.receiver_tokens["xa-a"]).content  # the same bytes a poll returns
    deliveries = app_client.get("/api/v1/stations/xa-a/push-deliveries", headers=admin).json()
    assert len(deliveries) == 1 and deliveries[0]["status"] == "delivered"
    assert [t["status_code"] for t in deliveries[0]["tries"]] == [500, 503, 200]
    assert "HTTP 500" in deliveries[0]["tries"][0]["error"]


def test_the_first_retry_comes_after_the_documented_5_seconds(app_client: TestClient, world: World, runtime,
                                                             gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    """With the real scheduler: the retry runs when it is due, not at the push job's next 10-second tick."""
    gateway.script = [500]
    admin = login(app_client, world.admin)
    app_client.put("/api/v1/stations/xa-a/push", headers=admin, json={"url": gateway.url, "secret": "s" * 20})
    bid = ready_bulletin(runtime.engine, runtime.media, "Thử lại", ["xa-a"], seconds=5)
    place_at(app_client, bid, FIXED_NOW + timedelta(hours=1))
    jobs = Jobs(runtime.job_deps(), holder="push-test")
    jobs.start()
    try:
        deadline = time.monotonic() + 30
        while len(gateway.times) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        # the retry's own run is recorded once it has run (the gateway may answer before the ledger is written)
        while not _runs(runtime, PUSH_RETRY_JOB) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        jobs.shutdown()
    assert len(gateway.times) >= 2, "the failed push was not retried"
    # Told by the ledgers, not the wall clock: the retry was due 5 s ±20 % after the failed attempt, and it
    # ran as its own job at that instant (only scheduled so when that comes before the next regular tick).
    with session_scope(runtime.engine) as session:
        delivery = session.exec(select(PushDelivery)).one()
        attempts = session.exec(select(PushAttempt).order_by(PushAttempt.id)).all()
        due, tried = delivery.next_attempt_at, [a.at for a in attempts]
    assert [a.status_code for a in attempts][:2] == [500, 200] and delivery.status == DeliveryStatus.delivered
    assert timedelta(seconds=5 * 0.8) <= due - tried[0] <= timedelta(seconds=5 * 1.2), due - tried[0]
    assert tried[1] >= due, "retried before it was due"
    retry = _runs(runtime, PUSH_RETRY_JOB)
    assert retry, "the retry waited for the push job's next tick"
    assert retry[0].run_time >= jobs.clock.to_real(due) - timedelta(milliseconds=1), "scheduled before it was due"


def _runs(runtime, job_id: str) -> list[JobRun]:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        runs = session.exec(select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.run_time)).all()
        session.expunge_all()
        return list(runs)


def test_newer_manifest_supersedes_a_pending_push(app_client: TestClient, world: World, runtime,
                                                  gateway: Gateway) -> None:  # type: ignore[no-untyped-def]
    admin = login(app_client, world.admin)
    app_client.put("/api/v1/stations/xa-a/push", headers=admin, json={"url": gateway.url, "secret": "s" * 20})
    for n in range(2):
        bid = ready_bulletin(runtime.engine, runtime.media, f"Tin {n}", ["xa-a"], seconds=5, frequency=400 + n)
        place_at(app_client, bid, FIXED_NOW + timedelta(hours=1 + n))
        _publish(runtime)
    deliveries = app_client.get("/api/v1/stations/xa-a/push-deliveries", headers=admin).json()
    assert [d["status"] for d in deliveries] == ["pending", "superseded"]
    deliver(runtime, service_now(runtime) + timedelta(hours=1))
    assert app_client.put("/api/v1/stations/xa-a/push", headers=admin, json={"url": "ftp://x"}).status_code == 422


def test_backoff_doubles_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    delays = [backoff(n, rng).total_seconds() for n in range(1, MAX_ATTEMPTS + 1)]
    assert 4 <= delays[0] <= 6 and 8 <= delays[1] <= 12 and 16 <= delays[2] <= 24
    assert max(delays) <= 900 * 1.2


def test_overdue_occurrences_are_closed_once(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    ids = {}
    for n, name in enumerate(["phát", "lỡ", "lỗi", "bỏ qua", "chưa đến"]):
        bid = ready_bulletin(runtime.engine, runtime.media, name, ["xa-a"], seconds=10, frequency=300 + n)
        hours = 5 if name == "chưa đến" else 0
        ids[name] = place_at(app_client, bid, FIXED_NOW + timedelta(hours=hours, minutes=5 + n))["items"][0]["id"]
    token = world.receiver_tokens["xa-a"]
    at = (FIXED_NOW + timedelta(minutes=6)).isoformat()
    # A download failure is not final (the receiver fetches again): closed as failed only at expiry. A final
    # skip from the station's only receiver closes the occurrence at once.
    report(app_client, token, [event("p", ids["phát"], "played", at),
                               event("f", ids["lỗi"], "failed", at, detail="download of 0123456789ab failed "
                                     "(HTTP 503); not kept, will fetch again (attempt 3)"),
                               event("s", ids["bỏ qua"], "skipped", at)])
    with session_scope(runtime.engine) as session:
        assert session.get(PlaylistItem, ids["bỏ qua"]).status == ItemStatus.skipped  # type: ignore[union-attr]
        assert session.get(PlaylistItem, ids["lỗi"]).status == ItemStatus.scheduled  # type: ignore[union-attr]
    advance(runtime, timedelta(minutes=20))
    with session_scope(runtime.engine) as session:
        assert close_overdue(session, service_now(runtime)) == {}  # still within grace + report delay
    advance(runtime, timedelta(minutes=10))
    with session_scope(runtime.engine) as session:
        assert close_overdue(session, service_now(runtime)) == {"missed": 1, "failed": 1}
        assert close_overdue(session, service_now(runtime)) == {}
    with session_scope(runtime.engine) as session:
        status = {i.id: (i.status, i.status_detail) for i in session.exec(select(PlaylistItem)).all()}
    assert status[ids["phát"]][0] == ItemStatus.played
    assert status[ids["lỡ"]][0] == ItemStatus.missed and "no receiver reported" in status[ids["lỡ"]][1]
    assert status[ids["lỗi"]][0] == ItemStatus.failed and status[ids["bỏ qua"]][0] == ItemStatus.skipped
    assert status[ids["chưa đến"]][0] == ItemStatus.scheduled
    # A receiver that was offline reports the play late: the occurrence is corrected, counted once.
    report(app_client, token, [event("late", ids["lỡ"], "played", at), event("late2", ids["lỡ"], "played", at)])
    with session_scope(runtime.engine) as session:
        corrected = session.get(PlaylistItem, ids["lỡ"])
        assert corrected.status == ItemStatus.played and "reported late" in corrected.status_detail
