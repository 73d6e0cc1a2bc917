"""User administration over the API: an admin's password reset (accounts are addressed by username)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from broadcast.api.deps import AdminUser, SessionDep
from broadcast.services import accounts

router = APIRouter(prefix="/users", tags=["users"])


class PasswordReset(BaseModel):
    username: str
    one_time_password: str
    must_change_password: bool


@router.post("/{username}/password-reset", response_model=PasswordReset,
             responses={403: {"description": "only an admin can do this"},
                        404: {"description": "no such user"},
                        422: {"description": "an admin's own account (change it instead)"}})
def password_reset(username: str, admin: AdminUser, session: SessionDep) -> PasswordReset:
    """Give the user a random one-time password (shown only in this reply) that must be changed at the next
    login; every session and API token of the user ends at once. Audited as ``user.password_reset``."""
    user, secret = accounts.reset_password(session, admin, username)
    return PasswordReset(username=user.username, one_time_password=secret, must_change_password=True)
