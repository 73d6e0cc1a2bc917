"""The demo province a new installation starts with, so a first-time user sees something at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from broadcast.models import (
    Bulletin,
    BulletinStation,
    BulletinStatus,
    PlacementMode,
    Role,
    Station,
    User,
    utcnow,
)
from broadcast.schedule.service import apply_template
from broadcast.schedule.templates import load_templates
from broadcast.services import audit, passwords
from broadcast.services.accounts import create_user
from broadcast.services.placements import place
from broadcast.services.receivers import create_receiver
from broadcast.services.station_location import Location, set_location
from broadcast.services.stations import create_station
from broadcast.services.versions import seeded_approved_version

DEMO_COMMUNES = [
    ("xa-hoang-dong", "Đài truyền thanh xã Hoàng Đồng", "Thành phố Lạng Sơn"),
    ("xa-tan-thanh", "Đài truyền thanh xã Tân Thanh", "Huyện Văn Lãng"),
    ("xa-mau-son", "Đài truyền thanh xã Mẫu Sơn", "Huyện Lộc Bình"),
]
# Where the demo communes are (approximate, for trying CAP area matching): a point, a small area polygon
# (GeoJSON, lon/lat) and registry-style codes (Lạng Sơn "20"; districts 178 TP Lạng Sơn, 182 Văn Lãng,
# 188 Lộc Bình; illustrative commune codes). A flood polygon over the Kỳ Cùng valley west of longitude
# 106.80 covers Hoàng Đồng and Tân Thanh but not Mẫu Sơn (tests/alerts/geo_fixtures.py).
DEMO_LOCATIONS: dict[str, dict[str, object]] = {
    "xa-hoang-dong": {
        "lat": 21.885, "lon": 106.735, "province_code": "20", "district_code": "178", "commune_code": "06202",
        "area": {"type": "Polygon", "coordinates": [[[106.70, 21.86], [106.77, 21.86], [106.78, 21.89],
                                                     [106.76, 21.91], [106.71, 21.91], [106.70, 21.86]]]},
    },
    "xa-tan-thanh": {
        "lat": 21.950, "lon": 106.620, "province_code": "20", "district_code": "182", "commune_code": "06277",
        "area": {"type": "Polygon", "coordinates": [[[106.58, 21.92], [106.66, 21.92], [106.67, 21.95],
                                                     [106.65, 21.98], [106.59, 21.98], [106.58, 21.92]]]},
    },
    "xa-mau-son": {
        "lat": 21.855, "lon": 106.945, "province_code": "20", "district_code": "188", "commune_code": "06436",
        "area": {"type": "Polygon", "coordinates": [[[106.90, 21.82], [106.99, 21.82], [106.99, 21.89],
                                                     [106.95, 21.90], [106.90, 21.88], [106.90, 21.82]]]},
    },
}
DEMO_TEXT = (
    "Kính thưa bà con nhân dân!\n"
    "Thực hiện Kế hoạch số 45/KH-UBND của UBND xã về chuyển đổi số năm 2025, từ ngày 15/3 đến hết 30/4, "
    "Tổ công nghệ số cộng đồng sẽ hướng dẫn bà con cài đặt ứng dụng VNeID và thanh toán không dùng tiền mặt.\n"
    "Đề nghị bà con mang theo CCCD và điện thoại có kết nối 4G đến nhà văn hóa thôn lúc 7h30 sáng thứ 7 hằng tuần."
)

@dataclass
class DemoSeed:
    admin_username: str
    admin_password: str
    receiver_tokens: dict[str, str] = field(default_factory=dict)

def is_empty(session: Session) -> bool:
    return session.exec(select(User)).first() is None and session.exec(select(Station)).first() is None

def seed(session: Session, templates_dir, with_demo: bool = True) -> DemoSeed:  # type: ignore[no-untyped-def]
    """Create the admin account, and (``with_demo``) three communes with receivers, slots and a bulletin."""
    password = passwords.generate("admin")
    admin = create_user(session, "admin", password, Role.admin, full_name="Quản trị hệ thống")
    result = DemoSeed("admin", password)
    if not with_demo:
        return result
    template = load_templates(templates_dir)["daily"]
    stations = []
    for code, name, district in DEMO_COMMUNES:
        station = create_station(session, code, name, province="Lạng Sơn", district=district)
        set_location(session, station, Location(**DEMO_LOCATIONS[code]))  # type: ignore[arg-type]
        apply_template(session, station, template)
        _, token = create_receiver(session, station, f"Cụm loa trung tâm {name.rsplit(' xã ', 1)[-1]}")
        result.receiver_tokens[code] = token
        stations.append(station)
    bulletin = Bulletin(title="Thông báo hướng dẫn chuyển đổi số (bản tin mẫu)", text=DEMO_TEXT,
                        created_by=admin.id, status=BulletinStatus.approved)
    session.add(bulletin)
    session.flush()
    session.add_all(BulletinStation(bulletin_id=bulletin.id, station_id=s.id) for s in stations)
    seeded_approved_version(session, bulletin)
    audit.record(session, None, "demo.seed", "bulletin", bulletin.id, "demo bulletin, approved by the seed")
    today = utcnow().astimezone(ZoneInfo(stations[0].timezone)).date()
    place(session, admin, bulletin, station_codes=[s.code for s in stations], mode=PlacementMode.slot,
          dates=[today, today + timedelta(days=1)])
    return result

DEMO_PLACEMENT_DAYS = timedelta(days=2)
