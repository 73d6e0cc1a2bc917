"""Local clock times → UTC, quiet hours, slot templates and packing (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.schedule.clock import Clock
from broadcast.schedule.packing import LANE_NORMAL, LANE_PRIORITY, LANE_QUEUED, Entry, overflowing, pack
from broadcast.schedule.timeplan import (
    estimate_duration_ms,
    in_quiet_hours,
    interval_in_quiet_hours,
    local_time,
    slot_occurrences,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class Slot:
    start_local: str
    end_local: str
    weekdays: str = "0123456"
    valid_from: str | None = None
    valid_to: str | None = None
    name: str = ""


@dataclass
class Quiet:
    timezone: str = "Asia/Ho_Chi_Minh"
    quiet_start: str = "21:00"
    quiet_end: str = "05:30"


def test_slot_start_is_converted_to_utc_from_the_station_zone() -> None:
    occurrences = slot_occurrences("Asia/Ho_Chi_Minh", [Slot("06:00", "06:30"), Slot("17:00", "17:30")],
                                   date(2026, 11, 23))
    assert [(o.start, o.end) for o in occurrences] == [
        (datetime(2026, 11, 22, 23, 0, tzinfo=UTC), datetime(2026, 11, 22, 23, 30, tzinfo=UTC)),
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), datetime(2026, 11, 23, 10, 30, tzinfo=UTC)),
    ]


def test_weekdays_and_date_range_filter_slots() -> None:
    weekdays = Slot("06:30", "07:00", weekdays="01234")
    harvest = Slot("11:00", "11:15", valid_from="2026-11-20", valid_to="2026-11-30")
    saturday, monday, december = date(2026, 11, 28), date(2026, 11, 23), date(2026, 12, 1)
    assert saturday.weekday() == 5 and monday.weekday() == 0
    assert [o.slot for o in slot_occurrences("Asia/Ho_Chi_Minh", [weekdays, harvest], saturday)] == [harvest]
    assert [o.slot for o in slot_occurrences("Asia/Ho_Chi_Minh", [weekdays, harvest], monday)] == [weekdays, harvest]
    assert slot_occurrences("Asia/Ho_Chi_Minh", [harvest], december) == []


def test_daylight_saving_zone_keeps_local_clock_time() -> None:
    """A station in a DST zone keeps 06:00 local: the UTC instant moves by an hour across the change."""
    slot = [Slot("06:00", "06:30")]
    before = slot_occurrences("Europe/Berlin", slot, date(2026, 3, 28))[0].start
    after = slot_occurrences("Europe/Berlin", slot, date(2026, 3, 30))[0].start
    assert before.hour == 5 and after.hour == 4


@pytest.mark.parametrize(("local", "quiet"), [
    ("05:29", True), ("05:30", False), ("12:00", False), ("20:59", False), ("21:00", True), ("23:59", True),
    ("00:00", True),
])
def test_default_quiet_hours_wrap_midnight(local: str, quiet: bool) -> None:
    instant = datetime.combine(date(2026, 11, 23), local_time(local), tzinfo=HCM)
    assert in_quiet_hours(Quiet(), instant) is quiet


def test_quiet_hours_within_one_day_and_interval_check() -> None:
    siesta = Quiet(quiet_start="11:30", quiet_end="13:30")
    assert in_quiet_hours(siesta, datetime(2026, 11, 23, 12, 0, tzinfo=HCM))
    assert not in_quiet_hours(siesta, datetime(2026, 11, 23, 13, 30, tzinfo=HCM))
    start = datetime(2026, 11, 23, 20, 55, tzinfo=HCM)
    assert not interval_in_quiet_hours(Quiet(), start, start + timedelta(minutes=5))
    assert interval_in_quiet_hours(Quiet(), start, start + timedelta(minutes=6))


def test_packing_puts_priority_first_and_finds_overflow() -> None:
    anchor = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    entries = [Entry("a", LANE_NORMAL, (1, 0), 600_000), Entry("q", LANE_QUEUED, (2, 0), 60_000),
               Entry("p", LANE_PRIORITY, (3, 0), 600_000), Entry("b", LANE_NORMAL, (4, 0), 600_000)]
    packed = pack(anchor, entries)
    assert [p.entry.key for p in packed] == ["p", "a", "b", "q"]
    assert packed[0].start == anchor
    assert packed[1].start == anchor + timedelta(minutes=10, seconds=2)
    over = overflowing(packed, anchor + timedelta(minutes=30))
    assert [p.entry.key for p in over] == ["b", "q"]


def test_duration_estimate_grows_with_text() -> None:
    short = estimate_duration_ms("Thông báo lịch tiêm chủng.")
    long = estimate_duration_ms("Thông báo lịch tiêm chủng. " * 20)
    assert 3_000 < short < 8_000
    assert long > 15 * short / 2


def test_clock_offset_shifts_now_and_maps_back_to_real_time() -> None:
    clock = Clock(offset_s=3600)
    before, shown, after = datetime.now(UTC), clock.now(), datetime.now(UTC)  # bracketed: no time window
    assert before + timedelta(hours=1) <= shown <= after + timedelta(hours=1)
    assert before <= clock.to_real(shown) <= after
