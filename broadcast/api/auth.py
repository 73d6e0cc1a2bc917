"""Log in for an API token, and log out."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from broadcast.api.deps import CurrentUser, RuntimeDep, SessionDep
from broadcast.services import accounts
from broadcast.services.login import Busy, Throttled, WrongLogin

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


@router.post("/token", response_model=TokenPublic,
             responses={401: {"description": "wrong username or password"},
                        429: {"description": "too many failures: wait Retry-After seconds"},
                        503: {"description": "too many logins at once: retry after Retry-After seconds"}})
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
                runtime: RuntimeDep) -> TokenPublic:
    """Exchange a username and password (form fields) for a bearer token.

    Throttled per username and per client address (429 with ``Retry-After``); the password check runs on a
    small dedicated pool, so this handler holds no request thread while argon2 works.
    """
    client = request.client.host if request.client else ""
    ttl = timedelta(hours=runtime.settings.token_ttl_hours)
    try:
        token, _user = await runtime.login_guard.log_in(runtime.engine, form.username, form.password, client,
                                                        "api", ttl)
    except (Throttled, Busy) as exc:
        raise HTTPException(exc.status_code, exc.message, headers={"Retry-After": str(exc.retry_after)}) from exc
    except WrongLogin as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, exc.message,
                            headers={"WWW-Authenticate": "Bearer"}) from exc
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
