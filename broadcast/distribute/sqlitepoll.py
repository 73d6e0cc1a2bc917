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

from broadcast.distribute.pollreader import PollReader

#: A poll waits at most this long for a writer's lock before it fails (writers commit in milliseconds).
BUSY_TIMEOUT_S = 5.0


class SqlitePollReader(PollReader):
    def __init__(self, database_path: str, workers: int = 2) -> None:
        super().__init__("sqlite")
        self.path = database_path
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll-sqlite")
        self.local = threading.local()
        self.connections: list[sqlite3.Connection] = []
        self.lock = threading.Lock()

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

    async def _read(self, sql: str, params: dict[str, Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._fetchone, sql, params)

    async def close(self) -> None:
        self.executor.shutdown(wait=True)
        with self.lock:
            for connection in self.connections:
                connection.close()
            self.connections.clear()
