"""Stations, their receivers and playlists (staff side)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from pydantic import BaseModel, Field
from sqlmodel import col, select

from broadcast.api.deps import AdminUser, CurrentUser, RuntimeDep, SessionDep
from broadcast.api.schemas import AudioPublic, PlaylistItemPublic
from broadcast.errors import Forbidden, InvalidInput, NotFound
from broadcast.models import Receiver, Station, StationSlot, utcnow
from broadcast.services import audit, receivers, stations
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


# --- location, for CAP warning areas (issue 16) --------------------------------------------------------------


class LocationIn(BaseModel):
    """The station's whole location; a field left out or null clears it."""

    lat: float | None = Field(None, examples=[21.885], description="WGS 84 latitude of a point (with lon)")
    lon: float | None = Field(None, examples=[106.735], description="WGS 84 longitude of a point (with lat)")
    area: dict[str, Any] | None = Field(None, description="GeoJSON Polygon or MultiPolygon, [longitude, latitude]")
    province_code: str = Field("", max_length=8, examples=["20"], description="Registry code, 2 digits")
    district_code: str = Field("", max_length=8, examples=["178"], description="Registry code, 3 digits")
    commune_code: str = Field("", max_length=8, examples=["06202"], description="Registry code, 5 digits")


class LocationPublic(LocationIn):
    station: str


class LocationsImported(BaseModel):
    updated: list[str] = Field(description="Codes of the stations whose location the file set")


def _location_public(station: Station) -> LocationPublic:
    from broadcast.services.station_location import location_dict

    return LocationPublic(station=station.code, **location_dict(station))


@router.post("/locations/import", response_model=LocationsImported)
def import_locations(user: AdminUser, session: SessionDep,
                     file: Annotated[UploadFile, File(description="GeoJSON FeatureCollection or CSV "
                                                      "(code, lat, lon, province_code, district_code, "
                                                      "commune_code)")]) -> LocationsImported:
    """Set many stations' locations from one file, all or nothing: a 422 lists every bad row."""
    from broadcast.services.location_import import MAX_FILE_BYTES
    from broadcast.services.location_import import import_locations as run_import

    data = file.file.read(MAX_FILE_BYTES + 1)
    updated = run_import(session, data, file.filename or "")
    audit.record(session, user, "station.locations_import", "station", None,
                 f"{file.filename or '—'} · {len(updated)}")
    return LocationsImported(updated=[s.code for s in updated])


@router.get("/{code}/location", response_model=LocationPublic)
def read_location(code: str, user: CurrentUser, session: SessionDep) -> LocationPublic:
    return _location_public(_visible_station(session, user, code))


@router.put("/{code}/location", response_model=LocationPublic)
def set_location(code: str, body: LocationIn, user: AdminUser, session: SessionDep) -> LocationPublic:
    """Replace the station's point, area polygon and registry codes (admins); checked before storing."""
    from broadcast.services.station_location import Location, location_summary
    from broadcast.services.station_location import set_location as store

    station = store(session, stations.get_station(session, code), Location(**body.model_dump()))
    audit.record(session, user, "station.location", "station", station.id, location_summary(station))
    return _location_public(station)


@router.get("/{code}", response_model=StationPublic)
def read_station(code: str, user: CurrentUser, session: SessionDep) -> StationPublic:
    return _public(session, _visible_station(session, user, code))


@router.get("/{code}/playlist", response_model=list[PlaylistItemPublic])
def playlist(code: str, user: CurrentUser, session: SessionDep,
             start: Annotated[datetime | None, Query(alias="from")] = None,
             hours: Annotated[int, Query(ge=1, le=24 * 31)] = 48) -> list[PlaylistItemPublic]:
    """What the station will play from ``from`` (default: now − 1 h) for ``hours`` hours (planned starts)."""
    station = _visible_station(session, user, code)
    if start is not None and start.tzinfo is None:
        raise InvalidInput("'from' needs a UTC offset, e.g. 2026-11-22T00:00:00+07:00")
    begin = start or utcnow() - timedelta(hours=1)
    rows = station_playlist(session, station, begin, begin + timedelta(hours=hours))
    return [PlaylistItemPublic(id=item.id or 0, station=station.code, bulletin_id=bulletin.id or 0,
                               title=bulletin.title, priority=item.priority, play_at=item.starts_at,
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
    receiver, token = receivers.create_receiver(session, station, body.name)
    audit.record(session, user, "receiver.create", "receiver", receiver.id, receiver.name)
    return ReceiverCreated(id=receiver.id or 0, name=receiver.name, station=station.code, last_seen_at=None,
                           revoked=False, token=token)



@router.post("/{code}/receivers/{receiver_id}/revoke", response_model=ReceiverPublic)
def revoke_receiver(code: str, receiver_id: int, user: AdminUser, session: SessionDep) -> ReceiverPublic:
    """Revoke a device token: the receiver gets 401 from its next call on."""
    station = stations.get_station(session, code)
    receiver = session.get(Receiver, receiver_id)
    if receiver is None or receiver.station_id != station.id:
        raise NotFound(f"station {code} has no receiver {receiver_id}")
    if receiver.revoked_at is None:
        receivers.revoke_receiver(session, receiver)
        audit.record(session, user, "receiver.revoke", "receiver", receiver.id, receiver.name)
    return ReceiverPublic(id=receiver.id or 0, name=receiver.name, station=station.code,
                          last_seen_at=receiver.last_seen_at, revoked=True)

# --- schedule, quiet hours, health and push (issue 5) ----------------------------------------------------

class QuietHoursIn(BaseModel):
    start: str = Field(examples=["21:00"], description="Local HH:MM when quiet hours begin")
    end: str = Field(examples=["05:30"], description="Local HH:MM when they end")


@router.put("/{code}/quiet-hours", response_model=StationPublic)
def set_quiet_hours(code: str, body: QuietHoursIn, user: AdminUser, session: SessionDep) -> StationPublic:
    """No normal or priority content may be placed in quiet hours; emergencies are exempt."""
    from broadcast.schedule.service import set_quiet_hours as set_hours

    station = set_hours(session, stations.get_station(session, code), body.start, body.end)
    audit.record(session, user, "station.quiet_hours", "station", station.id, f"{body.start}–{body.end}")
    return _public(session, station)


class SlotIn(BaseModel):
    name: str = Field("", max_length=64)
    start: str = Field(examples=["06:00"])
    end: str = Field(examples=["06:30"])
    weekdays: str = Field("0123456", description="Digits 0 (Monday) … 6 (Sunday)")
    valid_from: str | None = Field(None, description="YYYY-MM-DD, inclusive")
    valid_to: str | None = Field(None, description="YYYY-MM-DD, inclusive")


class ScheduleIn(BaseModel):
    templates: list[str] = Field(default_factory=list, description="Names from GET /schedule-templates")
    slots: list[SlotIn] = Field(default_factory=list)


@router.put("/{code}/schedule", response_model=StationPublic)
def set_schedule(code: str, body: ScheduleIn, user: AdminUser, session: SessionDep,
                 runtime: RuntimeDep) -> StationPublic:
    """Replace the station's broadcast slots (templates and/or explicit slots); placed occurrences stay."""
    from broadcast.schedule.clock import clock_for
    from broadcast.schedule.service import set_schedule as replace
    from broadcast.schedule.templates import SlotSpec, load_templates

    templates = load_templates(runtime.settings.schedules_dir)
    unknown = [t for t in body.templates if t not in templates]
    if unknown:
        raise InvalidInput(f"unknown template(s) {', '.join(unknown)}; known: {', '.join(sorted(templates))}")
    station = stations.get_station(session, code)
    replace(session, station, [templates[t] for t in body.templates],
            [SlotSpec(s.name, s.start, s.end, s.weekdays, s.valid_from, s.valid_to) for s in body.slots],
            now=clock_for(runtime.settings).now())
    audit.record(session, user, "station.schedule", "station", station.id,
                 f"templates {body.templates}, {len(body.slots)} explicit slot(s)")
    return _public(session, station)


class ReceiverStatus(BaseModel):
    id: int
    name: str
    status: str
    problems: list[str]
    last_seen_at: datetime | None
    software_version: str | None
    free_disk_mb: float | None
    volume: int | None
    clock_offset_s: float | None
    manifest_sequence: int | None
    current_sequence: int | None


class StationStatus(BaseModel):
    station: str
    status: str = Field(description="ok | warning | error | offline | unknown: the worst receiver's")
    receivers: list[ReceiverStatus]
    publishing: list[str] = Field(default_factory=list, description="Feeds or media that could not be "
                                  "published to object storage (retried at every run)")


@router.get("/{code}/status", response_model=StationStatus)
def station_status(code: str, user: CurrentUser, session: SessionDep, runtime: RuntimeDep) -> StationStatus:
    """The station's health from its receivers' heartbeats and reports."""
    from broadcast.distribute.mirror import station_problems
    from broadcast.distribute.reports import station_health
    from broadcast.models import ManifestState
    from broadcast.schedule.clock import clock_for

    station = _visible_station(session, user, code)
    overall, healths = station_health(session, station.id or 0, clock_for(runtime.settings).now())
    rows = []
    for health in healths:
        receiver = session.get(Receiver, health.receiver_id)
        state = session.get(ManifestState, health.receiver_id)
        assert receiver is not None
        rows.append(ReceiverStatus(
            id=health.receiver_id, name=health.name, status=health.status, problems=health.problems,
            last_seen_at=health.last_seen_at, software_version=receiver.software_version,
            free_disk_mb=receiver.free_disk_mb, volume=receiver.volume, clock_offset_s=receiver.clock_offset_s,
            manifest_sequence=state.receiver_sequence if state else None,
            current_sequence=state.sequence if state else None))
    return StationStatus(station=station.code, status=overall, receivers=rows,
                         publishing=station_problems(session, station.id or 0))


class PushIn(BaseModel):
    url: str | None = Field(None, description="Gateway URL (http/https); null turns pushing off")
    secret: str | None = Field(None, min_length=16, max_length=200, description="HMAC secret; default: generated")


class PushConfig(BaseModel):
    station: str
    url: str | None
    secret: str | None = Field(None, description="Shown only when set or generated")


@router.put("/{code}/push", response_model=PushConfig)
def set_push(code: str, body: PushIn, user: AdminUser, session: SessionDep, runtime: RuntimeDep) -> PushConfig:
    """Make the server POST each new signed manifest to the station's gateway (HMAC-signed).

    The URL must reach a public address unless ``push_allow_private`` is set (422 otherwise).
    """
    from broadcast.distribute.push_target import check_push_url
    from broadcast.security import new_secret

    station = stations.get_station(session, code)
    if body.url is None:
        station.push_url = station.push_secret = None
    else:
        if not body.url.startswith(("http://", "https://")) or len(body.url) > 500:
            raise InvalidInput("the push URL must be http:// or https:// (at most 500 characters)")
        check_push_url(body.url, runtime.settings.push_allow_private)
        secret = body.secret or new_secret()
        station.push_url, station.push_secret = body.url, runtime.secret_box.encrypt(secret)
    session.add(station)
    audit.record(session, user, "station.push", "station", station.id, station.push_url or "off")
    return PushConfig(station=station.code, url=station.push_url, secret=secret if body.url is not None else None)


class PushAttemptPublic(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class PushDeliveryPublic(BaseModel):
    id: int
    receiver_id: int
    sequence: int
    url: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    tries: list[PushAttemptPublic]


@router.get("/{code}/push-deliveries", response_model=list[PushDeliveryPublic])
def push_deliveries(code: str, user: CurrentUser, session: SessionDep,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[PushDeliveryPublic]:
    """Recent push deliveries, newest first, with every attempt."""
    from broadcast.models import PushAttempt, PushDelivery

    station = _visible_station(session, user, code)
    rows = session.exec(select(PushDelivery).where(PushDelivery.station_id == station.id)
                        .order_by(col(PushDelivery.id).desc()).limit(limit)).all()
    result = []
    for d in rows:
        tries = session.exec(select(PushAttempt).where(PushAttempt.delivery_id == d.id)
                             .order_by(col(PushAttempt.id))).all()
        result.append(PushDeliveryPublic(
            id=d.id or 0, receiver_id=d.receiver_id, sequence=d.sequence, url=d.url, status=d.status.value,
            attempts=d.attempts, next_attempt_at=d.next_attempt_at, last_error=d.last_error,
            created_at=d.created_at, delivered_at=d.delivered_at,
            tries=[PushAttemptPublic(at=t.at, status_code=t.status_code, error=t.error, duration_ms=t.duration_ms)
                   for t in tries]))
    return result
