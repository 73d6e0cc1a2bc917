"""Publishing to object storage against a real S3 server (SeaweedFS): object headers, idempotent re-runs,
feeds of revoked receivers removed, media removed only after the grace period, failures shown to staff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.distribute.mirror import ObjectStore, feed_path, mirror
from broadcast.distribute.publish import publish
from broadcast.models import MirrorObject, Receiver, Station
from tests.conftest import World, free_port, login
from tests.distribute.support import FIXED_NOW, advance, ready_bulletin, service_now
from tests.objectstore import ACCESS_KEY, SECRET_KEY, SeaweedS3, running_seaweed
from tests.protocol.test_receiver_api import place_at
from tests.web.conftest import web_login

BUCKET = "mirror-test"
GRACE = timedelta(hours=2)


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = running_seaweed(tmp_path_factory.mktemp("seaweed-mirror"), BUCKET)
    yield server
    server.stop()


def _store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str, prefix: str) -> ObjectStore:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    return ObjectStore(Settings(data_dir=tmp_path, s3_bucket=BUCKET, s3_endpoint=endpoint, s3_prefix=prefix,
                                _env_file=None))  # type: ignore[call-arg]


def _publish(runtime) -> None:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        publish(session, runtime.signing_key, "", service_now(runtime))


def _head(s3: SeaweedS3, key: str) -> dict | None:
    try:
        return s3.client().head_object(Bucket=BUCKET, Key=key)
    except ClientError:
        return None


def test_feeds_and_media_reach_the_bucket_once_and_leave_it_in_time(app_client: TestClient, world: World, runtime,
                                                                    s3: SeaweedS3, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    prefix = f"t{free_port()}"
    store = _store(monkeypatch, tmp_path, s3.endpoint, prefix)
    bid = ready_bulletin(runtime.engine, runtime.media, "Gương", ["xa-a"], seconds=10)
    place_at(app_client, bid, FIXED_NOW + timedelta(minutes=30))
    _publish(runtime)
    with Session(runtime.engine) as session:
        receivers = session.exec(select(Receiver)).all()
        a_receiver = next(r for r in receivers if r.station_id == session.exec(
            select(Station.id).where(Station.code == "xa-a")).one())
        assert session.exec(select(MirrorObject)).all() == []  # nothing published yet
    result = mirror(runtime.engine, store, runtime.media.root, service_now(runtime), GRACE)
    assert not result.failed, result.failed
    feeds = sorted(feed_path(r.token_hash) for r in receivers)
    media = [p for p in result.put if p.startswith("api/v1/media/")]
    assert len(media) == 1 and sorted(p for p in result.put if p.startswith("feeds/")) == feeds
    assert result.put.index(media[0]) == 0  # the audio before the feeds that point at it
    head = _head(s3, f"{prefix}/{media[0]}")
    assert head and head["ContentType"] == "audio/mpeg"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    feed = _head(s3, f"{prefix}/{feed_path(a_receiver.token_hash)}")
    assert feed and feed["ContentType"] == "application/json" and feed["CacheControl"] == "no-cache"

    again = mirror(runtime.engine, store, runtime.media.root, service_now(runtime), GRACE)
    assert (again.put, again.deleted, again.failed) == ([], [], {})  # nothing changed: nothing written

    admin = login(app_client, world.admin)
    revoked = app_client.post(f"/api/v1/stations/xa-a/receivers/{a_receiver.id}/revoke", headers=admin)
    assert revoked.status_code == 200
    advance(runtime, timedelta(hours=1))  # past the item's latest start: no manifest refers to the audio
    _publish(runtime)
    later = mirror(runtime.engine, store, runtime.media.root, service_now(runtime), GRACE)
    assert later.deleted == [feed_path(a_receiver.token_hash)]  # a revoked receiver's feed goes at once
    assert _head(s3, f"{prefix}/{feed_path(a_receiver.token_hash)}") is None
    assert _head(s3, f"{prefix}/{media[0]}") is not None  # unreferenced media wait for the grace period
    advance(runtime, GRACE + timedelta(minutes=1))
    last = mirror(runtime.engine, store, runtime.media.root, service_now(runtime), GRACE)
    assert last.deleted == [media[0]] and _head(s3, f"{prefix}/{media[0]}") is None


def test_a_failing_bucket_never_breaks_the_api_and_staff_see_it(app_client: TestClient, world: World, runtime,
                                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                ) -> None:  # type: ignore[no-untyped-def]
    store = _store(monkeypatch, tmp_path, f"http://127.0.0.1:{free_port()}", "")  # nothing listens there
    store.client.meta.config.retries = {"max_attempts": 1}
    _publish(runtime)
    result = mirror(runtime.engine, store, runtime.media.root, service_now(runtime), GRACE)
    assert result.failed and not result.put
    admin = login(app_client, world.admin)
    status = app_client.get("/api/v1/stations/xa-a/status", headers=admin)
    assert status.status_code == 200
    assert status.json()["publishing"] and "object storage: feeds/" in status.json()["publishing"][0]
    assert app_client.get("/api/v1/stations/xa-b/status", headers=login(app_client, "editor-c")).status_code == 403
    page = TestClient(app_client.app)
    web_login(page, world.admin)
    html = page.get("/admin/stations").text
    assert "Chưa đẩy được lên kho lưu trữ đối tượng" in html and "object storage: feeds/" in html
