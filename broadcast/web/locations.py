"""Admin pages for station locations (for CAP warning areas): edit one station's, import many from a file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from broadcast.errors import InvalidInput, ServiceError
from broadcast.models import Role, Station
from broadcast.services import audit, stations
from broadcast.services.location_import import MAX_FILE_BYTES, import_locations
from broadcast.services.station_location import Location, location_summary, set_location
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render

router = APIRouter(route_class=WebRoute, prefix="/admin/stations")
FIELDS = ("lat", "lon", "area", "province_code", "district_code", "commune_code")


def _number(value: str, name: str) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{name} {value!r} is not a number") from None


def _values(station: Station) -> dict[str, str]:
    return {"lat": "" if station.lat is None else str(station.lat), "lon": "" if station.lon is None else
            str(station.lon), "area": station.area_geojson or "", "province_code": station.province_code,
            "district_code": station.district_code, "commune_code": station.commune_code}


def _page(ctx: WebCtx, station: Station, values: dict[str, str], error: i18n.Message | None = None,
          status_code: int = 200) -> HTMLResponse:
    return render(ctx, "admin/station_location.html", status_code=status_code, station=station, values=values,
                  error=error)


@router.get("/{code}/location", response_class=HTMLResponse)
def location_page(code: str, ctx: Web) -> HTMLResponse:
    ctx.require(Role.admin)
    station = stations.get_station(ctx.session, code)
    return _page(ctx, station, _values(station))


@router.post("/{code}/location", response_class=HTMLResponse)
def location_save(code: str, ctx: WebPost, lat: Annotated[str, Form(max_length=40)] = "",
                  lon: Annotated[str, Form(max_length=40)] = "", area: Annotated[str, Form(max_length=4_000_000)] = "",
                  province_code: Annotated[str, Form(max_length=20)] = "",
                  district_code: Annotated[str, Form(max_length=20)] = "",
                  commune_code: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Replace the station's location; on a mistake the page comes back with what was typed and why."""
    ctx.require(Role.admin)
    station = stations.get_station(ctx.session, code)
    values = {"lat": lat, "lon": lon, "area": area, "province_code": province_code, "district_code": district_code,
              "commune_code": commune_code}
    try:
        location = Location(lat=_number(lat, "lat"), lon=_number(lon, "lon"), area=area.strip() or None,
                            province_code=province_code, district_code=district_code, commune_code=commune_code)
        set_location(ctx.session, station, location)
    except ServiceError as exc:
        ctx.session.rollback()
        return _page(ctx, stations.get_station(ctx.session, code), values, i18n.translate(exc.message),
                     exc.status_code)
    audit.record(ctx.session, ctx.user, "station.location", "station", station.id, location_summary(station))
    return redirect("/admin/stations", "saved")


def _import_page(ctx: WebCtx, error: i18n.Message | None = None, rows: list[dict[str, object]] | None = None,
                 status_code: int = 200) -> HTMLResponse:
    return render(ctx, "admin/locations_import.html", status_code=status_code, error=error, rows=rows or [])


@router.get("/locations/import", response_class=HTMLResponse)
def import_page(ctx: Web) -> HTMLResponse:
    ctx.require(Role.admin)
    return _import_page(ctx)


@router.post("/locations/import", response_class=HTMLResponse)
def import_file(ctx: WebPost, file: Annotated[UploadFile | None, File()] = None) -> Response:
    """All rows or none: a wrong file comes back with every bad row, in Vietnamese."""
    ctx.require(Role.admin)
    try:
        if file is None or not file.filename:
            raise InvalidInput("choose a file")
        updated = import_locations(ctx.session, file.file.read(MAX_FILE_BYTES + 1), file.filename)
    except ServiceError as exc:
        ctx.session.rollback()
        rows = [{"row": e["row"], "code": e["code"], "message": i18n.translate(e["message"])}
                for e in exc.extra.get("errors", [])]  # type: ignore[union-attr]
        return _import_page(ctx, i18n.translate(exc.message), rows, exc.status_code)
    audit.record(ctx.session, ctx.user, "station.locations_import", "station", None,
                 f"{file.filename} · {len(updated)}")
    return redirect("/admin/stations", "locations_imported")
