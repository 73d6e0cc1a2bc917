"""The notification inbox (the bell in the header) and the hook that fills it right after a web action."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError

from broadcast.services import notifications
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render

router = APIRouter(route_class=WebRoute)


def notify_now(ctx: WebCtx) -> None:
    """After a submission or rejection: commit, write the inbox entries at once, wake the e-mail job."""
    ctx.session.commit()
    try:
        notifications.collect(ctx.session, ctx.settings, ctx.now())
        ctx.session.commit()
    except IntegrityError:  # the scheduler wrote the same entries at the same moment
        ctx.session.rollback()
    if ctx.runtime.jobs:
        ctx.runtime.jobs.wake_notifications()


@router.get("/notifications", response_class=HTMLResponse)
def inbox(ctx: Web) -> HTMLResponse:
    return render(ctx, "notifications.html", notes=notifications.inbox(ctx.session, ctx.user), now=ctx.now(),
                  kinds=notifications.KINDS)


@router.get("/notifications/{notification_id}")
def open_one(notification_id: int, ctx: Web) -> Response:
    note = notifications.mark_read(ctx.session, ctx.user, ctx.now(), notification_id)
    ctx.session.commit()
    target = note.link if note and note.link.startswith("/") and not note.link.startswith("//") else "/notifications"
    return redirect(target)


@router.post("/notifications/read")
def read_all(ctx: WebPost) -> Response:
    notifications.mark_read(ctx.session, ctx.user, ctx.now())
    return redirect("/notifications", "notifications_read")
