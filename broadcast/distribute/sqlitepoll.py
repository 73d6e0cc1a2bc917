"""The playlist poll's read on SQLite, off the event loop and off the shared connection pool.

The poll is awaited by an async route; a SQLite read is quick but still a blocking call, and taking a
connection from SQLAlchemy's pool would make the poll wait behind slow requests that hold them all. So the
poll has its own: a couple of worker threads, each with one SQLite connection in autocommit mode (no
transaction is left open between polls, so WAL checkpoints are never held back).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from broadcast.distribute.manifests import PollState, poll_sql, state_from_row

#: A poll waits at most this long for a writer's lock before it fails (writers commit in milliseconds).
BUSY_TIMEOUT_S = 5.0


class SqlitePollReader:
    """Same interface as :class:`broadcast.distribute.pgpoll.AsyncPollReader`."""

    def __init__(self, database_path: str, workers: int = 2) -> None:
        self.path = database_path
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll-sqlite")
        self.local = threading.local()
        self.connections: list[sqlite3.Connection] = []
        self.lock = threading.Lock()
        self.state_sql, self.body_sql = poll_sql("sqlite")

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self.local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA query_only=ON")
            self.local.connection = connection
            with self.lock:
                self.connections.append(connection)
        return connection

    def _fetchone(self, sql: str, params: dict[str, Any]) -> Any:
        return self._connection().execute(sql, params).fetchone()

    async def _run(self, sql: str, params: dict[str, Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._fetchone, sql, params)

    async def state(self, token_id: str) -> PollState | None:
        return state_from_row(await self._run(self.state_sql, {"token_id": token_id}))

    async def body(self, receiver_id: int) -> bytes:
        row = await self._run(self.body_sql, {"receiver_id": receiver_id})
        return row[0].encode()

    async def ping(self) -> None:
        await self._run("SELECT 1", {})

    async def close(self) -> None:
        self.executor.shutdown(wait=True)
        with self.lock:
            for connection in self.connections:
                connection.close()
            self.connections.clear()
