"""The application factory. All work happens in the lifespan, none at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from broadcast import __version__
from broadcast.api import (
    alerts,
    auth,
    bulletins,
    health,
    lexicon,
    media,
    placements,
    receiver,
    stations,
    users,
    voices,
)
from broadcast.config import Settings
from broadcast.errors import ServiceError
from broadcast.runtime import Runtime
from broadcast.schedule import changes

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, start_jobs: bool | None = None,
               on_seed=None) -> FastAPI:  # type: ignore[no-untyped-def]
    """Build the service. ``on_seed`` receives the demo credentials the first time (``serve`` prints them)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.open(settings or Settings())
        app.state.runtime = runtime
        seeded = runtime.seed_if_empty()
        if seeded and on_seed:
            on_seed(seeded)
        if start_jobs if start_jobs is not None else runtime.settings.scheduler:
            from broadcast.jobs import Jobs

            jobs = Jobs(runtime.job_deps())
            jobs.start()
            runtime.jobs = jobs
        flusher = asyncio.create_task(receiver.flush_last_seen_periodically(app, runtime.engine))
        cache = receiver.poll_cache(app)
        changes.on_poll_change(cache.bump)
        listener = None
        if runtime.engine.dialect.name == "postgresql":  # other processes' changes arrive by NOTIFY
            from broadcast.distribute.pgpoll import libpq_url

            listener = asyncio.create_task(cache.listen(libpq_url(runtime.settings.db_url)))
        try:
            yield
        finally:
            flusher.cancel()
            changes.no_longer_on_poll_change(cache.bump)
            if listener is not None:
                listener.cancel()
            await receiver.close_poll_reader(app)
            seen = getattr(app.state, "receiver_last_seen", None)
            if seen is not None and seen.pending:
                seen.flush(runtime.engine)
            runtime.close()

    # /docs and /redoc with Swagger UI and ReDoc served from the installed fastapi-offline package (under
    # /static-offline-docs): the API docs work on a commune office network without internet.
    app = FastAPIOffline(title="broadcast", version=__version__, lifespan=lifespan,
                  description="Text-to-speech bulletins for commune loudspeaker systems (truyền thanh cơ sở).")

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, **exc.extra}, status_code=exc.status_code)

    app.include_router(health.router)
    # hot paths first
    for module in (receiver, media, auth, bulletins, placements, stations, lexicon, voices, alerts, users):
        app.include_router(module.router, prefix="/api/v1")
    from broadcast.web import install as install_web

    install_web(app)
    from broadcast.web.docs_gate import DocsGate
    from broadcast.web.headers import SecurityHeaders
    from broadcast.web.input_guard import InputGuard
    from broadcast.web.limits import BodyLimit

    app.add_middleware(InputGuard)  # NUL, lone surrogates, >64-bit ints, off-calendar dates: 422
    app.add_middleware(BodyLimit)  # counts body bytes as they stream in (413 past the route's limit)
    app.add_middleware(DocsGate)
    app.add_middleware(receiver.PollFastPath)  # inside the headers middleware: cached 304s carry them too
    app.add_middleware(SecurityHeaders)  # added last: wraps everything, so every answer carries the headers
    return app


def worker_app() -> FastAPI:
    """One of ``broadcast serve --workers N``'s processes (uvicorn imports this factory in each); the parent
    migrated and seeded the database before starting them."""
    from broadcast.cli_common import load_settings

    return create_app(load_settings())
