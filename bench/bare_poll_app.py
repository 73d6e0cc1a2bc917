"""The baseline for ``poll_bench.py``: a bare Starlette app answering the same poll from memory.

It knows each receiver's token, ETag and manifest (a file written by the bench: ``token etag`` lines and
one body) and answers like the service: 401 for an unknown token, 304 when If-None-Match matches, else the
body. No database, no middleware: what "the same bytes from memory" costs with the same server (uvicorn).
Run by the bench as ``uvicorn bench.bare_poll_app:app`` with ``BARE_POLL_FLEET`` naming the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _load(path: Path) -> tuple[dict[str, str], bytes]:
    lines = path.read_text().splitlines()
    body = Path(str(path) + ".body").read_bytes()
    return dict(line.split(" ", 1) for line in lines if line), body  # type: ignore[misc]


ETAGS, BODY = _load(Path(os.environ["BARE_POLL_FLEET"]))


async def playlist(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    etag = ETAGS.get(token) if scheme.lower() == "bearer" else None
    if etag is None:
        return JSONResponse({"detail": "unknown device token"}, status_code=401)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(BODY, media_type="application/json", headers=headers)


app = Starlette(routes=[Route("/api/v1/receiver/playlist", playlist)])
