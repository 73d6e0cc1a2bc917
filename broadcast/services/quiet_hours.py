"""Quiet hours (giờ yên tĩnh): only emergencies may play in them; everything else is refused, naming where."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from broadcast.errors import InvalidInput
from broadcast.models import Station
from broadcast.schedule.timeplan import fmt_local, in_quiet_hours, interval_in_quiet_hours


def _where(station: Station, start: datetime) -> str:
    return (f"{station.code} at {fmt_local(start, station.timezone)} "
            f"(quiet hours {station.quiet_start}–{station.quiet_end})")


def refuse_starts_in_quiet_hours(starts: Iterable[tuple[Station, datetime]]) -> None:
    """Raise InvalidInput when any (station, instant) falls in that station's quiet hours."""
    quiet = [_where(station, start) for station, start in starts if in_quiet_hours(station, start)]
    if quiet:
        raise InvalidInput("this falls in quiet hours, when only emergencies may play: " + "; ".join(quiet))


def refuse_runs_into_quiet_hours(spans: Iterable[tuple[Station, datetime, datetime]]) -> None:
    """Raise InvalidInput when any (station, start, end) play would run into that station's quiet hours."""
    quiet = [_where(station, start) for station, start, end in spans
             if interval_in_quiet_hours(station, start, end)]
    if quiet:
        raise InvalidInput("it would run into quiet hours, when only emergencies may play: " + "; ".join(quiet))
