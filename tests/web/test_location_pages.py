"""The station location pages: admins edit one station's location or import a file; Vietnamese errors."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from broadcast.models import AuditLog, Station
from broadcast.services.demo import DEMO_LOCATIONS
from tests.conftest import World

AREA = json.dumps(DEMO_LOCATIONS["xa-hoang-dong"]["area"])


def _station(runtime, code: str) -> Station:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return session.exec(select(Station).where(Station.code == code)).one()


@pytest.mark.parametrize("role", ["editor", "approver"])
def test_location_pages_are_for_admins(web_client, world: World, role: str) -> None:  # type: ignore[no-untyped-def]
    person, csrf = web_client(getattr(world, role))
    assert person.get("/admin/stations/xa-a/location").status_code == 403
    assert person.get("/admin/stations/locations/import").status_code == 403
    refused = person.post("/admin/stations/xa-a/location", data={"csrf_token": csrf, "lat": "21", "lon": "106"})
    assert refused.status_code == 403
    upload = person.post("/admin/stations/locations/import", data={"csrf_token": csrf},
                         files={"file": ("l.csv", b"code,lat,lon\nxa-a,21,106\n", "text/csv")})
    assert upload.status_code == 403


def test_an_admin_edits_a_location_and_mistakes_come_back_in_vietnamese(web_client, world: World,  # type: ignore[no-untyped-def]
                                                                       runtime) -> None:
    admin, csrf = web_client(world.admin)
    stations_page = admin.get("/admin/stations").text
    assert 'href="/admin/stations/xa-a/location"' in stations_page and "chưa có tọa độ" in stations_page
    form = admin.get("/admin/stations/xa-a/location")
    assert form.status_code == 200 and "Ranh giới xã" in form.text
    saved = admin.post("/admin/stations/xa-a/location", data={
        "csrf_token": csrf, "lat": "21,885", "lon": "106.735", "area": AREA, "province_code": "20",
        "district_code": "178", "commune_code": "6202"})
    assert saved.status_code == 200 and "Đã lưu thay đổi." in saved.text
    assert "21.885, 106.735" in saved.text and "mã 20/178/06202" in saved.text
    station = _station(runtime, "xa-a")
    assert (station.lat, station.commune_code, json.loads(station.area_geojson or "")) == (
        21.885, "06202", DEMO_LOCATIONS["xa-hoang-dong"]["area"])
    bowtie = '{"type":"Polygon","coordinates":[[[106,21],[106.1,21.1],[106.1,21],[106,21.1],[106,21]]]}'
    for data, message in (({"lat": "95", "lon": "106"}, "Vĩ độ 95.0 nằm ngoài khoảng"),
                          ({"lat": "21"}, "Hãy nhập cả vĩ độ và kinh độ"),
                          ({"lat": "hai mốt", "lon": "106"}, "Tọa độ “hai mốt” không phải là số."),
                          ({"area": bowtie}, "các cạnh tự cắt nhau tại điểm"),
                          ({"area": "{không phải json"}, "Ranh giới không phải GeoJSON hợp lệ"),
                          ({"commune_code": "xã 12"}, "Mã xã “xã 12” phải gồm tối đa 5 chữ số.")):
        reply = admin.post("/admin/stations/xa-a/location", data={"csrf_token": csrf, **data})
        assert reply.status_code == 422, data
        assert message in reply.text, (data, re.findall(r'id="location-error">(.*?)</div>', reply.text, re.S))
        typed = next(iter(data.values()))
        assert typed.replace('"', "&#34;") in reply.text  # what was typed stays in the form
    assert _station(runtime, "xa-a").lat == 21.885  # nothing changed by the refused forms
    with Session(runtime.engine) as session:
        assert len(session.exec(select(AuditLog).where(AuditLog.action == "station.location")).all()) == 1
    assert "Sửa vị trí đài" in admin.get("/admin/audit").text


def test_an_admin_imports_a_file_all_or_nothing(web_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    admin, csrf = web_client(world.admin)
    assert "Nhập vị trí các đài từ tệp" in admin.get("/admin/stations/locations/import").text
    bad = ("code,lat,lon,commune_code\nxa-a,21.885,106.735,06202\nxa-khong-co,21.9,106.6,06277\n"
           "xa-b,121.9,106.6,06277\n")
    reply = admin.post("/admin/stations/locations/import", data={"csrf_token": csrf},
                       files={"file": ("vi-tri.csv", bad.encode(), "text/csv")})
    assert reply.status_code == 422
    assert "Có 2 dòng sai trong tệp; chưa nhập dòng nào." in reply.text
    assert "Dòng 3 (đài xa-khong-co): Không có đài xa-khong-co." in reply.text
    assert "Dòng 4 (đài xa-b): Vĩ độ 121.9 nằm ngoài khoảng −90…90." in reply.text
    assert _station(runtime, "xa-a").lat is None
    empty = admin.post("/admin/stations/locations/import", data={"csrf_token": csrf})
    assert empty.status_code == 422 and "Hãy chọn tệp." in empty.text
    good = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "xa-a", "commune_code": "06202"},
         "geometry": {"type": "Point", "coordinates": [106.735, 21.885]}}]}
    reply = admin.post("/admin/stations/locations/import", data={"csrf_token": csrf},
                       files={"file": ("vi-tri.geojson", json.dumps(good).encode(), "application/geo+json")})
    assert reply.status_code == 200 and "Đã nhập vị trí các đài từ tệp." in reply.text
    assert (_station(runtime, "xa-a").lat, _station(runtime, "xa-a").commune_code) == (21.885, "06202")
