"""Polling configured Atom/RSS feeds of CAP alerts (``BROADCAST_CAP_FEED_URLS``), as a scheduled job.

Each feed is asked with its last ``ETag``/``Last-Modified`` (a 304 costs nothing); a changed feed's entries
are read — the CAP ``<alert>`` embedded in the entry, or else the document the entry links to — and every
alert goes through the one intake path (``intake.receive``, ``via="feed"``), so duplicates are idempotent
and an invalid alert is refused (and logged) without stopping the rest. A feed that fails waits longer each
time (interval × 2ⁿ, at most an hour). No database connection is held during HTTP requests.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from broadcast.alerts import cap, intake
from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.models import CapFeedState

log = logging.getLogger(__name__)
ATOM = "{http://www.w3.org/2005/Atom}"
MAX_FEED_BYTES = 5_000_000
MAX_BACKOFF = timedelta(hours=1)
TIMEOUT_S = 15.0


@dataclass
class PollResult:
    url: str
    status: str  # "not due" | "unchanged" | "read" | "failed"
    taken: list[int] = field(default_factory=list)  # ids of alerts newly taken in
    refused: list[str] = field(default_factory=list)  # why entries were refused


def _state(session: Session, url: str) -> CapFeedState:
    state = session.exec(select(CapFeedState).where(CapFeedState.url == url)).first()
    if state is None:
        state = CapFeedState(url=url)
        session.add(state)
        session.flush()
    return state


@dataclass(frozen=True)
class Fetched:
    status_code: int
    etag: str
    last_modified: str
    content: bytes


def _get(client: httpx.Client, url: str, headers: dict[str, str] | None = None) -> Fetched:
    """GET with a size limit (read in chunks, so a huge answer is cut off, not loaded)."""
    with client.stream("GET", url, headers=headers or {}) as reply:
        body = bytearray()
        for chunk in reply.iter_bytes():
            body += chunk
            if len(body) > MAX_FEED_BYTES:
                raise ValueError(f"{url} is larger than {MAX_FEED_BYTES // 1_000_000} MB")
        return Fetched(reply.status_code, reply.headers.get("etag", ""), reply.headers.get("last-modified", ""),
                       bytes(body))


def entries(feed: bytes) -> list[tuple[bytes | None, str | None]]:
    """(embedded CAP alert XML, link) per Atom entry or RSS item, in feed order; the feed itself is parsed
    as hostile as an alert (no DTD, no entities)."""
    from xml.etree.ElementTree import ParseError, tostring

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(feed, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError) as exc:
        raise ValueError(f"the feed is not acceptable XML: {exc}") from None
    found: list[tuple[bytes | None, str | None]] = []
    items = root.findall(f"{ATOM}entry") or root.findall("./channel/item")
    for item in items:
        alert = item.find(f".//{{{cap.NS}}}alert")
        link = None
        for candidate in item.findall(f"{ATOM}link"):
            if candidate.get("rel", "alternate") in ("alternate", "related", "enclosure") and candidate.get("href"):
                link = candidate.get("href")
                break
        if link is None and item.find("link") is not None:
            link = (item.findtext("link") or "").strip() or None
        found.append((tostring(alert, encoding="utf-8", xml_declaration=True) if alert is not None else None, link))
    return found


def poll(engine: Engine, settings: Settings, url: str, now: datetime, voice: str,
         client: httpx.Client | None = None) -> PollResult:
    """Poll one feed if it is due; take its alerts in."""
    with session_scope(engine) as session:
        state = _state(session, url)
        if state.next_poll_at is not None and state.next_poll_at > now:
            return PollResult(url, "not due")
        validators = {k: v for k, v in (("If-None-Match", state.etag),
                                         ("If-Modified-Since", state.last_modified)) if v}
    own = client is None
    client = client or httpx.Client(timeout=TIMEOUT_S, follow_redirects=True)
    result = PollResult(url, "read")
    try:
        try:
            reply = _get(client, url, validators)
            if reply.status_code == 304:
                result.status = "unchanged"
            elif reply.status_code != 200:
                raise ValueError(f"the feed answered HTTP {reply.status_code}")
            else:
                documents = []
                for embedded, link in entries(reply.content):
                    if embedded is None and link:
                        linked = _get(client, link)
                        if linked.status_code != 200:
                            result.refused.append(f"{link}: HTTP {linked.status_code}")
                            continue
                        embedded = linked.content
                    if embedded is not None:
                        documents.append(embedded)
                result.taken = _take(engine, settings, documents, now, voice, result.refused)
        except (httpx.HTTPError, ValueError) as exc:
            _failed(engine, url, now, settings, str(exc))
            log.warning("CAP feed %s: %s", url, exc)
            result.status = "failed"
            return result
    finally:
        if own:
            client.close()
    with session_scope(engine) as session:
        state = _state(session, url)
        if result.status == "read":
            state.etag, state.last_modified = reply.etag[:300], reply.last_modified[:100]
            state.taken += len(result.taken)
        state.last_polled_at, state.failures = now, 0
        state.last_error = "; ".join(result.refused)[:1000]
        state.next_poll_at = now + timedelta(seconds=settings.cap_feed_interval_s)
        session.add(state)
    return result


def _take(engine: Engine, settings: Settings, documents: list[bytes], now: datetime, voice: str,
          refused: list[str]) -> list[int]:
    """Each alert in its own transaction: one refused alert does not undo the others."""
    taken = []
    for raw in documents:
        try:
            with session_scope(engine) as session:
                got = intake.receive(session, raw, via="feed", settings=settings, voice=voice, now=now)
                if got.created:
                    taken.append(got.record.id or 0)
        except cap.CapRejected as exc:
            refused.append(exc.message)
            log.warning("CAP feed alert refused: %s", exc.message)
    return taken


def _failed(engine: Engine, url: str, now: datetime, settings: Settings, error: str) -> None:
    with session_scope(engine) as session:
        state = _state(session, url)
        state.failures += 1
        state.last_polled_at, state.last_error = now, error[:1000]
        wait = timedelta(seconds=settings.cap_feed_interval_s * 2 ** min(state.failures, 12))
        state.next_poll_at = now + min(wait, MAX_BACKOFF)
        session.add(state)


def poll_all(engine: Engine, settings: Settings, now: datetime, voice: str) -> list[PollResult]:
    """Every configured feed that is due (nothing at all when none is configured)."""
    return [poll(engine, settings, url, now, voice) for url in settings.cap_feeds]
