"""Item 4 of issue 13: password guessing is throttled without holding threads, and the state is bounded."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from broadcast.hashing import HashPool, PoolBusy
from broadcast.models import AuditLog, LoginAttempt
from broadcast.services.throttle import FailureThrottle, Rule
from tests.conftest import PASSWORD, World
from tests.web.conftest import FORM_CSRF, web_login


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_blocks_after_free_failures_then_forgets() -> None:
    clock = FakeClock()
    throttle = FailureThrottle(window_s=900, clock=clock)
    rule = Rule(free=3, max_block_s=60)
    for _ in range(3):
        throttle.failed("user:a", rule)
        assert throttle.retry_after(["user:a"]) == 0
    throttle.failed("user:a", rule)
    assert throttle.retry_after(["user:a", "client:x"]) == 1
    for _ in range(20):
        throttle.failed("user:a", rule)
    assert throttle.retry_after(["user:a"]) == 60  # capped
    clock.now += 61
    assert throttle.retry_after(["user:a"]) == 0 and throttle.failures("user:a") == 24
    clock.now += 900
    assert throttle.failures("user:a") == 0 and len(throttle) == 0  # expired entries are dropped


def test_throttle_table_is_bounded_under_a_flood_of_names() -> None:
    throttle = FailureThrottle(max_entries=1000)
    rule = Rule(free=1, max_block_s=60)
    for n in range(50_000):
        throttle.failed(f"user:made-up-{n}", rule)
    assert len(throttle) == 1000
    assert throttle.failures("user:made-up-49999") == 1 and throttle.failures("user:made-up-0") == 0


def test_hash_pool_refuses_beyond_its_queue_bound() -> None:
    pool = HashPool(workers=1, queue=2)
    from broadcast.security import hash_password

    stored = hash_password("a long enough password")

    async def flood() -> list[object]:
        return await asyncio.gather(*(pool.verify(stored, "wrong guess") for _ in range(10)),
                                    return_exceptions=True)

    try:
        results = asyncio.run(flood())
    finally:
        pool.close()
    busy = [r for r in results if isinstance(r, PoolBusy)]
    assert len(busy) == 7 and results.count(False) == 3
    assert asyncio.run(HashPool().verify(None, "anything")) is False  # unknown user: dummy hash, never True


def _attempts(runtime, username: str) -> list[LoginAttempt]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return list(session.exec(select(LoginAttempt).where(LoginAttempt.username == username)).all())


def _audit(runtime, action: str) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action)).all())


@pytest.mark.parametrize("username", ["editor", "no-such-user"])
def test_api_guessing_gets_429_with_retry_after_and_is_audited(app_client: TestClient, world: World, runtime,
                                                               username: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(6):
        reply = app_client.post("/api/v1/auth/token", data={"username": username, "password": "guess-guess"})
        assert reply.status_code == 401 and reply.json()["detail"] == "wrong username or password"
    refused = app_client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["retry-after"]) >= 1 and "try again later" in refused.json()["detail"]
    assert len(_attempts(runtime, username)) == 6  # the refused one cost nothing, not even a row
    failed = _audit(runtime, "user.login_failed")
    assert len(failed) == 6 and all(f.detail.startswith(f"api: {username} from ") for f in failed)
    # Another user from another address is not affected.
    ok = app_client.post("/api/v1/auth/token", data={"username": "approver", "password": PASSWORD})
    assert ok.status_code == 200
    assert any(a.detail.startswith("api, from") for a in _audit(runtime, "user.login"))


def test_web_guessing_gets_429_page(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    page = app_client.get("/login")

    def attempt(password: str = "wrong"):  # type: ignore[no-untyped-def]
        token = FORM_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        return app_client.post("/login", data={"username": "editor", "password": password, "csrf_token": token})

    for _ in range(6):
        page = attempt()
        assert page.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in page.text
    assert "chờ lâu hơn" in page.text
    started = time.monotonic()
    page = attempt(PASSWORD)
    assert page.status_code == 429 and "Hãy thử lại sau" in page.text
    assert int(page.headers["retry-after"]) >= 1
    assert time.monotonic() - started < 5  # refused at once, not slept on
    assert len(_attempts(runtime, "editor")) == 6
    assert len([f for f in _audit(runtime, "user.login_failed") if f.detail.startswith("web: editor")]) == 6


def test_emergency_password_reentry_is_throttled_and_audited(app_client: TestClient, world: World,
                                                             runtime) -> None:  # type: ignore[no-untyped-def]
    approver = app_client
    csrf = web_login(approver, "approver")
    form = {"title": "Cảnh báo lũ", "text": "Khẩn cấp: lũ quét, bà con lên chỗ cao.", "stations": ["xa-a"],
            "confirm": "1", "password": "not-my-password", "csrf_token": csrf}
    for _ in range(4):
        wrong = approver.post("/emergency", data=form)
        assert wrong.status_code == 403 and "Mật khẩu nhập lại không đúng" in wrong.text
    throttled = approver.post("/emergency", data={**form, "password": PASSWORD})
    assert throttled.status_code == 429 and "quá nhiều lần" in throttled.text
    assert int(throttled.headers["retry-after"]) >= 1
    failed = _audit(runtime, "user.confirm_failed")
    assert len(failed) == 4 and all("emergency broadcast" in f.detail for f in failed)
