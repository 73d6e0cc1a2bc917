"""Where the test and demo communes are, for CAP area tests (h16 CAP intake tests use these too).

``place_demo_communes(session, codes)`` gives up to three stations the demo communes' locations, in order:
Hoàng Đồng, Tân Thanh, Mẫu Sơn (``broadcast.services.demo.DEMO_LOCATIONS``). ``FLOOD_POLYGON`` (CAP text,
"lat,lon …") covers the first two and not the third; ``FLOOD_CIRCLE`` likewise.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from broadcast.services.demo import DEMO_LOCATIONS
from broadcast.services.station_location import Location, set_location
from broadcast.services.stations import get_station

DEMO_ORDER = ["xa-hoang-dong", "xa-tan-thanh", "xa-mau-son"]

# The Kỳ Cùng valley west of 106.80° E: covers Hoàng Đồng (106.70–106.78) and Tân Thanh (106.58–106.67),
# not Mẫu Sơn (106.90–106.99).
FLOOD_POLYGON = "21.80,106.55 21.80,106.80 22.02,106.80 22.02,106.55 21.80,106.55"
# 10 km around a point between the two: Hoàng Đồng's and Tân Thanh's points are ~7 km away, Mẫu Sơn's
# area ~23 km (its nearest edge).
FLOOD_CIRCLE = "21.92,106.68 10"


def place_demo_communes(session: Session, codes: Sequence[str]) -> None:
    """Give the stations ``codes`` (at most three) the demo communes' points, polygons and registry codes."""
    for code, demo in zip(codes, DEMO_ORDER, strict=False):
        set_location(session, get_station(session, code), Location(**DEMO_LOCATIONS[demo]))  # type: ignore[arg-type]
