"""Long work never holds a pooled database connection while it runs (issue 10, item 7): a preview's
synthesis (seconds) and a password check's argon2 (tens of ms, queued behind one worker) run with the
request's connection handed back, so slow requests of that kind cannot starve the pool.

Each test wraps the slow call and records how many pooled connections are checked out when it starts;
the test client sends one request at a time with the scheduler off, so any count above zero is the
request's own connection."""

from __future__ import annotations

from typing import Any

import pytest

import broadcast.hashing
import broadcast.services.login
from tests.conftest import World, login


def _counting(pool: Any, func: Any, seen: list[int]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        seen.append(pool.checkedout())
        return func(*args, **kwargs)

    return wrapper


def test_a_preview_synthesises_with_no_connection_checked_out(
    web_client,
    world: World,
    runtime,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, csrf = web_client("editor")
    seen: list[int] = []
    speaker = runtime.speaker
    monkeypatch.setattr(speaker, "speak", _counting(runtime.engine.pool, speaker.speak, seen))
    reply = client.post(
        "/bulletins/preview",
        data={"text": "Thông báo họp dân lúc 7 giờ sáng mai."},
        headers={"X-CSRF-Token": csrf, "X-Requested-With": "fetch"},
    )
    assert reply.status_code == 200, reply.text
    assert seen == [0], f"pooled connections checked out while synthesising: {seen}"


def test_logins_and_password_re_entry_run_argon2_with_no_connection_checked_out(  # type: ignore[no-untyped-def]
    web_client, app_client, world: World, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    pool = runtime.engine.pool
    # the login's check (LoginGuard.log_in → _check) and the re-entry's (HashPool.verify_blocking)
    monkeypatch.setattr(
        broadcast.services.login, "verify_password", _counting(pool, broadcast.services.login.verify_password, seen)
    )
    monkeypatch.setattr(broadcast.hashing, "verify_password", _counting(pool, broadcast.hashing.verify_password, seen))
    client, csrf = web_client("editor")  # a web login
    assert seen == [0]
    wrong = client.post(
        "/account/password", data={"current": "not-the-password", "new": "x", "repeat": "x", "csrf_token": csrf}
    )
    assert wrong.status_code == 403
    headers = login(app_client, world.editor)  # an API login
    changed = app_client.post(
        "/api/v1/auth/password", headers=headers, json={"current_password": "not-the-password", "new_password": "x"}
    )
    assert changed.status_code == 403
    assert seen == [0, 0, 0, 0], f"pooled connections checked out during argon2: {seen}"
