"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request

from broadcast import __version__
from broadcast.api.receiver import poll_reader

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(request: Request) -> dict[str, str]:
    """Answers 200 when the database is reachable.

    Asked through the receiver poll's own connections, awaited: it answers at once even while slow
    requests hold every pooled connection and worker thread.
    """
    await poll_reader(request.app, request.app.state.runtime).ping()
    return {"status": "ok", "version": __version__}
