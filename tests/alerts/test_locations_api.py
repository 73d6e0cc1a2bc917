"""Editing and importing station locations: admins only, checked before storing, imports all or nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from broadcast.db import session_scope
from broadcast.models import AuditLog, Station
from broadcast.services.demo import DEMO_LOCATIONS
from tests.conftest import World, login

AREA = DEMO_LOCATIONS["xa-hoang-dong"]["area"]


def _location(client: TestClient, headers: dict[str, str], code: str) -> dict:  # type: ignore[type-arg]
    reply = client.get(f"/api/v1/stations/{code}/location", headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_an_admin_sets_and_clears_a_location(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    admin = login(app_client, world.admin)
    body = {"lat": 21.885, "lon": 106.735, "area": AREA, "province_code": "20", "district_code": "178",
            "commune_code": "6202"}
    reply = app_client.put("/api/v1/stations/xa-a/location", json=body, headers=admin)
    assert reply.status_code == 200, reply.text
    assert reply.json() == {**body, "commune_code": "06202", "station": "xa-a"}
    assert _location(app_client, login(app_client, world.editor), "xa-a")["area"] == AREA
    with session_scope(runtime.engine) as session:
        station = session.exec(select(Station).where(Station.code == "xa-a")).one()
        assert (station.lat, station.lon, station.commune_code) == (21.885, 106.735, "06202")
        assert len(session.exec(select(AuditLog).where(AuditLog.action == "station.location")).all()) == 1
    cleared = app_client.put("/api/v1/stations/xa-a/location", json={}, headers=admin)
    assert cleared.json() == {"station": "xa-a", "lat": None, "lon": None, "area": None, "province_code": "",
                              "district_code": "", "commune_code": ""}


@pytest.mark.parametrize("role", ["editor", "approver"])
def test_only_admins_edit_or_import_locations(app_client: TestClient, world: World, role: str) -> None:
    headers = login(app_client, getattr(world, role))
    reply = app_client.put("/api/v1/stations/xa-a/location", json={"lat": 21.0, "lon": 106.0}, headers=headers)
    assert reply.status_code == 403, reply.text
    upload = app_client.post("/api/v1/stations/locations/import", headers=headers,
                             files={"file": ("l.csv", b"code,lat,lon\nxa-a,21,106\n", "text/csv")})
    assert upload.status_code == 403, upload.text
    admin = login(app_client, world.admin)
    assert _location(app_client, admin, "xa-a")["lat"] is None


@pytest.mark.parametrize(("body", "message"), [
    ({"lat": 95, "lon": 106}, "latitude 95.0 is outside"),
    ({"lat": 21}, "give both latitude and longitude"),
    ({"area": {"type": "Point", "coordinates": [106, 21]}}, "must be a GeoJSON Polygon or MultiPolygon, not 'Point'"),
    ({"area": {"type": "Polygon", "coordinates": [[[106.0, 21.0], [106.1, 21.1], [106.1, 21.0], [106.0, 21.1],
                                                   [106.0, 21.0]]]}}, "Self-intersection"),
    ({"area": {"type": "Polygon", "coordinates": [[[106.0, 21.0], [106.1, 21.0], [106.1, 21.1]]]}},
     "not a valid Polygon"),
    ({"area": {"type": "Polygon", "coordinates": [[[21.0, 106.0], [21.1, 106.0], [21.1, 106.1], [21.0, 106.0]]]}},
     "outside the world"),
    ({"area": {"type": "Polygon", "coordinates": "nonsense"}}, "nested arrays"),
    ({"province_code": "Lạng Sơn"}, "province code 'Lạng Sơn' must be at most 2 digits"),
])
def test_invalid_locations_get_a_422_and_change_nothing(app_client: TestClient, world: World, body: dict,  # type: ignore[type-arg]
                                                        message: str) -> None:
    admin = login(app_client, world.admin)
    reply = app_client.put("/api/v1/stations/xa-a/location", json=body, headers=admin)
    assert reply.status_code == 422, reply.text
    assert message in reply.json()["detail"], reply.text
    assert _location(app_client, admin, "xa-a")["lat"] is None
    assert _location(app_client, admin, "xa-a")["area"] is None


def _geojson(*features: dict) -> bytes:  # type: ignore[type-arg]
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def _feature(code: str, geometry: dict | None, **codes: str) -> dict:  # type: ignore[type-arg]
    return {"type": "Feature", "properties": {"code": code, **codes}, "geometry": geometry}


def test_a_geojson_import_sets_points_areas_and_codes(app_client: TestClient, world: World) -> None:
    admin = login(app_client, world.admin)
    data = _geojson(_feature("xa-a", AREA, province_code="20", district_code="178", commune_code="06202"),
                    _feature("xa-a", {"type": "Point", "coordinates": [106.735, 21.885]}),
                    _feature("xa-b", DEMO_LOCATIONS["xa-tan-thanh"]["area"], commune_code="06277"))
    reply = app_client.post("/api/v1/stations/locations/import", headers=admin,
                            files={"file": ("communes.geojson", data, "application/geo+json")})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"updated": ["xa-a", "xa-b"]}
    a = _location(app_client, admin, "xa-a")
    assert (a["lat"], a["lon"], a["area"], a["district_code"]) == (21.885, 106.735, AREA, "178")
    b = _location(app_client, admin, "xa-b")
    assert (b["lat"], b["commune_code"], b["province_code"]) == (None, "06277", "")
    # A CSV then sets xa-b's point and codes, keeping its area.
    csv_data = "code;lat;lon;province_code;district_code;commune_code\nxa-b;21,95;106,62;20;182;06277\n"
    reply = app_client.post("/api/v1/stations/locations/import", headers=admin,
                            files={"file": ("points.csv", csv_data.encode(), "text/csv")})
    assert reply.status_code == 200, reply.text
    b = _location(app_client, admin, "xa-b")
    assert (b["lat"], b["lon"], b["district_code"]) == (21.95, 106.62, "182")
    assert b["area"] == DEMO_LOCATIONS["xa-tan-thanh"]["area"]


def test_an_import_with_bad_rows_imports_nothing_and_lists_every_bad_row(app_client: TestClient,
                                                                          world: World) -> None:
    admin = login(app_client, world.admin)
    csv_data = ("code,lat,lon,province_code,district_code,commune_code\n"
                "xa-a,21.885,106.735,20,178,06202\n"       # fine
                "xa-khong-co,21.9,106.6,20,182,06277\n"    # unknown station
                "xa-b,121.9,106.6,20,182,06277\n"          # latitude out of range
                "xa-c,21.8,abc,20,188,06436\n"             # not a number
                "xa-c,21.8,106.9,20,1888,06436\n")         # district code too long
    reply = app_client.post("/api/v1/stations/locations/import", headers=admin,
                            files={"file": ("l.csv", csv_data.encode(), "text/csv")})
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["detail"] == "4 row(s) of the file are wrong; nothing was imported"
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(3, "xa-khong-co"), (4, "xa-b"), (5, "xa-c"),
                                                               (6, "xa-c")]
    assert "unknown station 'xa-khong-co'" in body["errors"][0]["message"]
    assert "latitude 121.9 is outside" in body["errors"][1]["message"]
    assert "lon 'abc' is not a number" in body["errors"][2]["message"]
    assert "district code '1888' must be at most 3 digits" in body["errors"][3]["message"]
    assert _location(app_client, admin, "xa-a")["lat"] is None  # the good row was not stored either
    bad_geometry = _geojson(_feature("xa-a", {"type": "Point", "coordinates": [106.7, 21.8]}),
                            _feature("xa-b", {"type": "LineString", "coordinates": [[106, 21], [107, 22]]}),
                            _feature("xa-c", {"type": "Polygon", "coordinates": [[[106, 21], [107, 22], [107, 21],
                                                                                  [106, 22], [106, 21]]]}))
    reply = app_client.post("/api/v1/stations/locations/import", headers=admin,
                            files={"file": ("l.geojson", bad_geometry, "application/json")})
    assert reply.status_code == 422, reply.text
    messages = [e["message"] for e in reply.json()["errors"]]
    assert "not 'LineString'" in messages[0] and "Self-intersection" in messages[1], messages
    assert _location(app_client, admin, "xa-a")["lat"] is None


@pytest.mark.parametrize(("name", "data", "message"), [
    ("l.csv", b"station,lat\nxa-a,21\n", "needs a header row with a 'code' column"),
    ("l.csv", b"code,lat,height\nxa-a,21,3\n", "unknown CSV column(s) height"),
    ("l.csv", b"", "the file is empty"),
    ("l.csv", "code\nxã".encode("utf-16"), "not UTF-8"),
    ("l.geojson", b"{not json", "not valid JSON"),
    ("l.geojson", b'{"type": "Feature"}', "must be a FeatureCollection"),
    ("l.csv", b"code,lat,lon\n", "the file has no rows"),
])
def test_a_file_that_is_not_a_location_list_is_refused_whole(app_client: TestClient, world: World, name: str,
                                                              data: bytes, message: str) -> None:
    reply = app_client.post("/api/v1/stations/locations/import", headers=login(app_client, world.admin),
                            files={"file": (name, data, "text/plain")})
    assert reply.status_code == 422, reply.text
    assert message in reply.json()["detail"]


def _cli(*args: str, settings) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "BROADCAST_DATA_DIR": str(settings.data_dir), "BROADCAST_DATABASE_URL": settings.db_url,
           "BROADCAST_DEMO": "false", "BROADCAST_SCHEDULER": "false"}
    return subprocess.run([sys.executable, "-m", "broadcast.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_the_command_line_imports_all_or_nothing(app_client: TestClient, world: World, settings,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,lat,lon,commune_code\nxa-a,21.885,106.735,06202\nxa-z,21,106,1\n", encoding="utf-8")
    result = _cli("stations", "import-locations", str(bad), settings=settings)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "row 3 (xa-z): unknown station 'xa-z'" in result.stderr
    assert "1 row(s) of the file are wrong; nothing was imported" in result.stderr
    admin = login(app_client, world.admin)
    assert _location(app_client, admin, "xa-a")["commune_code"] == ""
    good = tmp_path / "good.geojson"
    good.write_bytes(_geojson(_feature("xa-a", AREA, commune_code="06202")))
    result = _cli("stations", "import-locations", str(good), settings=settings)
    assert result.returncode == 0, result.stderr
    assert "updated the location of 1 station(s): xa-a" in result.stdout
    assert _location(app_client, admin, "xa-a")["area"] == AREA
    missing = _cli("stations", "import-locations", str(tmp_path / "none.csv"), settings=settings)
    assert missing.returncode == 1 and "cannot read" in missing.stderr
