"""Which stations a CAP ``<area>`` covers: by geocode, by polygon or circle, or (unsure) by name.

A warning must reach exactly the communes in the warned area, so the matcher prefers the most exact
evidence a CAP message gives and says which one it used (``StationMatch.how``):

1. ``geocode`` – the state registry's administrative codes (province "08", district "073", commune
   "02479"); a province or district code covers every station with that code;
2. ``polygon`` – the station's area polygon or point intersects a CAP ``<polygon>``;
3. ``circle`` – the same against a CAP ``<circle>`` (radius in kilometres);
4. ``name`` – only when an area gives no usable geocode and no shape: ``areaDesc`` is compared with the
   station's, district's and province's names. Such matches are guesses and always need an approver's
   confirmation (``needs_confirmation``).

Shapely is imported inside the functions, so importing this module (and ``broadcast --help``) stays cheap.
See docs/alerts.md, "Area matching".
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from broadcast.models import Station

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


@dataclass(frozen=True)
class CapArea:
    """One CAP ``<area>`` as parsed: coordinates as CAP writes them (lat before lon)."""

    area_desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()   # each polygon: (lat, lon) pairs, closed ring
    circles: tuple[tuple[float, float, float], ...] = ()         # (lat, lon, radius_km)
    geocodes: tuple[tuple[str, str], ...] = ()                  # (valueName, value)


@dataclass(frozen=True)
class StationMatch:
    station_id: int
    code: str
    name: str
    how: str   # "geocode" | "polygon" | "circle" | "name" — the strongest reason it matched
    needs_confirmation: bool  # True when matched by areaDesc name only


_STRENGTH = {"geocode": 0, "polygon": 1, "circle": 2, "name": 3}

# --- text and codes ----------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no diacritics (đ → d), words separated by single spaces: for comparing names."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


# The registry's code widths (Danh mục hành chính, Tổng cục Thống kê): province 2, district 3, commune 5 digits.
CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}

# <geocode><valueName> spellings understood, folded (see fold()) with spaces, "_" and "-" removed.
GEOCODE_NAMES = {
    "commune": {"maxa", "xa", "commune", "communecode", "vncommune", "maphuongxa", "maxaphuong", "ward",
                "wardcode", "vnward"},
    "district": {"mahuyen", "huyen", "district", "districtcode", "vndistrict", "maquanhuyen"},
    "province": {"matinh", "tinh", "province", "provincecode", "vnprovince", "matinhthanh", "matinhthanhpho"},
}


def geocode_level(value_name: str) -> str | None:
    """The administrative level a ``<valueName>`` names ("commune", "district", "province"), or None."""
    key = fold(value_name).replace(" ", "")
    return next((level for level, names in GEOCODE_NAMES.items() if key in names), None)


def normalise_admin_code(value: str, level: str) -> str:
    """A registry code as stored: digits, zero-padded to the level's width ("8" → "08"); "" stays "".

    Raises ValueError for anything that is not such a code.
    """
    value = value.strip()
    if not value:
        return ""
    width = CODE_WIDTH[level]
    if not value.isascii() or not value.isdigit() or len(value) > width:
        raise ValueError(f"{level} code {value!r} must be at most {width} digits (e.g. {'0' * (width - 1)}8)")
    return value.zfill(width)


# --- CAP coordinates ---------------------------------------------------------------------------------------


def _lat_lon(pair: str, where: str) -> tuple[float, float]:
    parts = pair.split(",")
    if len(parts) != 2:
        raise ValueError(f"{where}: {pair!r} is not a 'lat,lon' pair")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"{where}: {pair!r} is not a 'lat,lon' pair of numbers") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ValueError(f"{where}: latitude {parts[0]} is outside −90…90")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ValueError(f"{where}: longitude {parts[1]} is outside −180…180")
    return lat, lon


def parse_cap_polygon(text: str) -> tuple[tuple[float, float], ...]:
    """A CAP ``<polygon>`` ("lat,lon lat,lon …", WGS 84) → a validated, closed ring of (lat, lon).

    CAP asks for at least four pairs with the first equal to the last; a ring the sender left open is
    closed here. A ring that crosses itself is kept (matching repairs it, see ``cap_polygon_shape``): a
    warning must not be lost over a drawing slip. Malformed or out-of-range pairs, fewer than three
    different points and a ring enclosing no area are refused (ValueError saying which point and why).
    """

    pairs = text.split()
    if not pairs:
        raise ValueError("polygon is empty")
    points = [_lat_lon(pair, f"polygon point {i}") for i, pair in enumerate(pairs, 1)]
    if points[0] != points[-1]:
        points.append(points[0])
    if len(set(points)) < 3:
        raise ValueError(f"polygon needs at least 3 different points, got {len(set(points))}")
    ring = tuple(points)
    if cap_polygon_shape(ring).area < 1e-10:  # square degrees, about 1 m²: points on a line, rounding left
        raise ValueError("polygon encloses no area (its points lie on a line)")
    return ring


def cap_polygon_shape(ring: Sequence[tuple[float, float]]) -> BaseGeometry:
    """A parsed CAP ring as a shapely geometry in (lon, lat); a self-crossing ring is repaired (``make_valid``:
    a figure-eight becomes its two lobes), so every part the sender drew still counts."""
    from shapely import Polygon, make_valid

    shape = Polygon([(lon, lat) for lat, lon in ring])
    return shape if shape.is_valid else make_valid(shape)


def parse_cap_circle(text: str) -> tuple[float, float, float]:
    """A CAP ``<circle>`` ("lat,lon radius", radius in kilometres) → (lat, lon, radius_km)."""
    parts = text.split()
    if len(parts) != 2:
        raise ValueError(f"circle {text.strip()!r} is not 'lat,lon radius_km'")
    lat, lon = _lat_lon(parts[0], "circle centre")
    try:
        radius = float(parts[1])
    except ValueError:
        raise ValueError(f"circle radius {parts[1]!r} is not a number (kilometres)") from None
    if not math.isfinite(radius) or radius < 0:
        raise ValueError(f"circle radius {parts[1]} must be zero or more kilometres")
    return lat, lon, radius


# --- station shapes ----------------------------------------------------------------------------------------


def station_shapes(station: Station) -> list[BaseGeometry]:
    """The station's point and area polygon as shapely geometries in (lon, lat), whichever are set."""
    from shapely import Point
    from shapely.geometry import shape

    shapes: list[BaseGeometry] = []
    if station.lat is not None and station.lon is not None:
        shapes.append(Point(station.lon, station.lat))
    if station.area_geojson:
        shapes.append(shape(json.loads(station.area_geojson)))
    return shapes


def _local_km(geometry: BaseGeometry, lat0: float, lon0: float) -> BaseGeometry:
    """Project (lon, lat) to kilometres east/north of (lat0, lon0): a local equirectangular projection.

    x = R·Δlon·cos(lat0), y = R·Δlat (radians). Within a few hundred kilometres of the centre, distances
    are right to well under 1 %, enough to decide which communes a warning circle reaches.
    """
    import numpy as np
    import shapely

    scale = math.radians(1) * EARTH_RADIUS_KM

    def project(coords: Any) -> Any:
        dlon = (coords[:, 0] - lon0 + 180.0) % 360.0 - 180.0  # across the antimeridian too
        return np.column_stack((dlon * scale * math.cos(math.radians(lat0)), (coords[:, 1] - lat0) * scale))

    return shapely.transform(geometry, project)


def _in_circle(shapes: Iterable[BaseGeometry], circle: tuple[float, float, float]) -> bool:
    from shapely import Point

    lat, lon, radius = circle
    centre = Point(0.0, 0.0)
    return any(_local_km(s, lat, lon).distance(centre) <= radius + 1e-9 for s in shapes)


# --- names ---------------------------------------------------------------------------------------------------

_STATION_PREFIXES = ("dai truyen thanh co so", "dai truyen thanh", "dai phat thanh", "dai tt", "dai")
_COMMUNE_PREFIXES = ("xa", "phuong", "thi tran", "dac khu")
_DISTRICT_PREFIXES = ("huyen", "quan")
_TOWN_PREFIXES = ("thanh pho", "tp", "thi xa")  # a district-level town or a centrally run city
_PROVINCE_PREFIXES = ("tinh",)


def _strip(name: str, prefixes: Sequence[str]) -> str:
    for prefix in prefixes:
        if name == prefix:
            return ""
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1:]
    return name


def _core(name: str, *groups: Sequence[str]) -> str:
    folded = fold(name)
    for prefixes in groups:
        folded = _strip(folded, prefixes)
    return folded


def _mentions(desc: str, core: str) -> set[str]:
    """How ``core`` is mentioned in the folded description: by the prefix before each whole-word occurrence."""
    if not core:
        return set()
    kinds = set()
    padded = f" {desc} "
    for found in re.finditer(re.escape(f" {core} "), padded):
        before = padded[:found.start()].strip()
        kind = "bare"
        for label, prefixes in (("commune", _COMMUNE_PREFIXES), ("district", _DISTRICT_PREFIXES),
                                ("town", _TOWN_PREFIXES), ("province", _PROVINCE_PREFIXES)):
            if any(before == p or before.endswith(" " + p) for p in prefixes):
                kind = label
                break
        kinds.add(kind)
    return kinds


def _name_matches(desc: str, stations: Sequence[Station]) -> set[int]:
    """Stations named by a free-text ``areaDesc``: the commune's, district's or province's name appears in it.

    A name after "xã/phường/thị trấn" counts only as a commune, after "huyện/quận" only as a district, after
    "tỉnh" only as a province; after "thành phố/thị xã" as a district where a station has a district of that
    name, else as a province (Hà Nội, Hải Phòng…). A bare name counts at any level.
    """
    desc = fold(desc)
    district_cores = {_core(s.district, _DISTRICT_PREFIXES, _TOWN_PREFIXES) for s in stations} - {""}
    found: set[int] = set()
    for station in stations:
        commune = _core(station.name, _STATION_PREFIXES, _COMMUNE_PREFIXES)
        district = _core(station.district, _DISTRICT_PREFIXES, _TOWN_PREFIXES)
        province = _core(station.province, _PROVINCE_PREFIXES, _TOWN_PREFIXES)
        hit = _mentions(desc, commune) & {"commune", "bare"}
        hit |= _mentions(desc, district) & {"district", "town", "bare"}
        province_kinds = _mentions(desc, province)
        hit |= province_kinds & {"province", "bare"}
        if "town" in province_kinds and province not in district_cores:
            hit.add("town")
        if hit and station.id is not None:
            found.add(station.id)
    return found


# --- matching ------------------------------------------------------------------------------------------------


def _geocode_matches(geocodes: Sequence[tuple[str, str]], stations: Sequence[Station]) -> tuple[set[int], bool]:
    """Stations whose administrative code equals a geocode of a known level; and whether any was usable."""
    found: set[int] = set()
    usable = False
    for value_name, value in geocodes:
        level = geocode_level(value_name)
        if level is None:
            continue
        try:
            code = normalise_admin_code(value, level)
        except ValueError:
            continue
        if not code:
            continue
        usable = True
        attribute = f"{level}_code"
        found |= {s.id for s in stations if s.id is not None and getattr(s, attribute) == code}
    return found, usable


def match_stations(session: Session, areas: Sequence[CapArea]) -> list[StationMatch]:
    """The stations the areas cover, each once with its strongest reason, sorted by station name.

    Geocodes and shapes are used whenever an area has them; ``areaDesc`` only for an area with neither
    (those matches need confirmation). Coordinates must already be parsed (``parse_cap_polygon`` /
    ``parse_cap_circle``).
    """
    stations = list(session.exec(select(Station)).all())
    shapes = {s.id: station_shapes(s) for s in stations if s.id is not None}
    best: dict[int, str] = {}

    def note(station_ids: Iterable[int], how: str) -> None:
        for station_id in station_ids:
            if station_id not in best or _STRENGTH[how] < _STRENGTH[best[station_id]]:
                best[station_id] = how

    for area in areas:
        by_code, usable_codes = _geocode_matches(area.geocodes, stations)
        note(by_code, "geocode")
        for ring in area.polygons:
            polygon = cap_polygon_shape(ring)
            note((sid for sid, own in shapes.items() if any(polygon.intersects(g) for g in own)), "polygon")
        for circle in area.circles:
            note((sid for sid, own in shapes.items() if own and _in_circle(own, circle)), "circle")
        if not (usable_codes or area.polygons or area.circles) and area.area_desc.strip():
            note(_name_matches(area.area_desc, stations), "name")

    by_id = {s.id: s for s in stations}
    matches = [StationMatch(station_id=sid, code=by_id[sid].code, name=by_id[sid].name, how=how,
                            needs_confirmation=how == "name") for sid, how in best.items()]
    return sorted(matches, key=lambda m: (fold(m.name), m.name, m.code))
