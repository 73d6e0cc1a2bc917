"""Vietnamese for the staff pages: applies the message catalogue (``broadcast.web.messages``) to service
errors, receivers' reports, audit details and health summaries, and formats numbers and dates.

The services speak English (it is the API's and the logs' language); what staff see is translated here.
A message with no translation is shown under a Vietnamese headline with the English detail, so nothing is
ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import TypeVar

from broadcast.web.messages import (  # noqa: F401  (the tables are used as i18n.X across the web layer)
    ACTIONS,
    AUDIT,
    AUDIT_GROUPS,
    FRAGMENTS,
    HEALTH,
    HEALTH_LAST_ERROR,
    ITEM_STATUS,
    MODE,
    OBJECTS,
    PRIORITY,
    RECEIVER_ERRORS,
    RECEIVER_REJECTED,
    RECEIVER_UNKNOWN,
    ROLE,
    RULE,
    SERVICE_ERRORS,
    STATUS,
    UNKNOWN_ERROR,
    VERSION_STATE,
    VIETNAMESE_LETTERS,
    WEEKDAYS,
    decimal,
    say,
)

T = TypeVar("T")


def _status(value: str) -> str:
    value = value.strip().removeprefix("BulletinStatus.")
    return STATUS.get(value, value)


_RULES = [(re.compile(p, re.S), t) for p, t in SERVICE_ERRORS]


@dataclass(frozen=True)
class Message:
    text: str
    detail: str = ""


def translate(message: str) -> Message:
    """A service message in Vietnamese; an unknown (or already Vietnamese) one is kept as detail."""
    message = message.strip()
    for pattern, template in _RULES:
        found = pattern.match(message)
        if found:
            groups = found.groupdict()
            if "s" in groups:
                groups["s"] = _status(groups["s"])
            groups = {k: _fragments(v) if isinstance(v, str) else v for k, v in groups.items()}
            return Message(template.format(**groups))
    if _looks_vietnamese(message):
        return Message(message)
    return Message(UNKNOWN_ERROR, message)


_FRAGMENTS = [(re.compile(p), t) for p, t in FRAGMENTS]


def _fragments(text: str) -> str:
    """The English glue inside lists the services build (times, slots) in Vietnamese."""
    for pattern, replacement in _FRAGMENTS:
        text = pattern.sub(replacement, text)
    return text


def _looks_vietnamese(text: str) -> bool:
    return any(ch in text for ch in VIETNAMESE_LETTERS)


_RECEIVER = [(re.compile(p, re.S), t) for p, t in RECEIVER_ERRORS]

def receiver_sentence(detail: str | None) -> str:
    """A receiver's report or error (the receiver speaks English) as a Vietnamese sentence."""
    if not detail:
        return "—"
    detail = re.sub(r"^\d{4}-\d\d-\d\dT[\d:.]+Z?\s+", "", detail.strip())  # the heartbeat's UTC stamp
    if detail.startswith("rejected: "):
        return RECEIVER_REJECTED
    detail = detail.removeprefix("failed: ")
    for pattern, template in _RECEIVER:
        found = pattern.match(detail)
        if found:
            return template.format(**{k: decimal(float(v), 1) if "." in v else v
                                      for k, v in found.groupdict().items()})
    return detail if _looks_vietnamese(detail) else RECEIVER_UNKNOWN


def parse_day(value: str) -> date | None:
    """A day typed as Vietnamese write it (15/3/2025) or as ISO (2025-03-15); empty → None.

    Date boxes are plain text fields so they read the same whatever language the browser is set to."""
    value = value.strip()
    if not value:
        return None
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            if year < 1000:  # 29/11/26 is ambiguous: the year is written in full
                raise ValueError(value)
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidDay(value) from None


class InvalidDay(ValueError):
    """A date box holding something that is not a day."""


class InvalidClock(ValueError):
    """A time box holding something that is not a 24-hour clock time."""


_CLOCK = re.compile(r"(?P<h>\d{1,2})\s*[:hg.]\s*(?P<m>\d{2})?")


def parse_clock(value: str) -> time | None:
    """A time of day typed as Vietnamese write it, 24-hour: 17:30, 7:05, 17h30, 7h; empty → None.

    Time boxes are plain text fields: a browser set to English would otherwise show and expect 5:30 PM."""
    value = value.strip().lower()
    if not value:
        return None
    found = _CLOCK.fullmatch(value)
    if not found or (found["m"] is None and value[-1] not in "hg"):
        raise InvalidClock(value)
    hour, minute = int(found["h"]), int(found["m"] or 0)
    if hour > 23 or minute > 59:
        raise InvalidClock(value)
    return time(hour, minute)


def _form_value(parse: Callable[[str], T | None], invalid: type[ValueError], value: str, required: bool,
                what: str) -> T | None:
    """A date or time box's value, or the catalogue's refusal (a Vietnamese 4xx): ``what`` is "day" or "clock"."""
    from broadcast.errors import InvalidInput

    try:
        found = parse(value)
    except invalid:
        raise InvalidInput(say(f"{what}_invalid", value=value.strip()[:40])) from None
    if found is None and required:
        raise InvalidInput(say(f"{what}_missing"))
    return found


def form_day(value: str, required: bool = False) -> date | None:
    """A date box's day, or the catalogue's refusal when it is not one."""
    return _form_value(parse_day, InvalidDay, value, required, "day")


def form_clock(value: str, required: bool = False) -> time | None:
    """A time box's time of day, or the catalogue's refusal when it is not one."""
    return _form_value(parse_clock, InvalidClock, value, required, "clock")


def clock_vi(value: time | None) -> str:
    """A time of day as Vietnamese write it: 07:05, 17:30 (24-hour)."""
    return value.strftime("%H:%M") if value else ""


def _box_text(value: str | None, parse: Callable[[str], T | None], invalid: type[ValueError],
              show: Callable[[T | None], str]) -> str:
    """What a date or time box shows: the value written the Vietnamese way, else what was typed (to correct it)."""
    try:
        return show(parse(value or ""))
    except invalid:
        return value or ""


def day_text(value: str | date | None) -> str:
    """What a date box shows: the day as dd/mm/yyyy when it is one, else what was typed."""
    return day_vi(value) if isinstance(value, date) else _box_text(value, parse_day, InvalidDay, day_vi)


def clock_text(value: str | time | None) -> str:
    """What a time box shows: HH:MM (24-hour) when it is a time, else what was typed."""
    return clock_vi(value) if isinstance(value, time) else _box_text(value, parse_clock, InvalidClock, clock_vi)


def day_vi(value: date | None) -> str:
    """A day as Vietnamese write it: 15/03/2025."""
    return value.strftime("%d/%m/%Y") if value else ""


_AUDIT = [(re.compile(p, re.S), make) for p, make in AUDIT]



def audit_sentence(detail: str | None, names: dict[str, str] | None = None) -> str:
    """An audit entry's detail (the services write English) in Vietnamese, station codes as names."""
    if not detail:
        return ""
    text = detail.strip()
    for pattern, make in _AUDIT:
        found = pattern.match(text)
        if found:
            groups = found.groupdict()
            text = make.format(**groups) if isinstance(make, str) else make(groups)
            break
    for code, name in (names or {}).items():
        text = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", name, text)
    return text

_HEALTH = [(re.compile(r"last error: (?P<a>[^;]*)"),
            lambda m: HEALTH_LAST_ERROR.format(receiver_sentence(m["a"]).rstrip(".")))]
_HEALTH += [(re.compile(p), make) for p, make in HEALTH]


def health_sentence(detail: str | None) -> str:
    """The station's health summary (receivers' problems, in English in the database) in Vietnamese."""
    text = detail or ""
    for pattern, make in _HEALTH:
        text = pattern.sub(make, text)
    return text
