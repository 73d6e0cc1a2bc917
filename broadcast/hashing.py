"""A small dedicated pool for argon2, so a burst of logins cannot take the service's threads.

argon2 costs tens of milliseconds of CPU and ~19 MiB per check. Password checks run here, never on the
request threadpool that the receivers' polls and the pages share; at most ``workers`` run at once and at
most ``queue`` more wait. Beyond that the caller is told at once (``PoolBusy`` → 503 with Retry-After)
instead of queueing without end. Unknown users are checked against a dummy hash, so an answer takes as long
for a made-up username as for a real one (no timing oracle for which accounts exist).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from broadcast.security import hash_password, verify_password


class PoolBusy(Exception):
    """More password checks are waiting than the queue bound allows."""


@functools.cache
def dummy_hash() -> str:
    """An argon2 hash of a random string, made once: what unknown usernames are checked against."""
    from broadcast.security import new_secret

    return hash_password(new_secret())


class HashPool:
    def __init__(self, workers: int = 1, queue: int = 32) -> None:
        self.workers = workers
        self.queue = queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._in_flight = 0  # only touched on the event loop

    async def run(self, func, *args):  # type: ignore[no-untyped-def]
        """Run ``func`` (password work, with its short DB reads and writes) on this pool, or raise PoolBusy."""
        if self._in_flight >= self.workers + self.queue:
            raise PoolBusy("too many password checks waiting")
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)
        finally:
            self._in_flight -= 1

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Check ``password``; ``stored_hash`` None (no such user) costs the same and answers False."""
        ok = await self.run(verify_password, stored_hash or dummy_hash(), password)
        return bool(ok) and stored_hash is not None

    async def hash(self, password: str) -> str:
        return str(await self.run(hash_password, password))

    def verify_blocking(self, stored_hash: str | None, password: str) -> bool:
        """For sync handlers (already on a worker thread): the check still runs in this pool's threads."""
        ok = self._executor.submit(verify_password, stored_hash or dummy_hash(), password).result()
        return bool(ok) and stored_hash is not None

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
