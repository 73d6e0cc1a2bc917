"""With every pooled database connection held and every worker thread stuck behind them, /healthz and a
receiver's poll still answer at once: neither takes a pooled connection nor blocks the event loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from tests.conftest import World, free_port, login


def _wait(predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


@pytest.fixture
def served(app_client) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The same app (lifespan already run by the test client) served by uvicorn on loopback."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app_client.app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait(lambda: server.started)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


def test_healthz_and_poll_answer_while_the_pool_and_workers_are_held(served: str, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    token = world.receiver_tokens["xa-a"]
    device = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=served, timeout=60) as client:
        editor = login(client, world.editor)
        first = client.get("/api/v1/receiver/playlist", headers=device)
        assert first.status_code == 200
        etag = first.headers["etag"]

    pool = runtime.engine.pool
    held = [runtime.engine.connect() for _ in range(pool.size() + pool._max_overflow)]  # every connection
    slow = ThreadPoolExecutor(max_workers=60)
    try:
        # requests that need the database now wait for a connection, each occupying a worker thread
        stuck = [slow.submit(httpx.get, f"{served}/api/v1/auth/me", headers=editor, timeout=120) for _ in range(60)]
        _wait(lambda: sum(t.name.startswith("AnyIO worker") for t in threading.enumerate()) >= 40)
        _wait(lambda: pool.checkedout() >= len(held))
        with httpx.Client(base_url=served, timeout=10) as client:
            client.get("/healthz")  # the first check opens the reader's own connection
            for _ in range(5):
                started = time.perf_counter()
                health = client.get("/healthz")
                elapsed = time.perf_counter() - started
                assert health.status_code == 200 and health.json()["status"] == "ok"
                # Had it waited for a pooled connection it could not answer before the pool gives up (its
                # timeout, 30 s); a generous bound on a loaded machine, the held pool is what proves it.
                assert elapsed < pool.timeout() / 3, f"/healthz took {elapsed * 1000:.0f} ms with the pool held"
            unchanged = client.get("/api/v1/receiver/playlist", headers={**device, "If-None-Match": etag})
            assert unchanged.status_code == 304
            again = client.get("/api/v1/receiver/playlist", headers=device)
            assert again.status_code == 200 and again.content == first.content
            assert not any(f.done() for f in stuck), "the slow requests were meant to be still waiting"
    finally:
        for connection in held:
            connection.close()
        slow.shutdown(wait=True)  # the held-up requests finish (or time out in the pool) before teardown
