"""Stations (commune radio stations): creating and finding them.

Receivers live in ``services/receivers.py``, device authentication in ``services/devices.py``, slot
templates in ``broadcast/schedule/templates.py``.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from broadcast.errors import Conflict, InvalidInput, NotFound
from broadcast.models import Station

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


def create_station(session: Session, code: str, name: str, province: str = "", district: str = "",
                   timezone: str = "Asia/Ho_Chi_Minh") -> Station:
    code = code.strip().lower()
    if not CODE_RE.match(code):
        raise InvalidInput("station code must be 2–64 characters: lower-case letters, digits, _ -")
    if not name.strip():
        raise InvalidInput("station name is empty")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {timezone!r}") from None
    if session.exec(select(Station).where(Station.code == code)).first():
        raise Conflict(f"station {code!r} already exists")
    station = Station(code=code, name=name.strip(), province=province, district=district, timezone=timezone)
    session.add(station)
    session.flush()
    return station


def get_station(session: Session, code: str) -> Station:
    station = session.exec(select(Station).where(Station.code == code)).first()
    if station is None:
        raise NotFound(f"unknown station {code!r}")
    return station

