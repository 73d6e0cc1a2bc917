"""Stations, their receivers and playlists (staff side)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from broadcast.api.deps import AdminUser, CurrentUser, SessionDep
from broadcast.api.schemas import AudioPublic, PlaylistItemPublic
from broadcast.errors import Forbidden, InvalidInput
from broadcast.models import Receiver, Station, StationSlot, utcnow
from broadcast.services import audit, stations
from broadcast.services.accounts import station_ids_for
from broadcast.services.placements import station_playlist

router = APIRouter(prefix="/stations", tags=["stations"])


class StationCreate(BaseModel):
    code: str = Field(examples=["xa-hoang-dong"])
    name: str
    province: str = ""
    district: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"


class SlotPublic(BaseModel):
    name: str
    start_local: str
    end_local: str
    weekdays: str


class StationPublic(BaseModel):
    code: str
    name: str
    province: str
    district: str
    timezone: str
    quiet_start: str
    quiet_end: str
    slots: list[SlotPublic]


class ReceiverCreate(BaseModel):
    name: str


class ReceiverPublic(BaseModel):
    id: int
    name: str
    station: str
    last_seen_at: datetime | None
    revoked: bool


class ReceiverCreated(ReceiverPublic):
    token: str = Field(description="Shown only this once")


def _public(session, station: Station) -> StationPublic:  # type: ignore[no-untyped-def]
    slots = session.exec(select(StationSlot).where(StationSlot.station_id == station.id)
                         .order_by(StationSlot.start_local)).all()
    return StationPublic(code=station.code, name=station.name, province=station.province, district=station.district,
                         timezone=station.timezone, quiet_start=station.quiet_start, quiet_end=station.quiet_end,
                         slots=[SlotPublic(name=s.name, start_local=s.start_local, end_local=s.end_local,
                                           weekdays=s.weekdays) for s in slots])


def _visible_station(session, user, code: str) -> Station:  # type: ignore[no-untyped-def]
    station = stations.get_station(session, code)
    allowed = station_ids_for(session, user)
    if allowed is not None and station.id not in allowed:
        raise Forbidden("you are not assigned to this station")
    return station


@router.get("", response_model=list[StationPublic])
def list_stations(user: CurrentUser, session: SessionDep) -> list[StationPublic]:
    query = select(Station).order_by(Station.code)
    allowed = station_ids_for(session, user)
    if allowed is not None:
        query = query.where(col(Station.id).in_(allowed or {-1}))
    return [_public(session, s) for s in session.exec(query).all()]


@router.post("", response_model=StationPublic, status_code=201)
def create_station(body: StationCreate, user: AdminUser, session: SessionDep) -> StationPublic:
    station = stations.create_station(session, body.code, body.name, body.province, body.district, body.timezone)
    audit.record(session, user, "station.create", "station", station.id, station.code)
    return _public(session, station)


@router.get("/{code}", response_model=StationPublic)
def read_station(code: str, user: CurrentUser, session: SessionDep) -> StationPublic:
    return _public(session, _visible_station(session, user, code))


@router.get("/{code}/playlist", response_model=list[PlaylistItemPublic])
def playlist(code: str, user: CurrentUser, session: SessionDep,
             start: Annotated[datetime | None, Query(alias="from")] = None,
             hours: Annotated[int, Query(ge=1, le=24 * 31)] = 48) -> list[PlaylistItemPublic]:
    """What the station will play from ``from`` (default: now − 1 h) for ``hours`` hours."""
    station = _visible_station(session, user, code)
    if start is not None and start.tzinfo is None:
        raise InvalidInput("'from' needs a UTC offset, e.g. 2026-11-22T00:00:00+07:00")
    begin = start or utcnow() - timedelta(hours=1)
    rows = station_playlist(session, station, begin, begin + timedelta(hours=hours))
    return [PlaylistItemPublic(id=item.id or 0, station=station.code, bulletin_id=bulletin.id or 0,
                               title=bulletin.title, priority=item.priority, play_at=item.play_at,
                               status=item.status.value, audio=AudioPublic.of(asset) if asset else None)
            for item, bulletin, asset in rows]


@router.get("/{code}/receivers", response_model=list[ReceiverPublic])
def list_receivers(code: str, user: CurrentUser, session: SessionDep) -> list[ReceiverPublic]:
    station = _visible_station(session, user, code)
    rows = session.exec(select(Receiver).where(Receiver.station_id == station.id).order_by(Receiver.id)).all()
    return [ReceiverPublic(id=r.id or 0, name=r.name, station=station.code, last_seen_at=r.last_seen_at,
                           revoked=r.revoked_at is not None) for r in rows]


@router.post("/{code}/receivers", response_model=ReceiverCreated, status_code=201)
def create_receiver(code: str, body: ReceiverCreate, user: AdminUser, session: SessionDep) -> ReceiverCreated:
    station = stations.get_station(session, code)
    receiver, token = stations.create_receiver(session, station, body.name)
    audit.record(session, user, "receiver.create", "receiver", receiver.id, receiver.name)
    return ReceiverCreated(id=receiver.id or 0, name=receiver.name, station=station.code, last_seen_at=None,
                           revoked=False, token=token)
