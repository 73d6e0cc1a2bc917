"""Users, logins and the stations each user works for."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session, select

from broadcast.errors import Conflict, InvalidInput, NotFound
from broadcast.models import AuthToken, Role, Station, User, UserStation, utcnow
from broadcast.security import hash_password, hash_secret, new_secret
from broadcast.services import passwords

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


def change_password(session: Session, user: User, new_password: str, keep_token: AuthToken | None = None) -> None:
    """Set a new password (policy-checked) and end every other session and API token of this user."""
    passwords.check(new_password, user.username)
    user.password_hash = hash_password(new_password)
    session.add(user)
    for token in session.exec(select(AuthToken).where(AuthToken.user_id == user.id,
                                                      AuthToken.revoked_at.is_(None))).all():  # type: ignore[union-attr]
        if keep_token is None or token.id != keep_token.id:
            revoke_token(session, token)


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
