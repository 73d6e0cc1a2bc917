"""Who may see which stations, and the admin's lists of users and stations.

The web pages ask here rather than querying tables themselves, so the rule "users only see their own
stations" lives in one place (on top of ``accounts.station_ids_for``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from broadcast.errors import Forbidden, InvalidInput, NotFound
from broadcast.messages import say
from broadcast.models import AuditLog, Receiver, Station, StationSlot, User, UserStation
from broadcast.services import audit
from broadcast.services.accounts import station_ids_for


def visible_stations(session: Session, user: User) -> list[Station]:
    """The stations a user works for (all of them for an admin), by province, district and name."""
    query = select(Station).order_by(Station.province, Station.district, Station.name)
    allowed = station_ids_for(session, user)
    if allowed is not None:
        query = query.where(col(Station.id).in_(allowed or {-1}))
    return list(session.exec(query).all())


def visible_station(session: Session, user: User, code: str) -> Station:
    station = session.exec(select(Station).where(Station.code == code)).first()
    allowed = station_ids_for(session, user)
    if station is None or (allowed is not None and station.id not in allowed):
        raise NotFound(f"unknown station {code!r}")
    return station


def by_district(stations: Iterable[Station]) -> dict[str, list[Station]]:
    """Group stations as '<district>, <province>' → stations (insertion order kept)."""
    groups: dict[str, list[Station]] = {}
    for station in stations:
        key = ", ".join(p for p in (station.district, station.province) if p) or "—"
        groups.setdefault(key, []).append(station)
    return groups


def expand_selection(stations: list[Station], codes: Iterable[str], districts: Iterable[str],
                     whole_province: bool) -> list[str]:
    """Station codes chosen one by one, by whole district, or all (only among ``stations``)."""
    chosen = {c.strip().lower() for c in codes if c.strip()}
    wanted_districts = {d for d in districts if d}
    groups = by_district(stations)
    for key, members in groups.items():
        if whole_province or key in wanted_districts:
            chosen.update(s.code for s in members)
    return [s.code for s in stations if s.code in chosen] + sorted(chosen - {s.code for s in stations})


def slot_names(session: Session, station_ids: Iterable[int]) -> list[str]:
    ids = list(station_ids)
    if not ids:
        return []
    rows = session.exec(select(StationSlot.name, StationSlot.start_local)
                        .where(col(StationSlot.station_id).in_(ids)).order_by(StationSlot.start_local)).all()
    return list(dict.fromkeys(name for name, _ in rows if name))


@dataclass(frozen=True)
class UserRow:
    user: User
    station_codes: list[str]


def list_users(session: Session) -> list[UserRow]:
    users = session.exec(select(User).order_by(User.username)).all()
    links = session.exec(select(UserStation.user_id, Station.code)
                         .join(Station, Station.id == UserStation.station_id)).all()
    codes: dict[int, list[str]] = {}
    for user_id, code in links:
        codes.setdefault(user_id, []).append(code)
    return [UserRow(u, sorted(codes.get(u.id or 0, []))) for u in users]


def set_user_active(session: Session, admin: User, username: str, active: bool) -> User:
    """Lock or unlock an account; a locked user's sessions stop working at once (resolve_token checks)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    if user.id == admin.id and not active:
        raise Forbidden("you cannot lock your own account")
    user.active = active
    session.add(user)
    audit.record(session, admin, "user.unlock" if active else "user.lock", "user", user.id, username)
    return user


def set_user_stations(session: Session, admin: User, username: str, codes: Iterable[str]) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    wanted = sorted({c for c in codes if c})
    stations = session.exec(select(Station).where(col(Station.code).in_(wanted))).all() if wanted else []
    if len(stations) != len(wanted):
        raise InvalidInput("unknown station(s): " + ", ".join(sorted(set(wanted) - {s.code for s in stations})))
    for link in session.exec(select(UserStation).where(UserStation.user_id == user.id)).all():
        session.delete(link)
    session.flush()
    session.add_all(UserStation(user_id=user.id, station_id=s.id) for s in stations)
    audit.record(session, admin, "user.stations", "user", user.id, ", ".join(wanted))
    return user


def station_receivers(session: Session, station: Station) -> list[Receiver]:
    return list(session.exec(select(Receiver).where(Receiver.station_id == station.id).order_by(Receiver.id)).all())


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    username: str


def audit_entries(session: Session, *, action: str = "", object_type: str = "", object_id: int | None = None,
                  username: str = "", limit: int = 100, offset: int = 0) -> list[AuditRow]:
    """The audit log, newest first, optionally filtered (``action`` matches a prefix such as 'bulletin.')."""
    query = select(AuditLog, User.username).join(User, User.id == AuditLog.user_id, isouter=True)
    if action:
        query = query.where(col(AuditLog.action).startswith(action))
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditLog.object_id == object_id)
    if username:
        query = query.where(User.username == username)
    rows = session.exec(query.order_by(col(AuditLog.id).desc()).offset(offset).limit(limit)).all()
    return [AuditRow(entry, name or say("audit_by_system")) for entry, name in rows]


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.username, User.full_name).where(col(User.id).in_(wanted))).all()
    return {uid: (full or name) for uid, name, full in rows if uid is not None}
