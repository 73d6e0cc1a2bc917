"""Feeds and media on a real S3 server (SeaweedFS on loopback): the real ``broadcast serve`` publishes to
the bucket, a real receiver process polls the bucket's public URL, keeps playing from it while the service
is down, and rejects an object tampered with in the bucket.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from broadcast.protocol import load_public_key_b64, verify
from tests.objectstore import ACCESS_KEY, SECRET_KEY, SeaweedS3, running_seaweed
from tests.receiver.live import LiveWorld, Receiver, parse_time
from tests.receiver.support import wait_for

BUCKET = "broadcast-feeds"
PREFIX = "lang-son"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = running_seaweed(tmp_path_factory.mktemp("seaweed"), BUCKET)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def world(s3: SeaweedS3, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWorld]:
    data_dir = tmp_path_factory.mktemp("s3-world")
    env = {"BROADCAST_S3_BUCKET": BUCKET, "BROADCAST_S3_ENDPOINT": s3.endpoint, "BROADCAST_S3_PREFIX": PREFIX,
           "BROADCAST_S3_PUBLIC_URL": f"{s3.endpoint}/{BUCKET}", "AWS_ACCESS_KEY_ID": ACCESS_KEY,
           "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    live = LiveWorld.start(data_dir, f"sqlite:///{data_dir / 'broadcast.db'}", ["outage-1", "outage-2"], env=env)
    yield live
    live.close()


def _soon(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _feed_items(url: str) -> list[int]:
    reply = httpx.get(url, timeout=5)
    return [i["id"] for i in json.loads(reply.content)["manifest"]["items"]] if reply.status_code == 200 else []


def test_receiver_plays_from_the_bucket_with_the_service_down_and_rejects_tampering(
        world: LiveWorld, s3: SeaweedS3, tmp_path: Path) -> None:
    station = "e2e-outage"
    receiver: Receiver = world.receiver(tmp_path, station, poll_interval=1.0)
    try:
        config = json.loads((receiver.process.state / "config.json").read_text())
        feed_url = config["feed_url"]
        assert feed_url.startswith(f"{s3.endpoint}/{BUCKET}/{PREFIX}/feeds/"), feed_url
        assert re.fullmatch(r"[0-9a-f]{40}\.json", feed_url.rsplit("/", 1)[1]), feed_url  # a keyed hash, no id
        key = load_public_key_b64(world.http.get("/api/v1/receiver/signing-key").json()["public_key"])

        first = world.bulletin("outage-1")
        [one] = world.place(first["id"], [station], at=_soon(8))
        wait_for(lambda: one["id"] in _feed_items(feed_url), 20, what="the manifest published to the bucket")
        feed = httpx.get(feed_url)
        assert feed.headers["content-type"] == "application/json" and feed.headers["cache-control"] == "no-cache"
        assert httpx.get(feed_url, headers={"If-None-Match": feed.headers["etag"]}).status_code == 304
        manifest = verify(feed.content, key)
        [item] = [i for i in manifest.items if i.id == one["id"]]
        assert item.media_url == f"{s3.endpoint}/{BUCKET}/{PREFIX}/api/v1/media/{first['audio']['sha256']}.mp3"
        media = httpx.get(item.media_url)
        assert media.status_code == 200 and media.headers["content-type"] == "audio/mpeg"
        assert "immutable" in media.headers["cache-control"] and len(media.content) == item.bytes
        wait_for(lambda: ("end", one["id"]) in receiver.words(), 40, what="the first bulletin played")

        # A placement made just before the service stops: only the bucket can bring it to the receiver.
        second = world.bulletin("outage-2")
        [two] = world.place(second["id"], [station], at=parse_time(one["play_at"]) + timedelta(seconds=40))
        wait_for(lambda: two["id"] in _feed_items(feed_url), 20, what="the new manifest in the bucket")
        world.stop_server()
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{world.url}/healthz", timeout=2)
        wait_for(lambda: ("end", two["id"]) in receiver.words(), 90, what="the second bulletin played, service down")
        assert receiver.starts(two["id"]) and len(receiver.starts(two["id"])) == 1
        assert "from the feed" in receiver.process.output()

        # Tampering with the object in the bucket: signature check fails, nothing of it is used.
        client = s3.client()
        feed_key = feed_url.split(f"/{BUCKET}/", 1)[1]
        envelope = json.loads(client.get_object(Bucket=BUCKET, Key=feed_key)["Body"].read())
        envelope["manifest"]["items"][-1]["title"] = f"giả mạo {uuid.uuid4().hex[:6]}"
        envelope["manifest"]["sequence"] += 1
        client.put_object(Bucket=BUCKET, Key=feed_key, Body=json.dumps(envelope, ensure_ascii=False).encode(),
                          ContentType="application/json", CacheControl="no-cache")
        sequence = receiver.process.state_json()["sequence"]

        def rejected() -> bool:
            outbox = receiver.process.state_json()["outbox"]
            return any(e["kind"] == "rejected" and e["detail"].startswith("bad-signature") for e in outbox)

        wait_for(rejected, 20, what="the tampered feed rejected (queued for reporting)")
        assert receiver.process.state_json()["sequence"] == sequence
    finally:
        receiver.process.stop()
        assert "Traceback" not in receiver.process.output(), receiver.process.output()
