"""What every staff page shares: the session cookie, CSRF checks, templates and error pages.

A web login is an ``AuthToken`` of kind ``web``: the cookie holds its secret (only a hash is stored), and
the token row holds the CSRF token that every form and every script request must send back. Errors from
the services are caught by :class:`WebRoute` and shown as a Vietnamese page; the database session has
already rolled back by then, so a refused action leaves nothing behind.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup
from sqlmodel import Session

from broadcast.api.deps import RuntimeDep, SessionDep
from broadcast.errors import ServiceError
from broadcast.models import AuthToken, Role, User
from broadcast.models.types import in_zone
from broadcast.runtime import Runtime
from broadcast.schedule.clock import clock_for
from broadcast.services import accounts
from broadcast.web import i18n, messages
from broadcast.web.messages import say

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "bc_session"
LOGIN_CSRF_COOKIE = "bc_login_csrf"

templates = Jinja2Templates(directory=str(HERE / "templates"))


class LoginRequired(Exception):
    """No valid web session: send the browser to the login page."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token."""


class PasswordChangeRequired(Exception):
    """The user logs in with a one-time password from an admin reset: only the password change is open."""


#: What a user who must change a reset password may still reach (static files never pass through here).
PASSWORD_CHANGE_OPEN = frozenset({"/account/password", "/logout"})


class RoleRequired(Exception):
    def __init__(self, roles: tuple[Role, ...]) -> None:
        super().__init__(", ".join(r.value for r in roles))
        self.roles = roles


@dataclass
class WebCtx:
    """One request of a logged-in person: who, their session token, the database session and the runtime."""

    request: Request
    session: Session
    runtime: Runtime
    user: User
    token: AuthToken
    _allowed: set[int] | None = field(default=None, init=False)
    _station_names: dict[str, str] | None = field(default=None, init=False)

    @property
    def settings(self):  # type: ignore[no-untyped-def]
        return self.runtime.settings

    @property
    def can_review(self) -> bool:
        return self.user.role in (Role.admin, Role.approver)

    def now(self) -> datetime:
        """The service's clock (it honours ``clock_offset_s``, like scheduling and the receiver protocol)."""
        return clock_for(self.runtime.settings).now()

    def publish_now(self) -> None:
        """Commit, then have receivers' manifests (and pushes) rebuilt at once instead of at the next tick."""
        self.session.commit()
        if self.runtime.jobs:
            self.runtime.jobs.wake_publication()

    def require(self, *roles: Role) -> None:
        if self.user.role not in roles:
            raise RoleRequired(roles)


def web_ctx(request: Request, session: SessionDep, runtime: RuntimeDep) -> WebCtx:
    request.state.db = session  # so that WebRoute can roll back when it turns an error into a page
    raw = request.cookies.get(SESSION_COOKIE)
    found = accounts.resolve_token(session, raw, kind="web") if raw else None
    if found is None:
        raise LoginRequired()
    user, token = found
    if user.role == Role.intake:  # a warning centre's machine account: the API's alert intake only
        raise RoleRequired((Role.editor, Role.approver, Role.admin))
    if user.must_change_password and request.url.path not in PASSWORD_CHANGE_OPEN:
        raise PasswordChangeRequired()
    return WebCtx(request, session, runtime, user, token)


async def web_post(request: Request, ctx: Annotated[WebCtx, Depends(web_ctx)]) -> WebCtx:
    """``web_ctx`` plus the CSRF check: the form field ``csrf_token`` or the ``X-CSRF-Token`` header."""
    sent = request.headers.get("x-csrf-token")
    if not sent:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not ctx.token.csrf_token or not hmac.compare_digest(sent, ctx.token.csrf_token):
        log.warning("CSRF check failed for user %s on %s", ctx.user.username, request.url.path)
        raise CsrfFailed()
    return ctx


Web = Annotated[WebCtx, Depends(web_ctx)]
WebPost = Annotated[WebCtx, Depends(web_post)]


def secure_cookies(request: Request, runtime: Runtime) -> bool:
    return runtime.settings.secure_cookies or request.url.scheme == "https"


# ---------------------------------------------------------------------------------------------- templates

@pass_context
def _local(context: Any, value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    if value is None:
        return "—"
    return in_zone(value, context["tz"]).strftime(fmt)


def _names(context: Any) -> dict[str, str]:
    """Station code → name, looked up once per page."""
    ctx = context.get("ctx")
    if ctx is None:
        return {}
    if ctx._station_names is None:
        from sqlmodel import select as _select

        from broadcast.models import Station

        ctx._station_names = {code: name for code, name in ctx.session.exec(_select(Station.code, Station.name)).all()}
    return ctx._station_names


@pass_context
def _audit_vi(context: Any, detail: str | None) -> str:
    """An audit detail in Vietnamese with station names instead of codes."""
    return i18n.audit_sentence(detail, _names(context))


@pass_context
def _station_vi(context: Any, code: str) -> str:
    return _names(context).get(code, code)


def _zone_name(zone: Any) -> str:
    """The footer's time zone in words: 'giờ Việt Nam (GMT+7)', or the offset elsewhere."""
    offset = datetime.now(zone).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    gmt = f"GMT{hours:+d}" if hours else "GMT"
    return say("zone_vietnam", gmt=gmt) if getattr(zone, "key", "") in ("Asia/Ho_Chi_Minh", "Asia/Saigon") else gmt


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _ago(value: datetime | None, now: datetime) -> str:
    if value is None:
        return say("never_heard")
    seconds = max(0, int((now - value).total_seconds()))
    if seconds < 60:
        return say("ago", span=say("seconds", n=seconds))
    if seconds < 3600:
        return say("ago", span=say("minutes", n=seconds // 60))
    if seconds < 86400:
        return say("ago", span=say("hours", n=seconds // 3600))
    return say("ago", span=say("days", n=seconds // 86400))


templates.env.filters.update(
    local=_local, duration=_duration, decimal=i18n.decimal, receiver_vi=i18n.receiver_sentence,
    day_vi=i18n.day_vi, day_text=i18n.day_text, clock_text=i18n.clock_text,
    audit_vi=_audit_vi, zone_name=_zone_name, station_vi=_station_vi,
    health_vi=i18n.health_sentence,
    group_vi=lambda v: i18n.AUDIT_GROUPS.get(v, v), object_vi=lambda v: i18n.OBJECTS.get(v, v),
    status_vi=lambda v: i18n.STATUS.get(getattr(v, "value", v), v),
    priority_vi=lambda v: i18n.PRIORITY.get(getattr(v, "value", v), v),
    role_vi=lambda v: i18n.ROLE.get(getattr(v, "value", v), v),
    item_vi=lambda v: i18n.ITEM_STATUS.get(getattr(v, "value", v), v),
    mode_vi=lambda v: i18n.MODE.get(getattr(v, "value", v), v),
    action_vi=lambda v: i18n.ACTIONS.get(v, v),
    rule_vi=lambda v: i18n.RULE.get(v, v),
    urlq=lambda v: quote(str(v), safe=""),
)
templates.env.filters["version_state_vi"] = lambda v: i18n.VERSION_STATE.get(getattr(v, "value", v), v)
templates.env.globals.update(ago=_ago, WEEKDAYS=i18n.WEEKDAYS, STATUS=i18n.STATUS, PRIORITY=i18n.PRIORITY,
                             ROLE=i18n.ROLE, JS_MESSAGES=messages.JS,
                             AS_RUN_KIND=messages.AS_RUN_KIND)

FLASH = messages.FLASH


def _emergencies(ctx: WebCtx) -> list[tuple[Any, Any]]:
    """Running emergencies on the user's stations, each with where it really stands (clusters online, played)."""
    from datetime import timedelta

    from broadcast.services import emergency
    from broadcast.services.accounts import station_ids_for
    from broadcast.services.delivery import placement_delivery

    running = emergency.active(ctx.session, ctx.user)
    if not running:
        return []
    allowed = station_ids_for(ctx.session, ctx.user)
    offline_after = timedelta(seconds=ctx.settings.receiver_offline_after_s)
    return [(e, placement_delivery(ctx.session, e.placement.id or 0, offline_after, ctx.now(), allowed))
            for e in running]


def _unread(ctx: WebCtx) -> int:
    from broadcast.services.notifications import unread_count

    return unread_count(ctx.session, ctx.user)


def render(ctx: WebCtx, name: str, status_code: int = 200, **data: Any) -> HTMLResponse:
    """A full page for a logged-in user, with the emergency banner and the flash message."""
    context = {"user": ctx.user, "csrf": ctx.token.csrf_token, "tz": ctx.settings.tz, "ctx": ctx,
               "emergencies": _emergencies(ctx), "unread": _unread(ctx),
               "flash": FLASH.get(ctx.request.query_params.get("m", "")), "path": ctx.request.url.path, **data}
    return templates.TemplateResponse(ctx.request, name, context, status_code=status_code)


def render_fragment(ctx: WebCtx, name: str, **data: Any) -> HTMLResponse:
    context = {"user": ctx.user, "csrf": ctx.token.csrf_token, "tz": ctx.settings.tz, "ctx": ctx, **data}
    return templates.TemplateResponse(ctx.request, name, context)


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    if flash:
        url += ("&" if "?" in url else "?") + f"m={flash}"
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status_code: int, title: str, message: i18n.Message) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    context = {"user": None, "tz": runtime.settings.tz, "title": title, "message": message,
               "back": request.headers.get("referer", "")}
    if request.headers.get("x-requested-with") == "fetch":
        body = Markup('<div class="alert error" role="alert"><strong>{}</strong> {}</div>').format(
            message.text, message.detail)
        return HTMLResponse(body, status_code=status_code)
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)


FORM_OVERHEAD = 1024 * 1024  # the text box and the other fields travel with the file
_TITLES = messages.ERROR_TITLES


def _body_too_large(request: Request) -> i18n.Message | None:
    """Refuse an oversized upload from its Content-Length, before the body is read and spooled to disk."""
    runtime: Runtime = request.app.state.runtime
    limit = runtime.settings.max_upload_mb * 1024 * 1024
    try:
        length = int(request.headers.get("content-length", "0"))
    except ValueError:
        return None
    if length > limit + FORM_OVERHEAD:
        return i18n.Message(say("too_large", size=i18n.decimal(length / 1048576, 1),
                                limit=runtime.settings.max_upload_mb))
    return None


class WebRoute(APIRoute):
    """Turns the web pages' exceptions into Vietnamese pages (or a redirect to the login)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await original(request)
            except Exception:
                # The session dependency sees a normal return once the error has become a page: undo here.
                session = getattr(request.state, "db", None)
                if session is not None:
                    session.rollback()
                raise

        async def handler(request: Request) -> Response:
            too_big = _body_too_large(request)
            if too_big:
                return error_page(request, 413, _TITLES[413], too_big)
            try:
                return await guarded(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                if request.method != "GET" or request.headers.get("x-requested-with") == "fetch":
                    return error_page(request, 401, _TITLES[401], i18n.Message(say("session_expired")))
                return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
            except PasswordChangeRequired:
                if request.method != "GET" or request.headers.get("x-requested-with") == "fetch":
                    return error_page(request, 403, _TITLES[403], i18n.Message(say("password_must_change")))
                return RedirectResponse("/account/password", status_code=303)
            except CsrfFailed:
                return error_page(request, 403, say("csrf_title"), i18n.Message(say("csrf")))
            except RoleRequired as exc:
                roles = ", ".join(i18n.ROLE[r.value] for r in exc.roles)
                return error_page(request, 403, _TITLES[403], i18n.Message(say("role_required", roles=roles)))
            except ServiceError as exc:
                return error_page(request, exc.status_code, _TITLES.get(exc.status_code, say("failed")),
                                  i18n.translate(exc.message))
            except RequestValidationError as exc:
                fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
                return error_page(request, 422, _TITLES[422],
                                  i18n.Message(say("form_invalid"), say("form_fields", fields=fields)))

        return handler
