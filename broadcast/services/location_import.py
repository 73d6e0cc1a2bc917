"""Import many stations' locations from one file (GeoJSON FeatureCollection or CSV), all or nothing.

Every row is checked first; if any is wrong, nothing is stored and the error lists every bad row (its row
number, the station code and why), so an admin fixes the file once. A row updates only what it gives:
a CSV's columns present in its header, a GeoJSON feature's geometry (Point → the point, Polygon /
MultiPolygon → the area) and its code properties. Other location fields of the station stay as they were.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from broadcast.errors import InvalidInput
from broadcast.models import Station
from broadcast.services.station_location import (
    CheckedLocation,
    Location,
    apply_location,
    check_location,
    is_number,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
CODE_FIELDS = ("province_code", "district_code", "commune_code")
CSV_FIELDS = ("code", "lat", "lon", *CODE_FIELDS)


@dataclass(frozen=True)
class RowError:
    row: int  # CSV: the line number (the header is line 1); GeoJSON: the feature's number, from 1
    code: str
    message: str


@dataclass
class _Row:
    row: int
    code: str
    given: dict[str, Any] = field(default_factory=dict)  # location fields this row sets (lat/lon, area, codes)


def _number(value: str, name: str) -> float | None:
    value = value.strip().replace(",", ".") if value else ""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidInput(f"{name} {value!r} is not a number")
    return number


def _csv_rows(text: str, errors: list[RowError]) -> list[_Row]:
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if "code" not in header:
        raise InvalidInput(f"the CSV needs a header row with a 'code' column (columns: {', '.join(CSV_FIELDS)})")
    unknown = [h for h in header if h not in CSV_FIELDS]
    if unknown:
        raise InvalidInput(f"unknown CSV column(s) {', '.join(unknown)}; known: {', '.join(CSV_FIELDS)}")
    if ("lat" in header) != ("lon" in header):
        raise InvalidInput("the CSV needs both 'lat' and 'lon' columns, or neither")
    rows = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(RowError(line, "", f"{len(cells)} cells, the header has {len(header)}"))
            continue
        values = dict(zip(header, cells, strict=True))
        row = _Row(line, values["code"].strip().lower())
        try:
            if "lat" in header:
                row.given["lat"], row.given["lon"] = _number(values["lat"], "lat"), _number(values["lon"], "lon")
        except InvalidInput as exc:
            errors.append(RowError(line, row.code, exc.message))
            continue
        row.given.update({name: values[name].strip() for name in CODE_FIELDS if name in header})
        rows.append(row)
    return rows


def _geojson_rows(data: Any, errors: list[RowError]) -> list[_Row]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise InvalidInput("a GeoJSON file must be a FeatureCollection with a 'features' list")
    rows = []
    for number, feature in enumerate(data["features"], 1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            errors.append(RowError(number, "", "a feature needs 'properties' with the station 'code'"))
            continue
        row = _Row(number, str(properties.get("code") or "").strip().lower())
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if geometry is None:
            pass
        elif kind == "Point":
            position = geometry.get("coordinates")
            if not (isinstance(position, list) and len(position) >= 2
                    and all(is_number(v) for v in position[:2])):
                errors.append(RowError(number, row.code, "a Point needs coordinates [longitude, latitude]"))
                continue
            row.given["lon"], row.given["lat"] = float(position[0]), float(position[1])
        elif kind in ("Polygon", "MultiPolygon"):
            row.given["area"] = geometry
        else:
            errors.append(RowError(number, row.code, f"geometry must be a Point, Polygon or MultiPolygon, not "
                                                     f"{kind!r}"))
            continue
        row.given.update({name: str(properties[name] if properties[name] is not None else "")
                          for name in CODE_FIELDS if name in properties})
        rows.append(row)
    return rows


def parse_file(data: bytes, filename: str = "") -> tuple[list[_Row], list[RowError]]:
    """The file's rows and the rows already refused; a file that is neither format is refused whole."""
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text (save the CSV or GeoJSON as UTF-8)") from None
    errors: list[RowError] = []
    if filename.lower().endswith((".geojson", ".json")) or text.lstrip().startswith("{"):
        try:
            data_json = json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"the file is not valid JSON: {exc}") from None
        return _geojson_rows(data_json, errors), errors
    if not text.strip():
        raise InvalidInput("the file is empty")
    return _csv_rows(text, errors), errors


def _merged(station: Station, given: dict[str, Any]) -> Location:
    """The station's current location with what the row gives put over it."""
    current: dict[str, Any] = {"lat": station.lat, "lon": station.lon, "area": station.area_geojson,
                               "province_code": station.province_code, "district_code": station.district_code,
                               "commune_code": station.commune_code}
    return Location(**{**current, **given})


def import_locations(session: Session, data: bytes, filename: str = "") -> list[Station]:
    """Check every row, then (only if all are right) update the stations; returns them in file order.

    Raises InvalidInput whose ``errors`` lists every bad row (``RowError`` as dicts); nothing is stored then.
    """
    rows, errors = parse_file(data, filename)
    by_code = {s.code: s for s in session.exec(select(Station)).all()}
    merged: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    for row in rows:
        if not row.code:
            errors.append(RowError(row.row, "", "no station code"))
            continue
        if row.code not in by_code:
            errors.append(RowError(row.row, row.code, f"unknown station {row.code!r}"))
            continue
        given = merged.setdefault(row.code, {})
        repeated = [k for k in row.given if k in given and k not in CODE_FIELDS and given[k] != row.given[k]]
        if repeated:
            errors.append(RowError(row.row, row.code, f"the station's {'point' if 'lat' in repeated else 'area'} "
                                                      f"is already given in row {first_row[row.code]}"))
            continue
        first_row.setdefault(row.code, row.row)
        given.update(row.given)
        try:
            check_location(_merged(by_code[row.code], row.given))
        except InvalidInput as exc:
            errors.append(RowError(row.row, row.code, exc.message))
    if not rows and not errors:
        raise InvalidInput("the file has no rows")
    checked: dict[str, CheckedLocation] = {}
    if not errors:
        for code, given in merged.items():
            try:
                checked[code] = check_location(_merged(by_code[code], given))
            except InvalidInput as exc:
                errors.append(RowError(first_row[code], code, exc.message))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise InvalidInput(f"{len(errors)} row(s) of the file are wrong; nothing was imported",
                           errors=[{"row": e.row, "code": e.code, "message": e.message} for e in errors])
    return [apply_location(session, by_code[code], location) for code, location in checked.items()]
