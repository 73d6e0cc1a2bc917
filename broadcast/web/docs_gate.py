"""Optionally keep the API docs (``/docs``, ``/redoc``, ``/openapi.json``) for logged-in staff only.

With ``BROADCAST_DOCS_REQUIRE_LOGIN=true`` a browser without a staff session is sent to the login page
(and back to the docs afterwards); a script asking for ``/openapi.json`` gets 401. The check needs the
database, so it runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from broadcast.db import session_scope
from broadcast.runtime import Runtime
from broadcast.services import accounts
from broadcast.web.core import SESSION_COOKIE

GATED = ("/docs", "/redoc", "/openapi.json")


def _session_secret(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is simply no session
                return ""
            morsel = jar.get(SESSION_COOKIE)
            return morsel.value if morsel else ""
    return ""


def _logged_in(runtime: Runtime, secret: str) -> bool:
    if not secret:
        return False
    with session_scope(runtime.engine) as session:
        return accounts.resolve_token(session, secret, kind="web") is not None


class DocsGate:
    """Pure ASGI middleware: answers gated paths itself unless the request carries a staff session."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        runtime: Runtime | None = getattr(scope["app"].state, "runtime", None) if path.startswith(GATED) else None
        if (runtime is not None and runtime.settings.docs_require_login
                and not await run_in_threadpool(_logged_in, runtime, _session_secret(scope))):
            response: Response
            if path.startswith("/openapi.json"):
                response = JSONResponse({"detail": "log in to the staff web app to read the API description"},
                                        status_code=401)
            else:
                response = RedirectResponse(f"/login?next={path}", status_code=303)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
