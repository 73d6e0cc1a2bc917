"""Logging in (web and API alike): throttle, check the password on the argon2 pool, record and audit.

The order matters for denial of service: a throttled attempt is refused before anything costs — no
database, no hash, no thread — with the seconds to wait. Everything else (read the hash, argon2, write
the attempt, the audit entry and the token) runs as one job on ``HashPool``'s few threads, so a login
flood neither holds the request threadpool that receiver polls use nor more than a couple of database
connections. See docs/web.md, "Logging in and throttling".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import select

from broadcast.db import session_scope
from broadcast.errors import ServiceError
from broadcast.hashing import HashPool, PoolBusy, dummy_hash
from broadcast.models import LoginAttempt, User
from broadcast.security import verify_password
from broadcast.services import accounts, audit
from broadcast.services.throttle import FailureThrottle, Rule

log = logging.getLogger(__name__)

#: Per username: 5 free failures, then 1, 2, 4 … s up to a minute (short, so a stranger cannot lock a
#: colleague out for long). Per address: 20 free, then up to 5 minutes. Emergency re-entry: 3, then up to 5 min.
USER_RULE = Rule(free=5, max_block_s=60)
CLIENT_RULE = Rule(free=20, max_block_s=300)
CONFIRM_RULE = Rule(free=3, max_block_s=300)


class Throttled(ServiceError):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed attempts; try again later", retry_after=retry_after)
        self.retry_after = retry_after


class Busy(ServiceError):
    status_code = 503

    def __init__(self) -> None:
        super().__init__("too many logins at once; try again in a moment", retry_after=1)
        self.retry_after = 1


class WrongLogin(ServiceError):
    status_code = 401

    def __init__(self, failures: int) -> None:
        super().__init__("wrong username or password")
        self.failures = failures


@dataclass
class LoginGuard:
    """Per-process login state: the failure table and the argon2 pool (one of each per running service)."""

    throttle: FailureThrottle = field(default_factory=FailureThrottle)
    pool: HashPool = field(default_factory=HashPool)

    async def log_in(self, engine: Engine, username: str, password: str, client: str, channel: str,
                     ttl: timedelta) -> tuple[str, User]:
        """A token secret (kind ``channel``: "api" or "web") for the right password; raises otherwise."""
        name = username.strip().lower()[:64]
        user_key, client_key = f"user:{name}", f"client:{client}"
        wait = self.throttle.retry_after([user_key, client_key])
        if wait:
            log.info("throttled %s login for %r from %s (%d s)", channel, name, client, wait)
            raise Throttled(wait)
        try:
            found = await self.pool.run(_check, engine, name, password, client, channel, ttl)
        except PoolBusy as exc:
            raise Busy() from exc
        if found is None:
            self.throttle.failed(user_key, USER_RULE)
            self.throttle.failed(client_key, CLIENT_RULE)
            failures = self.throttle.failures(user_key)
            log.warning("failed %s login for %r from %s (%d in a row)", channel, name, client, failures)
            raise WrongLogin(failures)
        self.throttle.succeeded(user_key)
        return found

    def confirm_password(self, engine: Engine, user: User, password: str, client: str, purpose: str) -> bool:
        """Re-entry of one's own password (the emergency form): throttled per user, audited, checked on
        the pool. Called from a sync handler (already on a worker thread). Raises Throttled."""
        key = f"confirm:{user.id}"
        wait = self.throttle.retry_after([key])
        if wait:
            raise Throttled(wait)
        ok = self.pool.verify_blocking(user.password_hash, password)
        if ok:
            self.throttle.succeeded(key)
            return True
        self.throttle.failed(key, CONFIRM_RULE)
        with session_scope(engine) as session:  # its own transaction: the request's is rolled back
            audit.record(session, user, "user.confirm_failed", "user", user.id,
                         f"{purpose}: wrong password re-entered, from {client}")
        log.warning("wrong password re-entered by %r for %s from %s", user.username, purpose, client)
        return False

    def close(self) -> None:
        self.pool.close()


def _check(engine: Engine, name: str, password: str, client: str, channel: str,
           ttl: timedelta) -> tuple[str, User] | None:
    """On a pool thread: read the hash (transaction closed during argon2), verify, then record."""
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == name)).first()
        stored = user.password_hash if user is not None and user.active else None
        user_id = user.id if user is not None else None
    ok = verify_password(stored or dummy_hash(), password) and stored is not None
    with session_scope(engine) as session:
        session.add(LoginAttempt(username=name, client=client[:64], success=ok))
        if not ok:
            audit.record(session, None, "user.login_failed", "user", None, f"{channel}: {name} from {client}")
            return None
        user = session.get(User, user_id) if user_id is not None else None
        if user is None or not user.active or user.password_hash != stored:
            return None
        secret, _ = accounts.issue_token(session, user, ttl, kind=channel)
        audit.record(session, user, "user.login", "user", user.id, f"{channel}, from {client}")
        session.flush()
        session.expunge(user)
        return secret, user
