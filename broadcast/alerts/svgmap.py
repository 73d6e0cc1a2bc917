"""A small map of a warning's area and the stations, as plain SVG shapes (no tiles, no script, no external
files: the pages' Content-Security-Policy allows neither, and a commune office may be offline).

Coordinates are projected equirectangularly around the middle latitude (x ∝ lon·cos φ₀, y ∝ −lat), which
is true to shape at a province's scale.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from broadcast.alerts.area import CapArea
from broadcast.models import Station

WIDTH = 480
MARGIN = 24
KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class Shape:
    kind: str  # "polygon" | "circle" | "point"
    points: str = ""  # polygon: "x,y x,y …"
    cx: float = 0.0
    cy: float = 0.0
    r: float = 0.0
    role: str = ""  # "warning" | "matched" | "other"
    label: str = ""


@dataclass
class SvgMap:
    width: int
    height: int
    shapes: list[Shape] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.shapes


def _station_rings(station: Station) -> list[list[tuple[float, float]]]:
    """The station's area polygon rings as (lat, lon)."""
    if not station.area_geojson:
        return []
    geometry = json.loads(station.area_geojson)
    polygons = [geometry["coordinates"]] if geometry.get("type") == "Polygon" else geometry.get("coordinates", [])
    return [[(lat, lon) for lon, lat in polygon[0]] for polygon in polygons if polygon]


def build(areas: Sequence[CapArea], stations: Iterable[tuple[Station, bool]]) -> SvgMap:
    """The warned polygons and circles, every located station's outline and point (matched ones marked)."""
    stations = list(stations)
    points: list[tuple[float, float]] = []
    for area in areas:
        for ring in area.polygons:
            points.extend(ring)
        for lat, lon, radius in area.circles:
            d = radius / KM_PER_DEGREE
            points += [(lat - d, lon - d / max(math.cos(math.radians(lat)), 0.01)),
                       (lat + d, lon + d / max(math.cos(math.radians(lat)), 0.01))]
    for station, _ in stations:
        for ring in _station_rings(station):
            points.extend(ring)
        if station.lat is not None and station.lon is not None:
            points.append((station.lat, station.lon))
    if not points:
        return SvgMap(WIDTH, 0)
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    cos0 = max(math.cos(math.radians((min(lats) + max(lats)) / 2)), 0.01)
    span_x = max((max(lons) - min(lons)) * cos0, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = (WIDTH - 2 * MARGIN) / max(span_x, span_y)
    height = round(span_y * scale + 2 * MARGIN)
    x0, y0 = min(lons), max(lats)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return round(MARGIN + (lon - x0) * cos0 * scale, 1), round(MARGIN + (y0 - lat) * scale, 1)

    def ring_points(ring: Iterable[tuple[float, float]]) -> str:
        return " ".join("{},{}".format(*xy(lat, lon)) for lat, lon in ring)

    shapes: list[Shape] = []
    for station, hit in stations:
        for ring in _station_rings(station):
            shapes.append(Shape("polygon", ring_points(ring), role="matched" if hit else "other"))
    for area in areas:
        for ring in area.polygons:
            shapes.append(Shape("polygon", ring_points(ring), role="warning", label=area.area_desc))
        for lat, lon, radius in area.circles:
            cx, cy = xy(lat, lon)
            shapes.append(Shape("circle", cx=cx, cy=cy, r=round(radius / KM_PER_DEGREE * scale, 1), role="warning",
                                label=area.area_desc))
    for station, hit in stations:
        if station.lat is not None and station.lon is not None:
            cx, cy = xy(station.lat, station.lon)
            shapes.append(Shape("point", cx=cx, cy=cy, r=5, role="matched" if hit else "other", label=station.name))
    return SvgMap(WIDTH, height, shapes)
