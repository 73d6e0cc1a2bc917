"""Request-body limits enforced while the body streams in, so nothing oversized is ever buffered or spooled.

A ``Content-Length`` pre-check alone is not enough: a chunked body announces no length, and Starlette's
multipart parser would spool all of it to disk before the handler could refuse it. This pure ASGI middleware
counts the bytes of every ``http.request`` message and stops the request as soon as the running total
passes the route's limit: multipart uploads may be as large as the configured upload limit (plus the form
fields travelling with the file), every other body (JSON, forms, receiver reports) at most ``SMALL_BODY``.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from broadcast.web.asgi import HttpMiddleware, refuse
from broadcast.web.messages import decimal, say

SMALL_BODY = 1024 * 1024  # a bulletin of 100k characters is ~300 kB of JSON; a receiver report far less
FORM_OVERHEAD = 1024 * 1024  # the text box and the other fields travel with an uploaded file
# A receiver's report batch: at most 500 events with a detail of up to 1000 characters (3 bytes each in UTF-8).
LARGER_BODIES = {"/api/v1/receiver/reports": 4 * 1024 * 1024}
CLOSE = ((b"connection", b"close"),)  # a refused upload may still be arriving: end the connection


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the body passes its limit; FastAPI re-raises it untouched as a 413."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


def limit_for(scope: Scope, upload_bytes: int) -> int:
    """The most bytes this request's body may have: uploads (multipart) get the upload limit."""
    for name, value in scope.get("headers", []):
        if name == b"content-type" and value.lower().startswith(b"multipart/form-data"):
            return upload_bytes + FORM_OVERHEAD
    return LARGER_BODIES.get(scope.get("path", ""), SMALL_BODY)


def message_for(path: str, limit: int) -> str:
    megabytes = limit / 1048576
    if path.startswith("/api/"):
        return f"the request body is larger than {megabytes:.0f} MB"
    return say("body_too_large", limit=decimal(megabytes, 0))


class BodyLimit(HttpMiddleware):
    """Pure ASGI middleware: counts request-body bytes as they arrive and answers 413 past the limit."""

    def __init__(self, app: ASGIApp, upload_bytes: int | None = None) -> None:
        super().__init__(app)
        self.upload_bytes = upload_bytes

    def _upload_bytes(self, scope: Scope) -> int:
        if self.upload_bytes is not None:
            return self.upload_bytes
        app = scope.get("app")
        runtime = getattr(getattr(app, "state", None), "runtime", None)
        megabytes = runtime.settings.max_upload_mb if runtime is not None else 50
        return int(megabytes) * 1024 * 1024

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        limit = limit_for(scope, self._upload_bytes(scope))
        detail = message_for(path, limit)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if path.startswith("/api/") and declared.isdigit() and int(declared) > limit:
            await refuse(send, 413, detail, CLOSE)  # announced too big: refused before a byte of it is read
            return
        # Web pages check Content-Length themselves (a Vietnamese page); the count below catches the rest.
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(detail)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await refuse(send, 413, detail, CLOSE)
