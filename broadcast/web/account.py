"""The person's own account: change one's password (the current one is needed).

Same rules as ``POST /api/v1/auth/password``: the policy of ``services.passwords``, a wrong current password
throttled and audited (``LoginGuard.confirm_password``), every other session of the user ended. It is also
where a one-time password from an admin reset must be replaced: until then every other page redirects here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from broadcast.errors import ServiceError
from broadcast.services import accounts, audit
from broadcast.services.login import Throttled
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render

router = APIRouter(route_class=WebRoute)


def _page(ctx: WebCtx, error: i18n.Message | None = None, status_code: int = 200) -> HTMLResponse:
    return render(ctx, "account_password.html", status_code=status_code, error=error)


@router.get("/account/password", response_class=HTMLResponse)
def password_page(ctx: Web) -> HTMLResponse:
    return _page(ctx)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(ctx: WebPost, current: Annotated[str, Form(max_length=1000)] = "",
                    new: Annotated[str, Form(max_length=1000)] = "",
                    repeat: Annotated[str, Form(max_length=1000)] = "") -> Response:
    client = ctx.request.client.host if ctx.request.client else ""
    ctx.session.commit()  # hand the connection back while argon2 runs (and waits for its one worker)
    try:
        if not ctx.runtime.login_guard.confirm_password(ctx.runtime.engine, ctx.user, current, client,
                                                        "password change"):
            return _page(ctx, i18n.translate("the current password is wrong"), 403)
    except Throttled as exc:
        page = _page(ctx, i18n.translate(exc.message), 429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if new != repeat:
        return _page(ctx, i18n.Message(i18n.say("password_mismatch")), 422)
    try:
        accounts.change_password(ctx.session, ctx.user, new, keep_token=ctx.token, current_password=current)
    except ServiceError as exc:
        ctx.session.rollback()
        return _page(ctx, i18n.translate(exc.message), exc.status_code)
    audit.record(ctx.session, ctx.user, "user.password_changed", "user", ctx.user.id, "web, from " + client)
    return redirect("/account/password", "password_changed")
