"""The shared frame of the pure ASGI middlewares (security headers, input guard, body limit): they act on
HTTP requests only, let lifespan and websocket traffic straight through, and refuse with a small JSON reply
of their own, never buffering a body they pass on."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Pure ASGI middleware for HTTP requests; subclasses implement :meth:`handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


async def refuse(send: Send, status: int, detail: str, extra_headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """Answer ``{"detail": …}`` with ``status`` without calling the app."""
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
