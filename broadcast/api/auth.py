"""Log in for an API token, and log out."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from broadcast.api.deps import AccountUser, CurrentUser, RuntimeDep, SessionDep
from broadcast.services import accounts, audit
from broadcast.services.login import Busy, Throttled, WrongLogin

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    #: True after an admin's reset: only POST /auth/password and /auth/logout work until it is changed.
    must_change_password: bool = False


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
        token, user = await runtime.login_guard.log_in(runtime.engine, form.username, form.password, client,
                                                        "api", ttl)
    except (Throttled, Busy) as exc:
        raise HTTPException(exc.status_code, exc.message, headers={"Retry-After": str(exc.retry_after)}) from exc
    except WrongLogin as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, exc.message,
                            headers={"WWW-Authenticate": "Bearer"}) from exc
    return TokenPublic(access_token=token, expires_in=runtime.settings.token_ttl_hours * 3600,
                       must_change_password=user.must_change_password)


class UserPublic(BaseModel):
    id: int
    username: str
    full_name: str
    role: str


@router.get("/me", response_model=UserPublic)
def me(user: CurrentUser) -> UserPublic:
    return UserPublic(id=user.id or 0, username=user.username, full_name=user.full_name, role=user.role.value)


@router.post("/logout", status_code=204)
def logout(user: AccountUser, session: SessionDep, request: Request) -> None:
    raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    found = accounts.resolve_token(session, raw)
    if found:
        accounts.revoke_token(session, found[1])


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


@router.post("/password", status_code=204,
             responses={403: {"description": "the current password is wrong"},
                        422: {"description": "the new password breaks the policy (the reason in detail)"},
                        429: {"description": "too many wrong current passwords: wait Retry-After seconds"}})
def change_password(body: PasswordChange, user: AccountUser, session: SessionDep, request: Request,
                    runtime: RuntimeDep) -> None:
    """Change one's own password (the current one is needed); every other token of the user is revoked.

    Only ever the caller's own account: there is no user id to name. The new password must differ from the
    current one; this also replaces a one-time password from an admin reset (which clears the change-required
    state). Wrong current passwords are throttled and
    audited like the emergency re-entry.
    """
    client = request.client.host if request.client else ""
    raw = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    found = accounts.resolve_token(session, raw)
    session.commit()  # hand the connection back while argon2 runs (and waits for its one worker)
    try:
        if not runtime.login_guard.confirm_password(runtime.engine, user, body.current_password, client,
                                                    "password change"):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is wrong")
    except Throttled as exc:
        raise HTTPException(exc.status_code, exc.message, headers={"Retry-After": str(exc.retry_after)}) from exc
    accounts.change_password(session, user, body.new_password, keep_token=found[1] if found else None,
                             current_password=body.current_password)
    audit.record(session, user, "user.password_changed", "user", user.id, f"api, from {client}")
