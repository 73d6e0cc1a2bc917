"""Polling an Atom feed of CAP alerts served by a real HTTP server on loopback, changing between polls:
ETag/304, embedded and linked alerts, a refused entry that does not stop the others, back-off on failure."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from broadcast.alerts import feed_poll
from broadcast.db import session_scope
from broadcast.models import Bulletin, BulletinStatus, CapAlertRecord, CapFeedState
from tests.alerts import cap_samples as samples
from tests.alerts.geo_fixtures import place_demo_communes
from tests.conftest import World


class FeedServer:
    """Serves /feed.atom (body and ETag set by the test) and linked alert documents; records requests."""

    def __init__(self) -> None:
        self.feed, self.etag, self.status = b"", "", 200
        self.documents: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.requests.append((self.path, self.headers.get("If-None-Match")))
                if self.path == "/feed.atom":
                    if outer.status != 200:
                        return self._send(outer.status, b"down")
                    if self.headers.get("If-None-Match") == outer.etag:
                        return self._send(304, b"")
                    return self._send(200, outer.feed, {"ETag": outer.etag,
                                                        "Content-Type": "application/atom+xml"})
                body = outer.documents.get(self.path)
                return self._send(404, b"no") if body is None else self._send(200, body)

            def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    yield s
    s.close()


def _embedded(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1]


def atom(*entries: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            b"<title>Canh bao KTTV Dong Bac</title><id>urn:x-kttv:feed</id><updated>2026-11-28T00:00:00Z</updated>"
            + b"".join(entries) + b"</feed>")


def entry(n: int, content: bytes = b"", link: str = "") -> bytes:
    linked = f'<link rel="alternate" type="application/cap+xml" href="{link}"/>'.encode() if link else b""
    body = b'<content type="text/xml">' + content + b"</content>" if content else b""
    return (f"<entry><id>urn:x-kttv:{n}</id><title>Canh bao {n}</title>"
            f"<updated>2026-11-28T00:00:0{n}Z</updated>").encode() + linked + body + b"</entry>"


def test_a_changing_atom_feed_is_polled_with_etags_and_back_off(runtime, world: World, server: FeedServer) -> None:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        place_demo_communes(session, ["xa-a", "xa-b", "xa-c"])
    settings = runtime.settings.model_copy(update={"cap_feed_urls": f"{server.url}/feed.atom",
                                                   "cap_feed_interval_s": 60})
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    first = samples.flood_warning("VN-FEED-1", sent=sent)
    server.documents["/alerts/2.xml"] = samples.flood_warning("VN-FEED-2", sent=sent, headline="Sạt lở đất")
    server.feed, server.etag = atom(entry(1, _embedded(first)), entry(2, link=f"{server.url}/alerts/2.xml"),
                                    entry(3, _embedded(samples.BAD_SEVERITY))), '"v1"'
    now = datetime.now(UTC)

    [read] = feed_poll.poll_all(runtime.engine, settings, now, "mien-bac")
    assert read.status == "read" and len(read.taken) == 2
    assert len(read.refused) == 1 and "must be one of" in read.refused[0]
    with Session(runtime.engine) as session:
        records = session.exec(select(CapAlertRecord).order_by(CapAlertRecord.id)).all()
        assert [(r.identifier, r.via, r.outcome) for r in records] == [
            ("VN-FEED-1", "feed", "draft"), ("VN-FEED-2", "feed", "draft")]
        assert len(session.exec(select(Bulletin)).all()) == 2

    # not due before the interval; then asked with the ETag: 304, nothing new
    assert feed_poll.poll_all(runtime.engine, settings, now + timedelta(seconds=30), "mien-bac")[0].status == "not due"
    unchanged = feed_poll.poll_all(runtime.engine, settings, now + timedelta(seconds=61), "mien-bac")[0]
    assert unchanged.status == "unchanged" and server.requests[-1] == ("/feed.atom", '"v1"')

    # the feed changes: the first alert is cancelled; the entries already taken are duplicates (no new rows)
    cancel = samples.flood_warning("VN-FEED-3", sent=sent + timedelta(seconds=5), msg_type="Cancel",
                                   note="Hủy cảnh báo.", references=samples.reference("VN-FEED-1", sent))
    server.feed, server.etag = atom(entry(1, _embedded(first)), entry(4, _embedded(cancel))), '"v2"'
    changed = feed_poll.poll_all(runtime.engine, settings, now + timedelta(seconds=122), "mien-bac")[0]
    assert changed.status == "read" and len(changed.taken) == 1
    with Session(runtime.engine) as session:
        assert len(session.exec(select(CapAlertRecord)).all()) == 3
        cancelled = session.exec(select(CapAlertRecord).where(CapAlertRecord.identifier == "VN-FEED-3")).one()
        assert cancelled.outcome == "cancelled"
        bulletin = session.get(Bulletin, cancelled.bulletin_id)
        assert bulletin is not None and bulletin.status == BulletinStatus.cancelled

    # the feed fails: back-off doubles the wait
    server.status = 503
    failed = feed_poll.poll_all(runtime.engine, settings, now + timedelta(seconds=183), "mien-bac")[0]
    assert failed.status == "failed"
    with Session(runtime.engine) as session:
        state = session.exec(select(CapFeedState)).one()
        assert state.failures == 1 and "503" in state.last_error
        assert state.next_poll_at == now + timedelta(seconds=183 + 120)
        assert state.etag == '"v2"' and state.taken == 3
    assert feed_poll.poll_all(runtime.engine, settings, now + timedelta(seconds=250), "mien-bac")[0].status == "not due"
    server.status = 200
    back = feed_poll.poll_all(runtime.engine, settings, now + timedelta(seconds=304), "mien-bac")[0]
    assert back.status == "unchanged"
    with Session(runtime.engine) as session:
        assert session.exec(select(CapFeedState)).one().failures == 0


def test_feeds_are_parsed_as_warily_as_alerts() -> None:
    with pytest.raises(ValueError, match="not acceptable XML"):
        feed_poll.entries(samples.BILLION_LAUGHS)
    rss = (b'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
           b"<link>http://127.0.0.1:9/a.xml</link></item></channel></rss>")
    assert feed_poll.entries(rss) == [(None, "http://127.0.0.1:9/a.xml")]
