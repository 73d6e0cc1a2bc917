"""The playlist poll's read on PostgreSQL, on the event loop: a few psycopg async connections.

The poll is the hottest request of the service. Through SQLAlchemy's pool and a worker thread it costs a
thread hop, a pre-ping and a rollback per poll; here it is one round trip on an autocommit connection,
awaited without blocking the loop. A connection found broken is dropped and the read retried once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from broadcast.distribute.pollreader import PollReader


def libpq_url(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncPollReader(PollReader):
    def __init__(self, sqlalchemy_url: str, size: int = 4) -> None:
        super().__init__("postgresql")
        self.dsn = libpq_url(sqlalchemy_url)
        self.size = size
        self.idle: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()
        self.opened = 0

    async def _acquire(self) -> psycopg.AsyncConnection[Any]:
        if self.idle.empty() and self.opened < self.size:
            self.opened += 1
            try:
                return await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
            except BaseException:
                self.opened -= 1
                raise
        return await self.idle.get()

    async def _read(self, sql: str, params: dict[str, Any]) -> Any:
        for attempt in (1, 2):
            connection = await self._acquire()
            try:
                cursor = await connection.execute(sql, params, prepare=True)
                row = await cursor.fetchone()
            except psycopg.OperationalError:
                self.opened -= 1
                await connection.close()
                if attempt == 2:
                    raise
                continue
            except BaseException:
                self.opened -= 1
                await connection.close()
                raise
            self.idle.put_nowait(connection)
            return row
        raise AssertionError("unreachable")

    async def close(self) -> None:
        while not self.idle.empty():
            await self.idle.get_nowait().close()
