"""Log in, log out and the home page.

Login is protected by a double-submit CSRF cookie (there is no session yet), and throttled per username and
per client address (``services.login``): after a few failures in a row the next attempts are refused at
once with 429 and ``Retry-After``; each failure is written to the log and the audit trail. A web session
lives ``token_ttl_hours`` (a working day by default); logging out revokes it in the database, so the old
cookie is worthless even if kept.
"""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from broadcast.alerts import records as alert_records
from broadcast.api.deps import RuntimeDep
from broadcast.models import Role
from broadcast.runtime import Runtime
from broadcast.security import new_secret
from broadcast.services import accounts, audit, bulletins, firstrun
from broadcast.services.dashboard import station_statuses
from broadcast.services.login import USER_RULE, Busy, Throttled, WrongLogin
from broadcast.web.core import (
    FLASH,
    HERE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Web,
    WebPost,
    WebRoute,
    redirect,
    render,
    secure_cookies,
    templates,
)
from broadcast.web.messages import say

log = logging.getLogger(__name__)
router = APIRouter(route_class=WebRoute)


def _safe_next(target: str) -> str:
    """Only same-site paths: never redirect to another host after login."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, runtime: Runtime, error: str = "", username: str = "", nxt: str = "/",
                status_code: int = 200) -> HTMLResponse:
    csrf = new_secret()
    response = templates.TemplateResponse(request, "login.html", {
        "user": None, "csrf": csrf, "error": error, "username": username, "next": nxt, "tz": runtime.settings.tz,
        "flash": FLASH.get(request.query_params.get("m", "")),
    }, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, csrf, max_age=3600, httponly=True, samesite="strict",
                        secure=secure_cookies(request, runtime), path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, runtime: RuntimeDep, next: str = "/") -> HTMLResponse:  # noqa: A002
    return _login_page(request, runtime, nxt=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, runtime: RuntimeDep, username: Annotated[str, Form(max_length=200)] = "",
                password: Annotated[str, Form(max_length=1000)] = "", csrf_token: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/") -> Response:  # noqa: A002
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not hmac.compare_digest(cookie, csrf_token):
        return _login_page(request, runtime, say("login_stale"), username, _safe_next(next),
                           status_code=403)
    client = request.client.host if request.client else ""
    ttl = timedelta(hours=runtime.settings.token_ttl_hours)
    try:
        secret, _user = await runtime.login_guard.log_in(runtime.engine, username, password, client, "web", ttl)
    except Throttled as exc:
        page = _login_page(request, runtime, say("login_wait", seconds=exc.retry_after),
                           username, _safe_next(next), status_code=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except Busy as exc:
        page = _login_page(request, runtime, say("login_busy"),
                           username, _safe_next(next), status_code=503)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except WrongLogin as exc:
        message = say("login_wrong")
        if exc.failures >= USER_RULE.free:
            message += say("login_throttled")
        return _login_page(request, runtime, message, username, _safe_next(next), status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, max_age=runtime.settings.token_ttl_hours * 3600, httponly=True,
                        samesite="lax", secure=secure_cookies(request, runtime), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(ctx: WebPost) -> Response:
    accounts.revoke_token(ctx.session, ctx.token)
    audit.record(ctx.session, ctx.user, "user.logout", "user", ctx.user.id, "web")
    response = redirect("/login", "logout")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=secure_cookies(ctx.request, ctx.runtime))
    return response


@router.get("/", response_class=HTMLResponse)
def home(ctx: Web) -> HTMLResponse:
    """The dashboard: what waits for this person, and which stations are silent."""
    user, session = ctx.user, ctx.session
    waiting, warnings = [], []
    if ctx.can_review:
        waiting = bulletins.awaiting_review(session, user)  # not written or changed by them
        warnings = alert_records.waiting(session, user)  # CAP warnings whose draft waits for them
    mine = [b for b in bulletins.filter_bulletins(session, user, limit=200) if b.created_by == user.id][:10]
    statuses = station_statuses(session, user, timedelta(seconds=ctx.settings.receiver_offline_after_s), ctx.now())
    steps = firstrun.checklist(session) if user.role == Role.admin else []
    return render(ctx, "home.html", waiting=waiting, warnings=warnings, mine=mine,
                  silent=[s for s in statuses if s.silent],
                  station_count=len(statuses), is_editor=user.role == Role.editor,
                  first_run=steps if not all(s.done for s in steps) else [])


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> FileResponse:
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})
