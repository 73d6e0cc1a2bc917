"""Local clock times, quiet hours, slot occurrences and duration estimates (pure functions)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class HasQuietHours(Protocol):
    timezone: str
    quiet_start: str
    quiet_end: str


class SlotLike(Protocol):
    start_local: str
    end_local: str
    weekdays: str
    valid_from: str | None
    valid_to: str | None


def local_time(value: str) -> time:
    """Parse ``HH:MM`` (24-hour clock)."""
    if not HHMM_RE.match(value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(station: HasQuietHours, instant: datetime) -> bool:
    """True when ``instant`` falls in the station's quiet hours (which may wrap past midnight)."""
    local = instant.astimezone(ZoneInfo(station.timezone)).time()
    start, end = local_time(station.quiet_start), local_time(station.quiet_end)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def interval_in_quiet_hours(station: HasQuietHours, start: datetime, end: datetime) -> bool:
    """True when any part of [start, end) falls in quiet hours (checked at every minute boundary)."""
    if in_quiet_hours(station, start):
        return True
    probe = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < end:
        if in_quiet_hours(station, probe):
            return True
        probe += timedelta(minutes=1)
    return False


@dataclass(frozen=True)
class SlotOccurrence:
    """One concrete broadcast slot: the template slot and its UTC start and end."""

    slot: SlotLike
    start: datetime
    end: datetime


def slot_occurrences(timezone: str, slots: Sequence[SlotLike], day: date) -> list[SlotOccurrence]:
    """The UTC instants of a station's slots on one local calendar date, in time order.

    Slots are stored as local clock time + the station's zone; the UTC instant is computed for each date,
    so it is right whatever the server's own time zone is.
    """
    zone = ZoneInfo(timezone)
    found = []
    iso = day.isoformat()
    for slot in slots:
        if str(day.weekday()) not in slot.weekdays:
            continue
        if (slot.valid_from and iso < slot.valid_from) or (slot.valid_to and iso > slot.valid_to):
            continue
        start = datetime.combine(day, local_time(slot.start_local), tzinfo=zone).astimezone(UTC)
        end_day = day if slot.end_local > slot.start_local else day + timedelta(days=1)
        end = datetime.combine(end_day, local_time(slot.end_local), tzinfo=zone).astimezone(UTC)
        found.append(SlotOccurrence(slot, start, end))
    return sorted(found, key=lambda occurrence: occurrence.start)


_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_DIGIT_RE = re.compile(r"\d")
_SENTENCE_RE = re.compile(r"[.!?;:\n]+")


def estimate_duration_ms(text: str) -> int:
    """A rough spoken length for text whose audio is not made yet (used for clash checks only).

    Vietnamese is written one syllable per word; read at broadcast pace that is about 0.33 s a syllable,
    digits expand to roughly one and a half syllables each, and each sentence adds a pause. The real
    duration replaces the estimate as soon as the audio exists.
    """
    syllables = len(_WORD_RE.findall(text)) + 1.5 * len(_DIGIT_RE.findall(text))
    sentences = max(1, len([s for s in _SENTENCE_RE.split(text) if s.strip()]))
    return int(2000 + syllables * 330 + sentences * 500)


def fmt_local(instant: datetime, timezone: str) -> str:
    """``HH:MM dd/mm/yyyy`` in the station's zone, for messages to staff."""
    return instant.astimezone(ZoneInfo(timezone)).strftime("%H:%M %d/%m/%Y")
