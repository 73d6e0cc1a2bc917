"""Receiver protocol v1, device side: the signed playlist, the signing key and reports.

See docs/receiver-protocol.md. The playlist poll is the hot path (every receiver, every minute): it
authenticates with one indexed read that also returns the stored manifest's ETag and its station feed's
version, and answers 304 without touching anything else when nothing changed. The state read is then kept
in the process's poll cache (:mod:`broadcast.distribute.pollcache`), and :class:`PollFastPath`, a pure
ASGI layer ahead of routing, answers the next unchanged polls from memory: no database, no thread hop,
no FastAPI request machinery.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import bindparam, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broadcast.api.deps import CurrentReceiver, RuntimeDep, SessionDep
from broadcast.distribute.manifests import PollState, current_manifest
from broadcast.distribute.pollcache import PollCache
from broadcast.distribute.pollreader import PollReader
from broadcast.distribute.reports import ingest
from broadcast.models import Receiver
from broadcast.protocol import Enrolment, ReportsReply, ReportsRequest, SigningKeyInfo
from broadcast.runtime import Runtime
from broadcast.schedule.clock import clock_for
from broadcast.security import DeviceToken, secrets_match

router = APIRouter(prefix="/receiver", tags=["receiver protocol"])
PLAYLIST_PATH = "/api/v1/receiver/playlist"
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


@router.get("/signing-key", response_model=SigningKeyInfo)
def signing_key(runtime: RuntimeDep) -> SigningKeyInfo:
    """The Ed25519 public key receivers pin at enrolment (also printed by `broadcast keys show`)."""
    key = runtime.signing_key
    return SigningKeyInfo(key_id=key.key_id, public_key=key.public_b64)


@router.get("/enrolment", response_model=Enrolment)
def enrolment(request: Request, receiver: CurrentReceiver, session: SessionDep, runtime: RuntimeDep) -> Enrolment:
    """Where this receiver polls: its feed on object storage (when published there) and this API."""
    from broadcast.distribute.mirror import feed_url
    from broadcast.models import Station

    station = session.get(Station, receiver.station_id)
    api_url = (runtime.settings.public_url or str(request.base_url)).rstrip("/")
    return Enrolment(receiver_id=receiver.id or 0, station=station.code if station else "", api_url=api_url,
                     feed_url=feed_url(runtime.settings, receiver))


def _rebuild(runtime: Runtime, receiver_id: int, now: datetime) -> tuple[bytes, str]:
    with Session(runtime.engine, expire_on_commit=False) as session:
        receiver = session.get(Receiver, receiver_id)
        assert receiver is not None
        published = current_manifest(session, receiver, runtime.signing_key, runtime.settings.media_base_url, now)
        session.commit()
    return published.body, published.etag


class LastSeen:
    """Receivers' last-seen times, written in batches (one UPDATE every few seconds, not one per poll).

    A crash loses at most a few seconds of "last seen" times, which the next poll restores.
    """

    FLUSH_EVERY_S = 5.0

    def __init__(self) -> None:
        self.pending: dict[int, datetime] = {}
        self.lock = threading.Lock()
        self.next_flush = time.monotonic() + self.FLUSH_EVERY_S
        self.flushing = False

    def note(self, receiver_id: int, now: datetime) -> bool:
        """Remember a poll; True when the caller should flush (in the background)."""
        with self.lock:
            self.pending[receiver_id] = now
            if self.flushing or time.monotonic() < self.next_flush:
                return False
            self.flushing = True
            return True

    def flush(self, engine: Engine) -> None:
        with self.lock:
            batch, self.pending = self.pending, {}
        try:
            if batch:
                with engine.begin() as connection:
                    table = Receiver.__table__  # type: ignore[attr-defined]
                    # never backwards: another process may have written a later time for the same receiver
                    connection.execute(update(table).where(
                        table.c.id == bindparam("rid"),
                        or_(table.c.last_seen_at.is_(None), table.c.last_seen_at < bindparam("seen"))).values(
                        last_seen_at=bindparam("seen")),
                        [{"rid": rid, "seen": seen} for rid, seen in sorted(batch.items())])
        finally:
            with self.lock:
                self.flushing = False
                self.next_flush = time.monotonic() + self.FLUSH_EVERY_S


async def flush_last_seen_periodically(app: Any, engine: Engine) -> None:
    """Write pending last-seen times every few seconds even when no further poll comes to trigger it,
    so a receiver that polled once and fell silent still shows when it was last seen."""
    while True:
        await asyncio.sleep(LastSeen.FLUSH_EVERY_S)
        seen: LastSeen | None = getattr(app.state, "receiver_last_seen", None)
        if seen is not None and seen.pending:
            await run_in_threadpool(seen.flush, engine)


def _last_seen_of(app: Any) -> LastSeen:
    seen = getattr(app.state, "receiver_last_seen", None)
    if seen is None:
        seen = app.state.receiver_last_seen = LastSeen()
    return seen


def _last_seen(request: Request) -> LastSeen:
    return _last_seen_of(request.app)


def poll_reader(app: Any, runtime: Runtime) -> PollReader:
    """The poll's own reader (made on first use): psycopg async connections on PostgreSQL, a couple of
    threads with their own connections on SQLite. Never SQLAlchemy's pool, never a blocking call on the
    event loop: a poll (and /healthz) answers while slow requests hold every pooled connection."""
    reader = getattr(app.state, "receiver_poll_reader", None)
    if reader is None:
        if runtime.engine.dialect.name == "sqlite":
            from broadcast.distribute.sqlitepoll import SqlitePollReader

            reader = SqlitePollReader(runtime.engine.url.database or "")
        else:
            from broadcast.distribute.pgpoll import AsyncPollReader  # psycopg: the `postgres` extra

            reader = AsyncPollReader(runtime.settings.db_url)
        app.state.receiver_poll_reader = reader
    return reader


async def close_poll_reader(app: Any) -> None:
    reader = getattr(app.state, "receiver_poll_reader", None)
    if reader is not None:
        app.state.receiver_poll_reader = None
        await reader.close()


def poll_cache(app: Any) -> PollCache:
    cache: PollCache | None = getattr(app.state, "poll_cache", None)
    if cache is None:
        cache = app.state.poll_cache = PollCache()
    return cache


async def _read(reader: PollReader, runtime: Runtime, token: DeviceToken, if_none_match: str | None,
                now: datetime, cache: PollCache) -> tuple[PollState | None, bool, bytes | None]:
    """The poll's one read (and the stored body when it must be sent): (state, current, body).

    A current state is remembered in the poll cache under the epoch seen *before* the read, so a change
    committed while the read was under way leaves the entry already outdated."""
    epoch = cache.epoch
    state = await reader.state(token.token_id)
    if state is None or state.revoked or not secrets_match(state.token_hash, token.secret):
        return None, False, None
    current = state.is_current(now, runtime.signing_key.key_id)
    if current:
        cache.put(token.token_id, token.secret, state, epoch)
    body = None
    if current and not _etag_matches(if_none_match, state.etag or ""):
        body = await reader.body(state.receiver_id)
    return state, current, body


def _unauthorised_reply(message: str) -> Response:
    return JSONResponse({"detail": message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def serve_playlist(request: Request) -> Response:
    """The poll, kept lean: it runs for every receiver every minute (see the module docstring)."""
    runtime: Runtime = request.app.state.runtime
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    token = DeviceToken.parse(raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return _unauthorised_reply("send the device token: Authorization: Bearer rcv_…")
    now = clock_for(runtime.settings).now()
    if_none_match = request.headers.get("if-none-match")
    cache = poll_cache(request.app)
    state, current, body = await _read(poll_reader(request.app, runtime), runtime, token, if_none_match, now, cache)
    if state is None:
        return _unauthorised_reply("unknown or revoked device token")
    etag = state.etag or ""
    if not current:
        body, etag = await run_in_threadpool(_rebuild, runtime, state.receiver_id, now)
    background = None
    if state.last_seen_at is None or now - state.last_seen_at > LAST_SEEN_RESOLUTION:
        seen = _last_seen(request)
        if seen.note(state.receiver_id, now):
            background = BackgroundTask(seen.flush, runtime.engine)
        entry = cache.entries.get(token.token_id)
        if entry is not None and entry.state is state:
            entry.seen_at = now
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if _etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers, background=background)
    return Response(body, media_type="application/json", headers=headers, background=background)


class PollFastPath:
    """Pure ASGI, ahead of routing: an unchanged poll whose state is in the poll cache gets its 304 here.

    Anything else (no cache entry, a changed ETag, a state no longer current, a missing header) goes on
    to the route below, which reads the database and fills the cache. The answer is the route's, byte for
    byte: same status and headers (the security headers are added by the middleware around this one).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PLAYLIST_PATH and scope["method"] == "GET":
            start = self._cached_reply(scope)
            if start is not None:
                await send(start)
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)

    def _cached_reply(self, scope: Scope) -> Message | None:
        authorization = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"if-none-match":
                if_none_match = value
        if authorization is None or if_none_match is None:
            return None
        scheme, _, raw = authorization.decode("latin-1").partition(" ")
        token = DeviceToken.parse(raw.strip()) if scheme.lower() == "bearer" else None
        app = scope.get("app")
        cache: PollCache | None = getattr(app.state, "poll_cache", None) if app is not None else None
        entry = cache.get(token.token_id, token.secret) if token is not None and cache is not None else None
        if entry is None:
            return None
        runtime: Runtime = app.state.runtime  # type: ignore[union-attr]
        now = clock_for(runtime.settings).now()
        state = entry.state
        if not state.is_current(now, runtime.signing_key.key_id) or not _etag_matches(
                if_none_match.decode("latin-1"), state.etag or ""):
            return None
        if entry.seen_at is None or now - entry.seen_at > LAST_SEEN_RESOLUTION:
            entry.seen_at = now
            seen = _last_seen_of(app)
            if seen.note(state.receiver_id, now):
                asyncio.get_running_loop().run_in_executor(None, seen.flush, runtime.engine)
        return {"type": "http.response.start", "status": 304,
                "headers": [(b"etag", (state.etag or "").encode("latin-1")), (b"cache-control", b"no-cache")]}


@router.get("/playlist", openapi_extra={"security": [{"DeviceToken": []}]},
            responses={200: {"description": "Signed manifest (see the JSON Schema)"},
                       304: {"description": "Unchanged since the ETag sent in If-None-Match"},
                       401: {"description": "Missing, unknown or revoked device token"}})
async def playlist(request: Request) -> Response:
    """The receiver's signed manifest for the next 24 hours; send If-None-Match to get 304 when unchanged.

    Authorization: Bearer rcv_… (the device token). No FastAPI dependencies on purpose: this is the
    hottest endpoint of the service.
    """
    return await serve_playlist(request)


@router.post("/reports", response_model=ReportsReply)
def reports(body: ReportsRequest, receiver: CurrentReceiver, session: SessionDep, runtime: RuntimeDep) -> ReportsReply:
    """Events (downloaded / played / failed / skipped / rejected) and a heartbeat; idempotent by event_id.

    Both ``accepted`` and ``duplicates`` acknowledge: the receiver deletes those events from its queue.
    """
    result = ingest(session, receiver, body, clock_for(runtime.settings).now())
    return ReportsReply(accepted=result.accepted, duplicates=result.duplicates, ignored=result.ignored)
