"""Scheduling pages: put an approved bulletin on stations, see a station's week, cancel a placement."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response

from broadcast.errors import Conflict, InvalidInput, NotFound, ServiceError
from broadcast.models import Bulletin, Placement, PlacementMode
from broadcast.services import bulletins as svc
from broadcast.services import directory, placements
from broadcast.services.schedule_view import station_week, stations_week
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render
from broadcast.web.messages import say

router = APIRouter(route_class=WebRoute)
MAX_DAYS = 31


def _today(ctx: WebCtx) -> date:
    return ctx.now().astimezone(ctx.settings.tz).date()


def _form(ctx: WebCtx, bulletin: Bulletin, values: dict[str, Any], error: i18n.Message | None = None,
          status_code: int = 200, conflicts: list[dict[str, Any]] | None = None) -> HTMLResponse:
    stations = directory.visible_stations(ctx.session, ctx.user)
    return render(ctx, "schedule/form.html", status_code=status_code, b=bulletin, values=values, error=error,
                  conflicts=conflicts or [],
                  groups=directory.by_district(stations),
                  slot_names=directory.slot_names(ctx.session, [s.id for s in stations if s.id]),
                  slot_times=_slot_times(ctx, [s.id for s in stations if s.id]))


def _placed_twice(ctx: WebCtx, items: list[Any]) -> bool:
    """Whether the same bulletin already plays in one of these slots (same station, same anchor) from an
    earlier placement: allowed, but worth a warning (it would be read twice in a row)."""
    from sqlmodel import col, select

    from broadcast.models import ItemStatus, PlaylistItem

    for item in items:
        if item.slot_id is None:
            continue
        twin = ctx.session.exec(select(PlaylistItem.id).where(
            PlaylistItem.bulletin_id == item.bulletin_id, PlaylistItem.station_id == item.station_id,
            PlaylistItem.play_at == item.play_at, PlaylistItem.placement_id != item.placement_id,
            col(PlaylistItem.status).in_((ItemStatus.scheduled, ItemStatus.played)))).first()
        if twin is not None:
            return True
    return False


def _slot_times(ctx: WebCtx, station_ids: list[int]) -> dict[str, str]:
    """Each slot name with its times ("06:00–06:30"; several when stations differ), for the checkboxes."""
    from sqlmodel import col, select

    from broadcast.models import StationSlot

    times: dict[str, list[str]] = {}
    for name, start, end in ctx.session.exec(select(StationSlot.name, StationSlot.start_local, StationSlot.end_local)
                                             .where(col(StationSlot.station_id).in_(station_ids or [-1]))
                                             .order_by(StationSlot.start_local)).all():
        span = f"{start}–{end}"
        if name and span not in times.setdefault(name, []):
            times[name].append(span)
    return {name: ", ".join(spans) for name, spans in times.items()}


@router.get("/bulletins/{bulletin_id}/schedule", response_class=HTMLResponse)
def schedule_page(bulletin_id: int, ctx: Web) -> HTMLResponse:
    bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
    tomorrow = i18n.day_vi(_today(ctx) + timedelta(days=1))
    values = {"stations": svc.bulletin_station_codes(ctx.session, bulletin), "districts": [], "province": False,
              "mode": "slot", "date_from": tomorrow, "date_to": tomorrow, "slots": [], "at_date": tomorrow,
              "at_time": "07:00", "repeat": 1, "on_clash": "refuse"}
    return _form(ctx, bulletin, values)


def _dates(first: str, last: str) -> list[date]:
    start = i18n.form_day(first, required=True)
    end = i18n.form_day(last) or start
    assert start is not None and end is not None  # required above
    if end < start:
        raise InvalidInput(say("period_backwards"))
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(say("days_too_many", days=MAX_DAYS))
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _at(ctx: WebCtx, day: str, clock: str) -> datetime:
    when, at = i18n.form_day(day, required=True), i18n.form_clock(clock, required=True)
    assert when is not None and at is not None  # required above
    return datetime.combine(when, at, tzinfo=ctx.settings.tz)


@router.post("/bulletins/{bulletin_id}/schedule", response_class=HTMLResponse)
def schedule(bulletin_id: int, ctx: WebPost, stations: Annotated[list[str] | None, Form()] = None,
             districts: Annotated[list[str] | None, Form()] = None, province: Annotated[str, Form()] = "",
             mode: Annotated[str, Form()] = "slot", date_from: Annotated[str, Form()] = "",
             date_to: Annotated[str, Form()] = "", slots: Annotated[list[str] | None, Form()] = None,
             at_date: Annotated[str, Form()] = "", at_time: Annotated[str, Form()] = "",
             repeat: Annotated[int, Form(ge=1, le=20)] = 1, on_clash: Annotated[str, Form()] = "refuse"
             ) -> Response:
    bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
    values = {"stations": stations or [], "districts": districts or [], "province": bool(province), "mode": mode,
              "date_from": date_from, "date_to": date_to, "slots": slots or [], "at_date": at_date,
              "at_time": at_time, "repeat": repeat, "on_clash": on_clash}
    try:
        if mode not in i18n.MODE:
            raise InvalidInput(say("mode_invalid"))
        visible = directory.visible_stations(ctx.session, ctx.user)
        codes = directory.expand_selection(visible, stations or [], districts or [], bool(province))
        placement_mode = PlacementMode(mode)
        placement, items = placements.place(
            ctx.session, ctx.user, bulletin, station_codes=codes, mode=placement_mode,
            at=_at(ctx, at_date, at_time) if placement_mode == PlacementMode.at else None,
            dates=_dates(date_from, date_to) if placement_mode == PlacementMode.slot else (),
            slot_names=slots or [], repeat=repeat,
            on_clash=on_clash if on_clash in {c.value for c in placements.OnClash} else "refuse",
            now=ctx.now())
    except ServiceError as exc:
        ctx.session.rollback()
        bulletin = svc.get_bulletin(ctx.session, ctx.user, bulletin_id)
        conflicts = exc.extra.get("conflicts") if isinstance(exc, Conflict) else None
        return _form(ctx, bulletin, values, i18n.translate(exc.message), status_code=exc.status_code,
                     conflicts=conflicts if isinstance(conflicts, list) else None)
    ctx.publish_now()
    if ctx.runtime.jobs and bulletin.status.value == "approved":
        ctx.runtime.jobs.wake_synthesis()
    if placement_mode == PlacementMode.now:
        return redirect(f"/placements/{placement.id}/delivery", "placed_now")
    return redirect(f"/bulletins/{bulletin.id}", "placed_twice" if _placed_twice(ctx, items) else "placed")


@router.post("/placements/{placement_id}/cancel")
def cancel(placement_id: int, ctx: WebPost, back: Annotated[str, Form()] = "") -> Response:
    placement = ctx.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(f"no placement {placement_id}")
    svc.get_bulletin(ctx.session, ctx.user, placement.bulletin_id)  # visibility check
    placements.cancel_placement(ctx.session, ctx.user, placement, now=ctx.now())
    ctx.publish_now()
    target = back if back.startswith("/") and not back.startswith("//") else f"/bulletins/{placement.bulletin_id}"
    return redirect(target, "placement_cancelled")


@router.get("/week", response_class=HTMLResponse)
def week(ctx: Web, station: str = "", start: str = "") -> HTMLResponse:
    """A station's week: what will play (and what played), day by day."""
    stations = directory.visible_stations(ctx.session, ctx.user)
    chosen = directory.visible_station(ctx.session, ctx.user, station) if station else (
        stations[0] if stations else None)
    first = i18n.form_day(start) or _today(ctx)
    days = station_week(ctx.session, chosen, first) if chosen else []
    return render(ctx, "schedule/week.html", stations=stations, station=chosen, days=days, first=first,
                  prev=(first - timedelta(days=7)).isoformat(), next=(first + timedelta(days=7)).isoformat(),
                  today=_today(ctx))


@router.get("/week/stations", response_class=HTMLResponse)
def stations_grid(ctx: Web, area: str = "", start: str = "") -> HTMLResponse:
    """Many stations' week side by side (a district, or every station the user sees): rows are stations,
    columns days, cells what plays — for a district or province officer who looks after many communes."""
    stations = directory.visible_stations(ctx.session, ctx.user)
    groups = directory.by_district(stations)
    if area and area not in groups:
        raise NotFound(f"unknown station(s): {area}")
    shown = groups[area] if area else stations
    first = i18n.form_day(start) or _today(ctx)
    weeks = stations_week(ctx.session, shown, first)
    return render(ctx, "schedule/grid.html", groups=list(groups), area=area, stations=shown, weeks=weeks,
                  first=first, days=[first + timedelta(days=n) for n in range(7)], today=_today(ctx),
                  prev=i18n.day_vi(first - timedelta(days=7)), next=i18n.day_vi(first + timedelta(days=7)))
