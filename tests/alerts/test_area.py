"""CAP area → stations: geocodes, polygons, circles (kilometres), names (unsure), on both backends."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from broadcast.alerts.area import (
    CapArea,
    fold,
    geocode_level,
    match_stations,
    normalise_admin_code,
    parse_cap_circle,
    parse_cap_polygon,
)
from broadcast.db import make_engine, session_scope
from broadcast.services.station_location import Location, set_location
from broadcast.services.stations import create_station
from tests.alerts.geo_fixtures import FLOOD_CIRCLE, FLOOD_POLYGON, place_demo_communes


@pytest.fixture
def session(db_url: str):  # type: ignore[no-untyped-def]
    """The three demo communes (with their locations) plus one station that has no location at all."""
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        create_station(session, "xa-hoang-dong", "Đài truyền thanh xã Hoàng Đồng", "Lạng Sơn", "Thành phố Lạng Sơn")
        create_station(session, "xa-tan-thanh", "Đài truyền thanh xã Tân Thanh", "Lạng Sơn", "Huyện Văn Lãng")
        create_station(session, "xa-mau-son", "Đài truyền thanh xã Mẫu Sơn", "Lạng Sơn", "Huyện Lộc Bình")
        create_station(session, "xa-khac", "Đài truyền thanh xã Yên Bình", "Hà Nội", "Huyện Quốc Oai")
        place_demo_communes(session, ["xa-hoang-dong", "xa-tan-thanh", "xa-mau-son"])
    with Session(engine) as session:
        yield session
    engine.dispose()


def _codes(matches) -> list[tuple[str, str, bool]]:  # type: ignore[no-untyped-def]
    return [(m.code, m.how, m.needs_confirmation) for m in matches]


def test_a_flood_polygon_covers_two_of_the_three_communes(session: Session) -> None:
    area = CapArea("Vùng trũng ven sông Kỳ Cùng", polygons=(parse_cap_polygon(FLOOD_POLYGON),))
    matches = match_stations(session, [area])
    assert _codes(matches) == [("xa-hoang-dong", "polygon", False), ("xa-tan-thanh", "polygon", False)]
    assert [m.name for m in matches] == ["Đài truyền thanh xã Hoàng Đồng", "Đài truyền thanh xã Tân Thanh"]
    assert all(isinstance(m.station_id, int) for m in matches)


def test_a_polygon_touching_only_a_stations_area_polygon_matches_it(session: Session) -> None:
    # A sliver over Mẫu Sơn's western edge (106.90) that does not contain its point (106.945).
    sliver = parse_cap_polygon("21.83,106.89 21.83,106.91 21.86,106.91 21.86,106.89")
    assert _codes(match_stations(session, [CapArea("", polygons=(sliver,))])) == [("xa-mau-son", "polygon", False)]


def test_a_point_only_station_matches_by_its_point(session: Session) -> None:
    create_station(session, "xa-diem", "Xã Điểm", "Lạng Sơn", "Huyện Cao Lộc")
    from broadcast.services.stations import get_station

    set_location(session, get_station(session, "xa-diem"), Location(lat=21.90, lon=106.79))
    session.flush()
    inside = parse_cap_polygon("21.89,106.785 21.89,106.795 21.91,106.795 21.91,106.785")
    assert _codes(match_stations(session, [CapArea("x", polygons=(inside,))])) == [("xa-diem", "polygon", False)]


def test_a_circle_is_measured_in_kilometres(session: Session) -> None:
    matches = match_stations(session, [CapArea("Lũ quét", circles=(parse_cap_circle(FLOOD_CIRCLE),))])
    assert _codes(matches) == [("xa-hoang-dong", "circle", False), ("xa-tan-thanh", "circle", False)]
    # Tân Thanh's point (21.95, 106.62) and polygon: 0.1° of latitude south of its point is 11.1 km away.
    # Its polygon's nearest edge (lat 21.92, lon 106.62) is 0.07° = 7.8 km from (21.85, 106.62).
    near = match_stations(session, [CapArea("", circles=((21.85, 106.62, 8.0),))])
    far = match_stations(session, [CapArea("", circles=((21.85, 106.62, 7.6),))])
    assert ("xa-tan-thanh", "circle", False) in _codes(near)
    assert "xa-tan-thanh" not in [m.code for m in far]
    # Degrees would be a huge radius; 0.5 km around a place with no station matches nothing.
    assert match_stations(session, [CapArea("", circles=((21.0, 105.8, 0.5),))]) == []


def test_geocodes_by_commune_district_and_province(session: Session) -> None:
    commune = CapArea("", geocodes=(("mã xã", "06202"),))
    assert _codes(match_stations(session, [commune])) == [("xa-hoang-dong", "geocode", False)]
    district = CapArea("", geocodes=(("VN-district", "182"),))
    assert _codes(match_stations(session, [district])) == [("xa-tan-thanh", "geocode", False)]
    # A province code covers all its communes' stations; "20" written as 20 and as the padded value.
    province = CapArea("", geocodes=(("ma_tinh", "20"),))
    assert [m.code for m in match_stations(session, [province])] == ["xa-hoang-dong", "xa-mau-son", "xa-tan-thanh"]
    # Unknown value names (e.g. a US FIPS code) and non-codes are ignored, not errors.
    assert match_stations(session, [CapArea("", geocodes=(("FIPS6", "006113"), ("commune", "abc")))]) == []


def test_a_district_code_matches_every_commune_of_the_district(session: Session) -> None:
    create_station(session, "xa-hoang-dong-2", "Xã Tân Lang", "Lạng Sơn", "Huyện Văn Lãng")
    from broadcast.services.stations import get_station

    set_location(session, get_station(session, "xa-hoang-dong-2"),
                 Location(province_code="20", district_code="182", commune_code="06280"))
    session.flush()
    matches = match_stations(session, [CapArea("Huyện Văn Lãng", geocodes=(("district", "182"),))])
    assert _codes(matches) == [("xa-tan-thanh", "geocode", False), ("xa-hoang-dong-2", "geocode", False)]


def test_the_strongest_reason_wins_and_each_station_appears_once(session: Session) -> None:
    areas = [CapArea("", polygons=(parse_cap_polygon(FLOOD_POLYGON),), circles=(parse_cap_circle(FLOOD_CIRCLE),)),
             CapArea("", geocodes=(("commune", "6277"),))]  # 6277 → 06277, Tân Thanh
    assert _codes(match_stations(session, areas)) == [("xa-hoang-dong", "polygon", False),
                                                       ("xa-tan-thanh", "geocode", False)]


def test_area_desc_alone_matches_names_and_always_asks_for_confirmation(session: Session) -> None:
    commune = match_stations(session, [CapArea("Xã Hoàng Đồng, Thành phố Lạng Sơn")])
    assert _codes(commune) == [("xa-hoang-dong", "name", True)]
    # Without diacritics, different case; a district and a commune name together.
    both = match_stations(session, [CapArea("HUYEN VAN LANG va xa mau son")])
    assert _codes(both) == [("xa-mau-son", "name", True), ("xa-tan-thanh", "name", True)]
    province = match_stations(session, [CapArea("Tỉnh Lạng Sơn")])
    assert [m.code for m in province] == ["xa-hoang-dong", "xa-mau-son", "xa-tan-thanh"]
    assert all(m.needs_confirmation for m in province)
    # A centrally run city named after "Thành phố" is a province when no station has a district of that name.
    assert _codes(match_stations(session, [CapArea("Thành phố Hà Nội")])) == [("xa-khac", "name", True)]
    assert match_stations(session, [CapArea("Tỉnh Cao Bằng")]) == []


def test_area_desc_is_not_used_when_the_area_has_shapes_or_codes(session: Session) -> None:
    area = CapArea("Tỉnh Lạng Sơn", polygons=(parse_cap_polygon(FLOOD_POLYGON),))
    assert [m.how for m in match_stations(session, [area])] == ["polygon", "polygon"]


@pytest.mark.parametrize(("text", "message"), [
    ("", "polygon is empty"),
    ("21.8,106.5 21.8,106.8 foo", "polygon point 3: 'foo' is not a 'lat,lon' pair"),
    ("21.8,106.5 21.8,abc 22,106.8 21.8,106.5", "polygon point 2: '21.8,abc' is not a 'lat,lon' pair of numbers"),
    ("95,106.5 21.8,106.8 22,106.8 95,106.5", "polygon point 1: latitude 95 is outside −90…90"),
    ("21.8,186.5 21.8,106.8 22,106.8 21.8,186.5", "polygon point 1: longitude 186.5 is outside −180…180"),
    ("21.8,106.5 22,106.8 21.8,106.5", "at least 3 different points"),
    ("21.8,106.5 21.9,106.6 22.0,106.7 21.8,106.5", "polygon encloses no area"),
])
def test_invalid_polygon_text_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_cap_polygon(text)


def test_a_self_crossing_polygon_is_kept_and_both_lobes_count(session: Session) -> None:
    # A figure-eight crossing at (21.875, 106.845): its west lobe holds Hoàng Đồng, its east lobe Mẫu Sơn.
    bowtie = parse_cap_polygon("21.80,106.70 21.95,106.99 21.80,106.99 21.95,106.70 21.80,106.70")
    assert _codes(match_stations(session, [CapArea("", polygons=(bowtie,))])) == [
        ("xa-hoang-dong", "polygon", False), ("xa-mau-son", "polygon", False)]


def test_polygons_are_closed_and_circles_parsed() -> None:
    assert parse_cap_polygon("21.8,106.5 21.8,106.8 22,106.8") == ((21.8, 106.5), (21.8, 106.8), (22.0, 106.8),
                                                                    (21.8, 106.5))
    assert parse_cap_circle(" 21.92,106.68  10 ") == (21.92, 106.68, 10.0)
    for text, message in (("21.9,106.6", "not 'lat,lon radius_km'"), ("21.9,106.6 -1", "zero or more"),
                          ("21.9,106.6 ten", "not a number"), ("91,106.6 5", "latitude 91")):
        with pytest.raises(ValueError, match=message):
            parse_cap_circle(text)


def test_codes_names_and_folding() -> None:
    assert fold("Đài truyền thanh xã Hoàng Đồng") == "dai truyen thanh xa hoang dong"
    assert [geocode_level(n) for n in ("Mã xã", "MA_HUYEN", "VN-province", "ward", "UGC")] == [
        "commune", "district", "province", "commune", None]
    assert normalise_admin_code("8", "province") == "08"
    assert normalise_admin_code("73", "district") == "073"
    assert normalise_admin_code(" 2479 ", "commune") == "02479"
    with pytest.raises(ValueError, match="at most 3 digits"):
        normalise_admin_code("1234", "district")


def test_the_demo_province_has_locations_a_flood_polygon_can_cover(settings) -> None:  # type: ignore[no-untyped-def]
    from broadcast.services.demo import seed

    engine = make_engine(settings.db_url)
    with session_scope(engine) as session:
        seed(session, settings.schedules_dir)
    with Session(engine) as session:
        area = CapArea("Lũ sông Kỳ Cùng", polygons=(parse_cap_polygon(FLOOD_POLYGON),))
        assert [m.code for m in match_stations(session, [area])] == ["xa-hoang-dong", "xa-tan-thanh"]
        by_code = match_stations(session, [CapArea("", geocodes=(("ma_huyen", "188"),))])
        assert [m.code for m in by_code] == ["xa-mau-son"]
    engine.dispose()
