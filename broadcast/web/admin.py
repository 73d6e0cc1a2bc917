"""Admin pages (province level): lexicon, audit log, users, stations, receivers and the signing key."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from broadcast.distribute import mirror
from broadcast.errors import InvalidInput, NotFound, ServiceError
from broadcast.models import LexiconEntry, Receiver, Role, User
from broadcast.schedule import service as schedules
from broadcast.schedule import templates as slot_templates
from broadcast.services import accounts, audit, directory, lexicon_changes, receivers, stations
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render
from broadcast.web.messages import say

router = APIRouter(route_class=WebRoute, prefix="/admin")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PAGE = 100


async def _admin(ctx: Web) -> WebCtx:
    """Every page here is the province admin's (checked before any form is acted on)."""
    ctx.require(Role.admin)
    return ctx


async def _admin_post(ctx: WebPost) -> WebCtx:
    """A form posted to an admin page: the CSRF check first, then the role."""
    ctx.require(Role.admin)
    return ctx


Admin = Annotated[WebCtx, Depends(_admin)]
AdminPost = Annotated[WebCtx, Depends(_admin_post)]


def _lexicon_page(ctx: WebCtx, error: i18n.Message | None = None, values: dict[str, str] | None = None,
                  status_code: int = 200, q: str = "", impact: lexicon_changes.Impact | None = None,
                  deleting: bool = False) -> HTMLResponse:
    query = select(LexiconEntry).order_by(LexiconEntry.written)
    entries = [e for e in ctx.session.exec(query).all()
               if not q or q.lower() in e.written.lower() or q.lower() in e.spoken.lower()]
    return render(ctx, "admin/lexicon.html", status_code=status_code, entries=entries, error=error,
                  values=values or {"written": "", "spoken": "", "note": ""}, q=q, impact=impact,
                  deleting=deleting)


@router.get("/lexicon", response_class=HTMLResponse)
def lexicon_page(ctx: Admin, q: str = "") -> HTMLResponse:
    return _lexicon_page(ctx, q=q)


@router.post("/lexicon", response_class=HTMLResponse)
def lexicon_set(ctx: AdminPost, written: Annotated[str, Form(max_length=200)] = "",
                spoken: Annotated[str, Form(max_length=500)] = "",
                note: Annotated[str, Form(max_length=300)] = "", confirm: Annotated[str, Form()] = "") -> Response:
    """A province-wide reading. When it would re-read bulletins, the page first lists them and asks again."""
    values = {"written": written, "spoken": spoken, "note": note}
    try:
        if confirm != "1":
            impact = lexicon_changes.preview_set(ctx.session, ctx.user, written, spoken)
            if impact.affected:
                return _lexicon_page(ctx, values=values, impact=impact)
        _entry, done = lexicon_changes.set_entry(ctx.session, ctx.user, written, spoken, note.strip())
    except ServiceError as exc:
        ctx.session.rollback()
        return _lexicon_page(ctx, i18n.translate(exc.message), values, status_code=exc.status_code)
    _wake_synthesis(ctx, done)
    return redirect("/admin/lexicon", "lexicon")


@router.post("/lexicon/delete", response_class=HTMLResponse)
def lexicon_delete(ctx: AdminPost, written: Annotated[str, Form(max_length=200)] = "",
                   confirm: Annotated[str, Form()] = "") -> Response:
    if confirm != "1":
        impact = lexicon_changes.preview_delete(ctx.session, ctx.user, written)
        if impact.affected:
            return _lexicon_page(ctx, values={"written": written, "spoken": "", "note": ""}, impact=impact,
                                 deleting=True)
    done = lexicon_changes.delete_entry(ctx.session, ctx.user, written)
    _wake_synthesis(ctx, done)
    return redirect("/admin/lexicon", "lexicon_deleted")


def _wake_synthesis(ctx: WebCtx, impact: lexicon_changes.Impact) -> None:
    """Re-read bulletins have new versions: make their audio now so reviewers can listen."""
    ctx.session.commit()
    if impact.affected and ctx.runtime.jobs:
        ctx.runtime.jobs.wake_synthesis()


@router.get("/audit", response_class=HTMLResponse)
def audit_page(ctx: Admin, action: str = "", username: str = "", page: int = 0) -> HTMLResponse:
    page = max(0, page)
    rows = directory.audit_entries(ctx.session, action=action, username=username, limit=PAGE + 1,
                                   offset=page * PAGE)
    return render(ctx, "admin/audit.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page, action=action,
                  username=username, actions=sorted({a.split(".")[0] for a in i18n.ACTIONS}))


def _users_page(ctx: WebCtx, error: i18n.Message | None = None, status_code: int = 200,
                created: tuple[str, str] | None = None, reset: tuple[str, str] | None = None) -> HTMLResponse:
    return render(ctx, "admin/users.html", status_code=status_code, rows=directory.list_users(ctx.session),
                  stations=directory.visible_stations(ctx.session, ctx.user), error=error, created=created,
                  reset=reset,
                  # least privilege first (and preselected); intake: a warning centre's machine account
                  roles=[Role.editor, Role.approver, Role.admin, Role.intake])


@router.get("/users", response_class=HTMLResponse)
def users_page(ctx: Admin) -> HTMLResponse:
    return _users_page(ctx)


@router.post("/users", response_class=HTMLResponse)
def user_create(ctx: AdminPost, username: Annotated[str, Form(max_length=100)] = "",
                full_name: Annotated[str, Form(max_length=200)] = "", role: Annotated[str, Form()] = "editor",
                password: Annotated[str, Form(max_length=1000)] = "",
                stations: Annotated[list[str] | None, Form()] = None,
                email: Annotated[str, Form(max_length=254)] = "") -> Response:
    """Create an account; an empty password field makes a random one, shown on the page only this once."""
    from broadcast.services.passwords import generate

    secret = password or generate(username)
    try:
        address = _email(email)
        user = accounts.create_user(ctx.session, username, secret, Role(role) if role in i18n.ROLE else Role.editor,
                                    full_name.strip(), stations or [])
        user.email = address
        audit.record(ctx.session, ctx.user, "user.create", "user", user.id, f"{user.username} ({user.role.value})")
    except ServiceError as exc:
        ctx.session.rollback()
        return _users_page(ctx, i18n.translate(exc.message), exc.status_code)
    ctx.session.flush()
    return _users_page(ctx, created=(user.username, "" if password else secret))


def _email(value: str) -> str | None:
    """An e-mail address for notifications, or None; refuses what cannot be one."""
    value = value.strip()
    if not value:
        return None
    if not EMAIL_RE.fullmatch(value):
        raise InvalidInput(say("email_invalid", email=value))
    return value


@router.post("/users/{username}/email")
def user_email(username: str, ctx: AdminPost, email: Annotated[str, Form(max_length=254)] = "") -> Response:
    user = ctx.session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    user.email = _email(email)
    ctx.session.add(user)
    audit.record(ctx.session, ctx.user, "user.email", "user", user.id, user.username)
    return redirect("/admin/users", "user")


@router.post("/users/{username}/active")
def user_active(username: str, ctx: AdminPost, active: Annotated[str, Form()] = "") -> Response:
    directory.set_user_active(ctx.session, ctx.user, username, active == "1")
    return redirect("/admin/users", "user")


@router.post("/users/{username}/password-reset", response_class=HTMLResponse)
def user_password_reset(username: str, ctx: AdminPost) -> Response:
    """A one-time password for the user, shown on this page only; it must be changed at the next login."""
    try:
        user, secret = accounts.reset_password(ctx.session, ctx.user, username)
    except ServiceError as exc:
        ctx.session.rollback()
        return _users_page(ctx, i18n.translate(exc.message), exc.status_code)
    ctx.session.flush()
    return _users_page(ctx, reset=(user.username, secret))


@router.post("/users/{username}/stations")
def user_stations(username: str, ctx: AdminPost, stations: Annotated[list[str] | None, Form()] = None) -> Response:
    directory.set_user_stations(ctx.session, ctx.user, username, stations or [])
    return redirect("/admin/users", "user")


def _stations_page(ctx: WebCtx, error: i18n.Message | None = None, status_code: int = 200,
                   token: tuple[str, str] | None = None) -> HTMLResponse:
    all_stations = directory.visible_stations(ctx.session, ctx.user)
    key = ctx.runtime.signing_key
    return render(ctx, "admin/stations.html", status_code=status_code, stations=all_stations, error=error,
                  receivers={s.id: directory.station_receivers(ctx.session, s) for s in all_stations},
                  templates_=sorted(slot_templates.load_templates(ctx.settings.schedules_dir).items()),
                  token=token, key_id=key.key_id, public_key=key.public_b64,
                  publishing={s.id: mirror.station_problems(ctx.session, s.id or 0) for s in all_stations})


@router.get("/stations", response_class=HTMLResponse)
def stations_page(ctx: Admin) -> HTMLResponse:
    return _stations_page(ctx)


@router.post("/stations", response_class=HTMLResponse)
def station_create(ctx: AdminPost, code: Annotated[str, Form(max_length=100)] = "",
                   name: Annotated[str, Form(max_length=200)] = "", province: Annotated[str, Form(max_length=120)] = "",
                   district: Annotated[str, Form(max_length=120)] = "",
                   template: Annotated[str, Form()] = "") -> Response:
    try:
        station = stations.create_station(ctx.session, code, name, province.strip(), district.strip())
        if template:
            templates = slot_templates.load_templates(ctx.settings.schedules_dir)
            if template in templates:
                schedules.apply_template(ctx.session, station, templates[template])
        audit.record(ctx.session, ctx.user, "station.create", "station", station.id, station.code)
    except ServiceError as exc:
        ctx.session.rollback()
        return _stations_page(ctx, i18n.translate(exc.message), exc.status_code)
    return redirect("/admin/stations", "station")


@router.post("/stations/{code}/receivers", response_class=HTMLResponse)
def receiver_create(code: str, ctx: AdminPost, name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Register a receiver; its device token is shown on this page only."""
    try:
        receiver, token = receivers.create_receiver(ctx.session, stations.get_station(ctx.session, code), name)
        audit.record(ctx.session, ctx.user, "receiver.create", "receiver", receiver.id, receiver.name)
    except ServiceError as exc:
        ctx.session.rollback()
        return _stations_page(ctx, i18n.translate(exc.message), exc.status_code)
    return _stations_page(ctx, token=(receiver.name, token))


@router.post("/receivers/{receiver_id}/revoke")
def receiver_revoke(receiver_id: int, ctx: AdminPost) -> Response:
    receiver = ctx.session.get(Receiver, receiver_id)
    if receiver is None:
        raise NotFound(f"no receiver {receiver_id}")
    receivers.revoke_receiver(ctx.session, receiver)
    audit.record(ctx.session, ctx.user, "receiver.revoke", "receiver", receiver.id, receiver.name)
    return redirect("/admin/stations", "receiver_revoked")
