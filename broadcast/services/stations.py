"""Stations (commune radio stations), their receivers and slot templates."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, select

from broadcast.errors import Conflict, InvalidInput, NotFound
from broadcast.models import Receiver, Station, StationSlot, utcnow
from broadcast.security import DeviceToken, hash_secret, secrets_match

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


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


def create_receiver(session: Session, station: Station, name: str) -> tuple[Receiver, str]:
    """Register a device; returns it with its token, which is shown only this once."""
    if not name.strip():
        raise InvalidInput("receiver name is empty")
    token = DeviceToken.generate()
    receiver = Receiver(station_id=station.id, name=name.strip(), token_id=token.token_id,
                        token_hash=hash_secret(token.secret))
    session.add(receiver)
    session.flush()
    return receiver, str(token)


def authenticate_receiver(session: Session, raw_token: str) -> Receiver | None:
    token = DeviceToken.parse(raw_token)
    if token is None:
        return None
    receiver = session.exec(select(Receiver).where(Receiver.token_id == token.token_id)).first()
    if receiver is None or receiver.revoked_at is not None:
        return None
    if not secrets_match(receiver.token_hash, token.secret):
        return None
    return receiver


def revoke_receiver(session: Session, receiver: Receiver) -> None:
    receiver.revoked_at = utcnow()
    session.add(receiver)


@dataclass(frozen=True)
class SlotSpec:
    name: str
    start: str
    end: str
    weekdays: str = "0123456"
    valid_from: str | None = None
    valid_to: str | None = None


@dataclass(frozen=True)
class ScheduleTemplate:
    name: str
    label: str
    slots: tuple[SlotSpec, ...]


def load_templates(directory: Path) -> dict[str, ScheduleTemplate]:
    """Read ``schedules/*.toml``; raise InvalidInput naming the file on any mistake."""
    templates: dict[str, ScheduleTemplate] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            slots = []
            for raw in data.get("slot", []):
                spec = SlotSpec(name=str(raw.get("name", "")), start=raw["start"], end=raw["end"],
                                weekdays=_weekdays(raw.get("weekdays", "daily")),
                                valid_from=raw.get("valid_from"), valid_to=raw.get("valid_to"))
                if not (HHMM_RE.match(spec.start) and HHMM_RE.match(spec.end)) or spec.end <= spec.start:
                    raise ValueError(f"slot {spec.name!r}: start/end must be HH:MM with start < end")
                slots.append(spec)
            if not slots:
                raise ValueError("no [[slot]] entries")
            template = ScheduleTemplate(name=path.stem, label=str(data.get("label", path.stem)), slots=tuple(slots))
        except (KeyError, ValueError, tomllib.TOMLDecodeError) as exc:
            raise InvalidInput(f"schedule template {path.name}: {exc}") from exc
        templates[template.name] = template
    return templates


_WEEKDAY_NAMES = {"mon": "0", "tue": "1", "wed": "2", "thu": "3", "fri": "4", "sat": "5", "sun": "6"}


def _weekdays(value: str | list[str]) -> str:
    if value == "daily":
        return "0123456"
    if value == "weekdays":
        return "01234"
    if isinstance(value, list):
        try:
            return "".join(sorted({_WEEKDAY_NAMES[v.lower()[:3]] for v in value}))
        except KeyError as exc:
            raise ValueError(f"unknown weekday {exc.args[0]!r}") from None
    raise ValueError(f"weekdays must be 'daily', 'weekdays' or a list of day names, not {value!r}")


def apply_template(session: Session, station: Station, template: ScheduleTemplate) -> list[StationSlot]:
    """Give a station the template's slots (replacing earlier slots from the same template)."""
    for old in session.exec(select(StationSlot).where(StationSlot.station_id == station.id,
                                                      StationSlot.template == template.name)).all():
        session.delete(old)
    slots = [StationSlot(station_id=station.id, name=spec.name, start_local=spec.start, end_local=spec.end,
                         weekdays=spec.weekdays, valid_from=spec.valid_from, valid_to=spec.valid_to,
                         template=template.name) for spec in template.slots]
    session.add_all(slots)
    session.flush()
    return slots
