"""Users, logins and the stations each user works for."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from broadcast.errors import Conflict, InvalidInput, NotFound
from broadcast.models import AuthToken, Role, Station, User, UserStation, utcnow
from broadcast.security import hash_password, hash_secret, new_secret
from broadcast.services import audit, passwords

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")


def create_user(session: Session, username: str, password: str, role: Role, full_name: str = "",
                station_codes: list[str] | None = None) -> User:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInput("username must be 3–64 characters: lower-case letters, digits, _ . -")
    passwords.check(password, username)
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, full_name=full_name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    for code in station_codes or []:
        station = session.exec(select(Station).where(Station.code == code)).first()
        if station is None:
            raise NotFound(f"unknown station {code!r}")
        session.add(UserStation(user_id=user.id, station_id=station.id))
    return user


def change_password(session: Session, user: User, new_password: str, keep_token: AuthToken | None = None,
                    current_password: str | None = None) -> None:
    """Set a new password (policy-checked, not the current one) and end every other session and API token of
    this user. Clears ``must_change_password``: this is how a one-time password from a reset is replaced."""
    if current_password is not None and new_password == current_password:
        raise InvalidInput("the new password must differ from the current one")
    passwords.check(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    session.add(user)
    for token in session.exec(select(AuthToken).where(AuthToken.user_id == user.id,
                                                      AuthToken.revoked_at.is_(None))).all():  # type: ignore[union-attr]
        if keep_token is None or token.id != keep_token.id:
            revoke_token(session, token)


def reset_password(session: Session, admin: User | None, username: str) -> tuple[User, str]:
    """An admin's reset: a random one-time password (returned, to be shown once) that must be changed at the
    next login; every session and token of the user ends. ``admin`` None is the command line."""
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    if admin is not None and user.id == admin.id:
        raise InvalidInput("you cannot reset your own password; change it instead")
    secret = passwords.generate(user.username)
    change_password(session, user, secret)
    user.must_change_password = True
    session.add(user)
    audit.record(session, admin, "user.password_reset", "user", user.id,
                 user.username + ("" if admin is not None else " (command line)"))
    return user, secret


def issue_token(session: Session, user: User, ttl: timedelta, kind: str = "api") -> tuple[str, AuthToken]:
    secret = new_secret()
    token = AuthToken(token_hash=hash_secret(secret), user_id=user.id, kind=kind,
                      csrf_token=new_secret() if kind == "web" else None, expires_at=utcnow() + ttl)
    session.add(token)
    session.flush()
    return secret, token


def resolve_token(session: Session, secret: str, kind: str = "api") -> tuple[User, AuthToken] | None:
    token = session.exec(select(AuthToken).where(AuthToken.token_hash == hash_secret(secret))).first()
    if token is None or token.kind != kind or token.revoked_at or token.expires_at <= utcnow():
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    return user, token


def revoke_token(session: Session, token: AuthToken) -> None:
    token.revoked_at = utcnow()
    session.add(token)


def station_ids_for(session: Session, user: User) -> set[int] | None:
    """The stations a user may act on; None means all (admins)."""
    if user.role == Role.admin:
        return None
    rows = session.exec(select(UserStation.station_id).where(UserStation.user_id == user.id)).all()
    return set(rows)
