"""The last line against values no database column can hold: checked before every statement runs.

The input guard middleware refuses most such input at the door; this catches what reaches SQL another way
(multipart text fields, path parameters, values a service computed). A NUL in text makes PostgreSQL fail,
a lone surrogate makes SQLite fail, an integer past 64 bits overflows both; either way the request would end
in a 500 and a receiver would retry its batch forever. Raising :class:`InvalidInput` here gives a 422.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from broadcast.errors import InvalidInput

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_value(value: Any) -> None:
    """Raise InvalidInput for a value the database cannot store."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidInput("invalid input: text contains a NUL character")
        if _SURROGATE.search(value):
            raise InvalidInput("invalid input: text contains a lone UTF-16 surrogate")
    elif isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        raise InvalidInput("invalid input: a number is larger than 64 bits")


def _values(parameters: Any) -> Iterable[Any]:
    if isinstance(parameters, dict):
        yield from parameters.values()
    elif isinstance(parameters, list | tuple):
        for item in parameters:
            if isinstance(item, dict | list | tuple):
                yield from _values(item)
            else:
                yield item


def install(engine: Engine) -> None:
    """Check every statement's parameters before the driver sees them."""

    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
               _executemany: bool) -> None:
        for value in _values(parameters):
            check_value(value)
