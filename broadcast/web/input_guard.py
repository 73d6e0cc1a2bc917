"""Refuse input no route can store or process, before any route sees it: one place instead of per-route patches.

* NUL characters: PostgreSQL cannot store them in text, and nothing a person types contains one.
* Lone UTF-16 surrogates (``"\\ud800"`` in JSON): not text; SQLite and every ``.encode()`` fail on them.
* Integers beyond 64 bits (ids, sequences of 2**70): no database column holds them.
* Date-times whose conversion to UTC leaves the calendar (year 1 at +14:00, year 9999 at -14:00): every
  comparison with them overflows. (Dates far away but on the calendar are each route's business: a
  receiver's report, for one, lists such an event as ignored rather than refusing the batch.)

Query strings, url-encoded forms and JSON bodies are checked here (JSON is parsed once more, which the body
limit keeps under a few MB); text fields of multipart forms and path parameters are checked by the database
guard (:mod:`broadcast.db_guard`) before any statement runs.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from broadcast.web.asgi import HttpMiddleware, refuse
from broadcast.web.messages import say

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_ISO_DATETIME = re.compile(r"^[+-]?\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONG_INT = re.compile(r"^[+-]?[0-9]{19,}$")


def problem_in_text(value: str) -> str | None:
    """Why this string cannot be accepted, or None."""
    if "\x00" in value:
        return "contains a NUL character"
    if _SURROGATE.search(value):
        return "contains a lone UTF-16 surrogate (not valid text)"
    if _ISO_DATETIME.match(value):
        return problem_in_datetime(value)
    return None


def problem_in_datetime(value: str) -> str | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None  # not a date-time after all: the route's own validation answers
    try:
        if moment.tzinfo is not None:
            moment.astimezone(UTC)
    except OverflowError:
        return "is a date-time outside the calendar once converted to UTC"
    return None


def problem_in_int(value: int) -> str | None:
    if not INT64_MIN <= value <= INT64_MAX:
        return "is an integer larger than 64 bits"
    return None


def problem_in_json(value: Any, where: str = "body") -> str | None:
    """Walk a decoded JSON document; the first problem with its location."""
    if isinstance(value, str):
        found = problem_in_text(value)
        return f"{where} {found}" if found else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        found = problem_in_int(value)
        return f"{where} {found}" if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = problem_in_json(key, f"{where} key") or problem_in_json(item, f"{where}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = problem_in_json(item, f"{where}[{index}]")
            if found:
                return found
    return None


def problem_in_pairs(pairs: list[tuple[str, str]], where: str) -> str | None:
    for key, item in pairs:
        found = problem_in_text(key) or problem_in_text(item)
        if found:
            return f"{where} parameter {key[:40]!r} {found}"
        if _LONG_INT.match(item):
            found = problem_in_int(int(item))
            if found:
                return f"{where} parameter {key[:40]!r} {found}"
    return None


def problem_in_encoded(raw: bytes, where: str) -> str | None:
    """A query string or url-encoded form: valid UTF-8 once percent-decoded, and each value acceptable."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return f"the {where} is not valid UTF-8"
    return problem_in_pairs(pairs, where)


def message_for(path: str, problem: str) -> str:
    if path.startswith("/api/") or path == "/healthz":
        return f"invalid input: {problem}"
    return say("input_refused", problem=problem)


class InputGuard(HttpMiddleware):
    """Pure ASGI middleware: answers 422 for NUL, lone surrogates, >64-bit integers, off-calendar dates."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        problem = problem_in_text(path) and f"the path {problem_in_text(path)}"
        problem = problem or problem_in_encoded(scope.get("query_string", b""), "query")
        if problem:
            await refuse(send, 422, message_for(path, problem))
            return
        content_type = dict(scope.get("headers", [])).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type not in (b"application/json", b"application/x-www-form-urlencoded") \
                and not content_type.endswith(b"+json"):
            await self.app(scope, receive, send)
            return
        body, tail = await _read_all(receive)  # the body limit outside this middleware bounds it
        problem = _problem_in_body(content_type, body)
        if problem:
            await refuse(send, 422, message_for(path, problem))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return tail or await receive()

        await self.app(scope, replay, send)


def _problem_in_body(content_type: bytes, body: bytes) -> str | None:
    if content_type == b"application/x-www-form-urlencoded":
        return problem_in_encoded(body, "form")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the route answers malformed JSON itself
    return problem_in_json(document)


async def _read_all(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body, and a disconnect message if one came instead of more body."""
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts), message
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts), None
