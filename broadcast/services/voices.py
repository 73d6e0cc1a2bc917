"""Which voice reads a bulletin by default: the stations' own default voice, else the province's.

The province's default is the service setting ``BROADCAST_DEFAULT_VOICE``; a station may have its own
(``broadcast voices default NAME --station CODE``). A bulletin for several stations takes their shared
default, or the province's when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from broadcast.errors import NotFound
from broadcast.models import Station


def default_voice(session: Session, station_codes: Iterable[str], province_default: str) -> str:
    codes = list(dict.fromkeys(station_codes))
    if not codes:
        return province_default
    voices = set(session.exec(select(Station.default_voice).where(col(Station.code).in_(codes))).all())
    return next(iter(voices)) or province_default if len(voices) == 1 else province_default


def set_station_voice(session: Session, code: str, voice: str | None) -> Station:
    """Set (or with None clear) a station's default voice; the caller checks the voice exists."""
    station = session.exec(select(Station).where(Station.code == code)).first()
    if station is None:
        raise NotFound(f"no station {code!r}")
    station.default_voice = voice
    session.add(station)
    return station
