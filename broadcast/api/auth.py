"""Log in for an API token, and log out."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from broadcast.api.deps import CurrentUser, RuntimeDep, SessionDep
from broadcast.db import session_scope
from broadcast.services import accounts

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: str


@router.post("/token", response_model=TokenPublic)
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, runtime: RuntimeDep) -> TokenPublic:
    """Exchange a username and password (form fields) for a bearer token."""
    client = request.client.host if request.client else ""
    with session_scope(runtime.engine) as session:
        delay = accounts.throttle_delay_s(accounts.failures_recently(session, form.username.strip().lower()))
        user = accounts.authenticate(session, form.username, form.password, client)
        token = None
        if user is not None:
            ttl = timedelta(hours=runtime.settings.token_ttl_hours)
            token, _ = accounts.issue_token(session, user, ttl)
    if delay:
        time.sleep(delay)
    if token is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password",
                            headers={"WWW-Authenticate": "Bearer"})
    return TokenPublic(access_token=token, expires_in=runtime.settings.token_ttl_hours * 3600)


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic(id=user.id or 0, username=user.username, full_name=user.full_name, role=user.role.value)


@router.post("/logout", status_code=204)
def logout(user: CurrentUser, session: SessionDep, request: Request) -> None:
    raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    found = accounts.resolve_token(session, raw)
    if found:
        accounts.revoke_token(session, found[1])
