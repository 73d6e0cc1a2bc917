"""Security headers on every response: a strict Content-Security-Policy, no framing, no sniffing.

The staff pages load scripts and styles only from ``/static`` (no inline ``<script>``, ``style=`` or
``on…=`` handlers in templates), so the policy can forbid inline code: an injected ``<script>`` in a
bulletin title would not run even if escaping ever failed. The API docs (Swagger UI / ReDoc) are the one
exception: FastAPI renders them with an inline bootstrap script, so they get a policy that allows it but
still may not be framed; their assets come from this server (fastapi-offline), never from a CDN.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from broadcast.web.asgi import HttpMiddleware

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self'; worker-src 'self' blob:; connect-src 'self'; "
            "object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
COMMON = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
          (b"x-frame-options", b"DENY")]


def csp_for(path: str) -> str:
    return DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP


class SecurityHeaders(HttpMiddleware):
    """Pure ASGI middleware (no buffering of bodies): adds the headers to each response start."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        extra = [*COMMON, (b"content-security-policy", csp_for(scope.get("path", "")).encode())]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in extra if k not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)
