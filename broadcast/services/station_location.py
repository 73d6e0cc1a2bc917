"""A station's location (point, area polygon, administrative codes): validated before anything is stored.

The location is what CAP warning areas are matched against (``broadcast/alerts/area.py``). Importing many
stations' locations from a file is in ``services/location_import.py``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from broadcast.alerts.area import normalise_admin_code
from broadcast.errors import InvalidInput
from broadcast.models import Station

MAX_AREA_POINTS = 20_000  # a commune outline from a registry map has hundreds; this bounds a stray upload


@dataclass(frozen=True)
class Location:
    """A station's location as given: every field optional; ``area`` is a GeoJSON geometry (dict or text)."""

    lat: float | None = None
    lon: float | None = None
    area: dict[str, Any] | str | None = None
    province_code: str = ""
    district_code: str = ""
    commune_code: str = ""


def is_number(value: Any) -> bool:
    """A JSON number (true/false are not coordinates)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_point(lat: float | None, lon: float | None) -> None:
    """Both or neither; WGS 84 degrees in range."""
    if (lat is None) != (lon is None):
        raise InvalidInput("give both latitude and longitude, or neither")
    if lat is None or lon is None:
        return
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InvalidInput(f"latitude {lat} is outside −90…90")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InvalidInput(f"longitude {lon} is outside −180…180")


def _positions(coordinates: Any) -> list[Any]:
    """Every position of a Polygon/MultiPolygon coordinate array (nested lists), shape not yet checked."""
    if isinstance(coordinates, list) and coordinates and all(is_number(c) for c in coordinates):
        return [coordinates]
    if isinstance(coordinates, list):
        return [p for c in coordinates for p in _positions(c)]
    raise InvalidInput("area: 'coordinates' must be nested arrays of [longitude, latitude] numbers")


def area_geojson_text(area: dict[str, Any] | str) -> str:
    """A GeoJSON Polygon/MultiPolygon (lon, lat; WGS 84) checked with shapely → compact JSON text to store.

    Refused with a message: not JSON, another geometry type, positions out of range, rings that cross
    themselves or do not close (shapely's ``is_valid``), an empty area.
    """
    from shapely.errors import GEOSException
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if isinstance(area, str):
        try:
            area = json.loads(area)
        except ValueError as exc:
            raise InvalidInput(f"area is not valid JSON: {exc}") from None
    if not isinstance(area, dict):
        raise InvalidInput("area must be a GeoJSON geometry object")
    if area.get("type") == "Feature":
        area = area.get("geometry") or {}
    if area.get("type") not in ("Polygon", "MultiPolygon"):
        raise InvalidInput(f"area must be a GeoJSON Polygon or MultiPolygon, not {area.get('type')!r}")
    positions = _positions(area.get("coordinates"))
    if len(positions) > MAX_AREA_POINTS:
        raise InvalidInput(f"area has {len(positions)} points; at most {MAX_AREA_POINTS}")
    for position in positions:
        if len(position) < 2 or not all(is_number(v) and math.isfinite(v) for v in position):
            raise InvalidInput(f"area: position {position!r} is not [longitude, latitude]")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise InvalidInput(f"area: position [{lon}, {lat}] is outside the world (GeoJSON is [longitude, "
                               "latitude])")
    polygons = [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
    for rings in polygons:
        if not isinstance(rings, list) or not rings:
            raise InvalidInput(f"area: a {area['type']} needs at least one ring of positions")
        for ring in rings:
            if not isinstance(ring, list) or len(ring) < 4 or ring[0] != ring[-1]:
                raise InvalidInput(f"area is not a valid {area['type']}: each ring needs at least 4 positions, "
                                   "the last equal to the first (a closed ring)")
    try:
        geometry = shape({"type": area["type"], "coordinates": area["coordinates"]})
    except (GEOSException, ValueError, TypeError, IndexError) as exc:
        raise InvalidInput(f"area is not a valid {area['type']}: {exc}") from None
    if not geometry.is_valid:
        raise InvalidInput(f"area is not a valid {area['type']}: {explain_validity(geometry)}")
    if geometry.is_empty or geometry.area < 1e-10:  # square degrees, about 1 m²
        raise InvalidInput("area encloses no surface")
    return json.dumps({"type": area["type"], "coordinates": area["coordinates"]}, separators=(",", ":"))


def admin_codes(province: str, district: str, commune: str) -> tuple[str, str, str]:
    """The three registry codes, normalised (zero-padded) or refused with a message."""
    try:
        return (normalise_admin_code(province or "", "province"), normalise_admin_code(district or "", "district"),
                normalise_admin_code(commune or "", "commune"))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


@dataclass(frozen=True)
class CheckedLocation:
    lat: float | None
    lon: float | None
    area_geojson: str | None
    province_code: str
    district_code: str
    commune_code: str


def check_location(location: Location) -> CheckedLocation:
    """Validate every field; nothing is stored here."""
    check_point(location.lat, location.lon)
    area = area_geojson_text(location.area) if location.area not in (None, "") else None
    province, district, commune = admin_codes(location.province_code, location.district_code,
                                              location.commune_code)
    return CheckedLocation(location.lat, location.lon, area, province, district, commune)


def apply_location(session: Session, station: Station, checked: CheckedLocation) -> Station:
    """Replace the station's whole location with an already checked one."""
    station.lat, station.lon, station.area_geojson = checked.lat, checked.lon, checked.area_geojson
    station.province_code, station.district_code = checked.province_code, checked.district_code
    station.commune_code = checked.commune_code
    session.add(station)
    session.flush()
    return station


def set_location(session: Session, station: Station, location: Location) -> Station:
    """Check, then replace the station's location (a field left empty clears it)."""
    return apply_location(session, station, check_location(location))


def location_dict(station: Station) -> dict[str, Any]:
    """The station's location as plain data (area as a GeoJSON dict), for replies and forms."""
    return {"lat": station.lat, "lon": station.lon,
            "area": json.loads(station.area_geojson) if station.area_geojson else None,
            "province_code": station.province_code, "district_code": station.district_code,
            "commune_code": station.commune_code}


def location_summary(station: Station) -> str:
    """A short, language-neutral line for the audit log: "21.885, 106.735 · GeoJSON · 20/178/06202"."""
    parts = []
    if station.lat is not None and station.lon is not None:
        parts.append(f"{station.lat}, {station.lon}")
    if station.area_geojson:
        parts.append("GeoJSON")
    codes = [c for c in (station.province_code, station.district_code, station.commune_code) if c]
    if codes:
        parts.append("/".join(codes))
    return " · ".join(parts) or "—"
