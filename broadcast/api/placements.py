"""Placements: put an approved bulletin on stations' playlists, see and cancel them; slot templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from broadcast.api.deps import CurrentUser, RuntimeDep, SessionDep
from broadcast.errors import NotFound
from broadcast.models import Bulletin, Placement, PlacementMode, PlaylistItem, Priority, Station, User
from broadcast.runtime import Runtime
from broadcast.schedule.clock import clock_for
from broadcast.schedule.templates import load_templates
from broadcast.services import bulletins as bulletin_svc
from broadcast.services import placements as svc

router = APIRouter(tags=["placements"])


class PlacementCreate(BaseModel):
    stations: list[str] = Field(min_length=1, description="Station codes")
    mode: PlacementMode = Field(description="slot: into the stations' slots on `dates`; at: at `at`; now: at once")
    at: datetime | None = Field(None, description="For mode 'at': ISO 8601 with offset")
    dates: list[date] = Field(default_factory=list, description="For mode 'slot': local dates")
    slots: list[str] = Field(default_factory=list, description="For mode 'slot': slot names; empty = all")
    repeat: int = Field(1, ge=1, le=svc.MAX_REPEAT, description="Plays back to back at each occurrence")
    valid_until: datetime | None = Field(None, description="Nothing plays after this instant")
    on_clash: svc.OnClash = Field(svc.OnClash.refuse, description="refuse (409 naming the conflicts), queue "
                                  "(after them, past the slot's end) or replace (cancel them)")


class OccurrencePublic(BaseModel):
    id: int
    station: str
    bulletin_id: int
    title: str
    priority: Priority
    slot: str | None
    play_at: datetime = Field(description="Planned start (packed inside the slot)")
    anchor: datetime = Field(description="The slot's start or the requested time")
    duration_s: float
    latest_start: datetime
    status: str
    status_detail: str


class PlacementPublic(BaseModel):
    id: int
    bulletin_id: int
    mode: PlacementMode
    priority: Priority
    repeat: int
    valid_until: datetime | None
    on_clash: str
    cancelled_at: datetime | None
    created_at: datetime
    items: list[OccurrencePublic]


def occurrence_public(session: Session, item: PlaylistItem, station: Station, bulletin: Bulletin
                      ) -> OccurrencePublic:
    from broadcast.models import StationSlot

    slot = session.get(StationSlot, item.slot_id) if item.slot_id else None
    return OccurrencePublic(
        id=item.id or 0, station=station.code, bulletin_id=bulletin.id or 0, title=bulletin.title,
        priority=item.priority, slot=slot.name if slot else None, play_at=item.starts_at, anchor=item.play_at,
        duration_s=round(item.duration_ms / 1000, 1), latest_start=item.latest_start, status=item.status.value,
        status_detail=item.status_detail)


def placement_public(session: Session, placement: Placement) -> PlacementPublic:
    bulletin = session.get(Bulletin, placement.bulletin_id)
    assert bulletin is not None
    items = session.exec(select(PlaylistItem).where(PlaylistItem.placement_id == placement.id)
                         .order_by(col(PlaylistItem.starts_at), col(PlaylistItem.id))).all()
    stations = {s.id: s for s in session.exec(select(Station).where(
        col(Station.id).in_({i.station_id for i in items} or {-1}))).all()}
    return PlacementPublic(
        id=placement.id or 0, bulletin_id=placement.bulletin_id, mode=placement.mode, priority=placement.priority,
        repeat=placement.repeat, valid_until=placement.valid_until, on_clash=placement.on_clash,
        cancelled_at=placement.cancelled_at, created_at=placement.created_at,
        items=[occurrence_public(session, i, stations[i.station_id], bulletin) for i in items])


def _placement(session: Session, user: User, placement_id: int) -> Placement:
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(f"no placement {placement_id}")
    bulletin_svc.get_bulletin(session, user, placement.bulletin_id)  # visibility check
    return placement


def _commit_and_publish(session: Session, runtime: Runtime, placement: Placement) -> PlacementPublic:
    """Commit a change of plan, then have it published at once (push stations hear of it without polling)."""
    reply = placement_public(session, placement)
    session.commit()
    if runtime.jobs:
        runtime.jobs.wake_publication()
    return reply


@router.post("/bulletins/{bulletin_id}/placements", response_model=PlacementPublic, status_code=201,
             responses={409: {"description": "Clash: `conflicts` names the occurrences in the way"},
                        422: {"description": "Invalid, e.g. in quiet hours (only emergencies may play then)"}})
def place(bulletin_id: int, body: PlacementCreate, user: CurrentUser, session: SessionDep,
          runtime: RuntimeDep) -> PlacementPublic:
    """Put an approved bulletin on stations: into slots on dates, at a time, or now."""
    bulletin = bulletin_svc.get_bulletin(session, user, bulletin_id)
    placement, _items = svc.place(session, user, bulletin, station_codes=body.stations, mode=body.mode, at=body.at,
                                  dates=body.dates, slot_names=body.slots, repeat=body.repeat,
                                  valid_until=body.valid_until, on_clash=body.on_clash,
                                  now=clock_for(runtime.settings).now(), grace_s=runtime.settings.play_grace_s)
    return _commit_and_publish(session, runtime, placement)


@router.get("/bulletins/{bulletin_id}/placements", response_model=list[PlacementPublic])
def list_placements(bulletin_id: int, user: CurrentUser, session: SessionDep) -> list[PlacementPublic]:
    bulletin = bulletin_svc.get_bulletin(session, user, bulletin_id)
    rows = session.exec(select(Placement).where(Placement.bulletin_id == bulletin.id)
                        .order_by(col(Placement.id))).all()
    return [placement_public(session, p) for p in rows]


@router.get("/placements/{placement_id}", response_model=PlacementPublic)
def read_placement(placement_id: int, user: CurrentUser, session: SessionDep) -> PlacementPublic:
    return placement_public(session, _placement(session, user, placement_id))


class CancelIn(BaseModel):
    reason: str = Field("", max_length=500)


@router.post("/placements/{placement_id}/cancel", response_model=PlacementPublic)
def cancel(placement_id: int, user: CurrentUser, session: SessionDep, runtime: RuntimeDep,
           body: Annotated[CancelIn | None, Body()] = None) -> PlacementPublic:
    """Cancel the occurrences that have not played yet; the stations' manifests change at once."""
    placement = _placement(session, user, placement_id)
    svc.cancel_placement(session, user, placement, body.reason if body else "",
                         now=clock_for(runtime.settings).now(), grace_s=runtime.settings.play_grace_s)
    return _commit_and_publish(session, runtime, placement)


class TemplateSlot(BaseModel):
    name: str
    start: str
    end: str
    weekdays: str
    valid_from: str | None
    valid_to: str | None


class TemplatePublic(BaseModel):
    name: str
    label: str
    slots: list[TemplateSlot]


@router.get("/schedule-templates", response_model=list[TemplatePublic])
def templates(_user: CurrentUser, runtime: RuntimeDep) -> list[TemplatePublic]:
    """The slot templates in schedules/*.toml (apply one with PUT /stations/{code}/slots)."""
    return [TemplatePublic(name=t.name, label=t.label, slots=[
        TemplateSlot(name=s.name, start=s.start, end=s.end, weekdays=s.weekdays, valid_from=s.valid_from,
                     valid_to=s.valid_to) for s in t.slots])
        for t in load_templates(runtime.settings.schedules_dir).values()]
