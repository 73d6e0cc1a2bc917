"""Typed FastAPI dependencies: the runtime, a database session, the current user or receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from broadcast.db import session_scope
from broadcast.models import Receiver, Role, User
from broadcast.runtime import Runtime
from broadcast.services.accounts import resolve_token
from broadcast.services.devices import authenticate_receiver

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")
_device_bearer = HTTPBearer(auto_error=False, scheme_name="DeviceToken",
                            description="The receiver's device token (rcv_…)")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One session per request: committed when the handler returns normally, rolled back otherwise."""
    with session_scope(runtime.engine) as session:
        yield session


# scope="function": commit before the reply is sent. With FastAPI's default ("request") the commit ran
# after the client already had its 201, so a client's next request could miss what it had just written.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"})


def account_user(session: SessionDep,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> User:
    """The token's user, even one who must change a reset password (for the password change and logout)."""
    if credentials is None:
        raise _unauthorised("log in first: send Authorization: Bearer <token>")
    found = resolve_token(session, credentials.credentials)
    if found is None:
        raise _unauthorised("the token is invalid or has expired")
    return found[0]


AccountUser = Annotated[User, Depends(account_user)]

PASSWORD_CHANGE_REQUIRED = ("password change required: this account has a one-time password from an admin reset; "
                            "set your own with POST /api/v1/auth/password first")


def current_user(user: AccountUser) -> User:
    """The token's user, refused (403) while a one-time password from a reset has not been changed."""
    if user.must_change_password:
        raise HTTPException(status.HTTP_403_FORBIDDEN, PASSWORD_CHANGE_REQUIRED)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def admin_user(user: CurrentUser) -> User:
    if user.role != Role.admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin can do this")
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def current_receiver(session: SessionDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_device_bearer)]
                     ) -> Receiver:
    if credentials is None:
        raise _unauthorised("send the device token: Authorization: Bearer rcv_…")
    receiver = authenticate_receiver(session, credentials.credentials)
    if receiver is None:
        raise _unauthorised("unknown or revoked device token")
    return receiver


CurrentReceiver = Annotated[Receiver, Depends(current_receiver)]
