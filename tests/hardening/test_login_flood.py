"""Item 4 of issue 13 against a real ``broadcast serve``: login floods leave healthz and receiver polls fast.

The bench (``bench/login_bench.py``) reports the 200 ms figure; here the bound is generous (1 s p99) so a
loaded CI machine does not flake, while the old behaviour (27.9 s healthz under a wrong-login flood) fails.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

import bench.login_bench as bench
from tests.conftest import start_server


def test_login_floods_do_not_stall_healthz_or_polls(db_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "flood"
    token = bench.prepare(data_dir, db_url)
    server = start_server(data_dir, {"BROADCAST_DATABASE_URL": db_url, "BROADCAST_DEMO": "false"})
    try:
        idle, right, wrong = asyncio.run(bench.run(server.url, token, logins=200))
        bench.report("login flood (test)", [idle, right, wrong])
        for phase in (right, wrong):
            assert phase.healthz_ms and phase.poll_ms
            assert max(phase.p99.values()) < 1000, (phase.name, phase.p99)
        assert sum(right.logins.values()) == 200 and set(right.logins) <= {200, 503} and right.logins[200] >= 10
        assert sum(wrong.logins.values()) == 200 and set(wrong.logins) <= {401, 429, 503}
        assert wrong.logins[429] + wrong.logins[503] > 0 and wrong.retry_after  # refused at once, Retry-After
        # Afterwards this address is throttled even with the right password, at once and with Retry-After.
        after = httpx.post(f"{server.url}/api/v1/auth/token", timeout=30,
                           data={"username": bench.USERNAME, "password": bench.PASSWORD})
        assert after.status_code == 429 and int(after.headers["retry-after"]) >= 1
    finally:
        server.stop()
