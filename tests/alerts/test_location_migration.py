"""Migration 0009 adds the location to existing stations (empty), and goes back down cleanly."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from broadcast.db import alembic_config, make_engine, upgrade


def test_existing_stations_get_an_empty_location_and_the_migration_reverses(db_url: str) -> None:
    engine = make_engine(db_url)
    config = alembic_config(db_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008_object_mirror")
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("station")}
    assert not columns & {"lat", "lon", "area_geojson", "province_code", "district_code", "commune_code"}
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO station (code, name, province, district, timezone, quiet_start, quiet_end, created_at)"
            " VALUES ('xa-cu', 'Xã Cũ', 'Lạng Sơn', '', 'Asia/Ho_Chi_Minh', '21:00', '05:30', CURRENT_TIMESTAMP)"))
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT lat, lon, area_geojson, province_code, district_code, commune_code"
                                      " FROM station WHERE code = 'xa-cu'")).one()
    assert tuple(row) == (None, None, None, "", "", "")
    engine.dispose()
