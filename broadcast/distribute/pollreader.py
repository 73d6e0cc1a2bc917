"""The poll's reads, written once for both databases.

What a poll reads (its state row, the stored body, a liveness ping) is the same on SQLite and PostgreSQL;
only how one row is fetched differs (a worker thread with its own connection, or a psycopg async
connection). Each backend's reader supplies just that, so this module imports no database driver and the
default install (no psycopg) can load it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from broadcast.distribute.manifests import PollState, poll_sql, state_from_row


class PollReader(ABC):
    """The poll's reader: :meth:`state`, :meth:`body` and :meth:`ping` over a backend's :meth:`_read`."""

    def __init__(self, dialect: str) -> None:
        self.state_sql, self.body_sql = poll_sql(dialect)

    @abstractmethod
    async def _read(self, sql: str, params: dict[str, Any]) -> Any:
        """One row of ``sql`` (or None), fetched without blocking the event loop."""

    @abstractmethod
    async def close(self) -> None:
        """Close the reader's own connections."""

    async def state(self, token_id: str) -> PollState | None:
        return state_from_row(await self._read(self.state_sql, {"token_id": token_id}))

    async def body(self, receiver_id: int) -> bytes:
        row = await self._read(self.body_sql, {"receiver_id": receiver_id})
        return row[0].encode()

    async def ping(self) -> None:
        await self._read("SELECT 1", {})
