"""Placements on a real database: slots → UTC occurrences, priorities, clashes, quiet hours, validity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from broadcast.db import session_scope
from broadcast.errors import Conflict, InvalidInput
from broadcast.models import Bulletin, ItemStatus, PlacementMode, PlaylistItem, Priority
from broadcast.schedule.timeplan import estimate_duration_ms
from broadcast.services import placements, repacking
from broadcast.services.timing import DEFAULT_GRACE_S
from tests.distribute.support import approved_bulletin, get_user, ready_bulletin

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 22, 20, 0, tzinfo=HCM).astimezone(UTC)
TOMORROW = date(2026, 11, 23)
SLOT_START = datetime(2026, 11, 23, 6, 0, tzinfo=HCM).astimezone(UTC)


def _place(runtime, bulletin_id: int, as_user: str = "editor", **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("station_codes", ["xa-a"])
    kwargs.setdefault("now", NOW)
    with session_scope(runtime.engine) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        placement, items = placements.place(session, get_user(session, as_user), bulletin, **kwargs)
        return placement.id, [(i.id, i.starts_at, i.lane, i.status) for i in items]


def _items(runtime, **where):  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        query = select(PlaylistItem).order_by(PlaylistItem.starts_at, PlaylistItem.id)
        for name, value in where.items():
            query = query.where(getattr(PlaylistItem, name) == value)
        return list(session.exec(query).all())


def test_slot_placement_gives_the_utc_instant_of_local_0600(runtime, world) -> None:  # type: ignore[no-untyped-def]
    bid = ready_bulletin(runtime.engine, runtime.media, "Lịch tiêm chủng", ["xa-a", "xa-b"], seconds=60)
    _, items = _place(runtime, bid, station_codes=["xa-a", "xa-b"], mode=PlacementMode.slot, dates=[TOMORROW],
                      slot_names=["sáng"], repeat=2)
    assert len(items) == 4
    starts = sorted({start for _, start, _, _ in items})
    assert starts == [SLOT_START, SLOT_START + timedelta(seconds=62)]
    assert datetime(2026, 11, 22, 23, 0, tzinfo=UTC) == SLOT_START
    stored = _items(runtime, bulletin_id=bid)
    assert {i.latest_start - i.starts_at for i in stored} == {timedelta(seconds=DEFAULT_GRACE_S)}
    assert {i.play_at for i in stored} == {SLOT_START}


def test_priority_goes_to_the_front_of_the_slot(runtime, world) -> None:  # type: ignore[no-untyped-def]
    normal = ready_bulletin(runtime.engine, runtime.media, "Thường", ["xa-a"], seconds=120)
    urgent = ready_bulletin(runtime.engine, runtime.media, "Ưu tiên", ["xa-a"], seconds=60,
                            priority=Priority.priority, frequency=550)
    _place(runtime, normal, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
    _place(runtime, urgent, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
    items = _items(runtime, play_at=SLOT_START)
    assert [i.bulletin_id for i in items] == [urgent, normal]
    assert items[0].starts_at == SLOT_START
    assert items[1].starts_at == SLOT_START + timedelta(seconds=62)


def _fill_slot(runtime) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for n in range(3):
        bid = ready_bulletin(runtime.engine, runtime.media, f"Bản tin {n}", ["xa-a"], seconds=580, frequency=300 + n)
        _place(runtime, bid, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
        ids.append(bid)
    return ids


def test_overflowing_slot_is_a_clash_naming_the_items(runtime, world) -> None:  # type: ignore[no-untyped-def]
    _fill_slot(runtime)
    extra = ready_bulletin(runtime.engine, runtime.media, "Quá giờ", ["xa-a"], seconds=120, frequency=700)
    before = len(_items(runtime))
    with pytest.raises(Conflict) as caught:
        _place(runtime, extra, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
    clash = caught.value.extra["conflicts"]
    assert clash[0]["station"] == "xa-a" and "06:00 23/11/2026" in clash[0]["where"]
    assert [c["title"] for c in clash[0]["conflicts"]] == ["Bản tin 2"]
    assert "Bản tin 2" in caught.value.message and "queue" in caught.value.message
    assert len(_items(runtime)) == before  # nothing half-written


def test_queue_places_it_after_the_clashing_items(runtime, world) -> None:  # type: ignore[no-untyped-def]
    _fill_slot(runtime)
    extra = ready_bulletin(runtime.engine, runtime.media, "Quá giờ", ["xa-a"], seconds=120, frequency=700)
    _, items = _place(runtime, extra, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"],
                      on_clash="queue")
    group = _items(runtime, play_at=SLOT_START)
    assert group[-1].bulletin_id == extra and group[-1].lane == 2
    assert group[-1].starts_at == SLOT_START + 3 * timedelta(seconds=582)
    assert all(i.status == ItemStatus.scheduled for i in group)


def test_replace_cancels_the_conflicting_items(runtime, world) -> None:  # type: ignore[no-untyped-def]
    filled = _fill_slot(runtime)
    extra = ready_bulletin(runtime.engine, runtime.media, "Thay thế", ["xa-a"], seconds=120, frequency=700)
    _place(runtime, extra, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"], on_clash="replace")
    by_bulletin = {i.bulletin_id: i for i in _items(runtime, play_at=SLOT_START)}
    assert by_bulletin[filled[2]].status == ItemStatus.cancelled
    assert "replaced by placement" in by_bulletin[filled[2]].status_detail
    assert by_bulletin[extra].starts_at == SLOT_START + 2 * timedelta(seconds=582)


def test_priority_displacing_normal_items_is_a_clash(runtime, world) -> None:  # type: ignore[no-untyped-def]
    filled = _fill_slot(runtime)
    urgent = ready_bulletin(runtime.engine, runtime.media, "Khẩn", ["xa-a"], seconds=60,
                            priority=Priority.priority, frequency=800)
    with pytest.raises(Conflict) as caught:
        _place(runtime, urgent, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
    assert [c["bulletin_id"] for c in caught.value.extra["conflicts"][0]["conflicts"]] == [filled[2]]
    _place(runtime, urgent, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"], on_clash="replace")
    group = [i for i in _items(runtime, play_at=SLOT_START) if i.status == ItemStatus.scheduled]
    assert [i.bulletin_id for i in group] == [urgent, filled[0], filled[1]]


def test_exact_time_overlapping_content_clashes(runtime, world) -> None:  # type: ignore[no-untyped-def]
    first = ready_bulletin(runtime.engine, runtime.media, "Đầu", ["xa-a"], seconds=300)
    second = ready_bulletin(runtime.engine, runtime.media, "Sau", ["xa-a"], seconds=60, frequency=600)
    at = datetime(2026, 11, 23, 9, 0, tzinfo=HCM)
    _place(runtime, first, mode=PlacementMode.at, at=at)
    with pytest.raises(Conflict):
        _place(runtime, second, mode=PlacementMode.at, at=at + timedelta(minutes=2))
    _, items = _place(runtime, second, mode=PlacementMode.at, at=at + timedelta(minutes=2), on_clash="queue")
    assert items[0][1] == (at + timedelta(minutes=5, seconds=2)).astimezone(UTC)


def test_quiet_hours_refuse_normal_and_priority_but_not_emergency(runtime, world) -> None:  # type: ignore[no-untyped-def]
    late = datetime(2026, 11, 23, 22, 0, tzinfo=HCM)
    for priority in (Priority.normal, Priority.priority):
        bid = ready_bulletin(runtime.engine, runtime.media, f"Muộn {priority}", ["xa-a"], priority=priority)
        with pytest.raises(InvalidInput, match="quiet hours"):
            _place(runtime, bid, mode=PlacementMode.at, at=late)
    emergency = ready_bulletin(runtime.engine, runtime.media, "Bão", ["xa-a"], priority=Priority.emergency)
    _, items = _place(runtime, emergency, as_user="approver", mode=PlacementMode.at, at=late)
    assert items[0][1] == late.astimezone(UTC)


def test_quiet_hours_are_per_station_and_cover_the_end(runtime, world) -> None:  # type: ignore[no-untyped-def]
    from broadcast.schedule.service import set_quiet_hours
    from broadcast.services.stations import get_station

    with session_scope(runtime.engine) as session:
        set_quiet_hours(session, get_station(session, "xa-b"), "20:00", "06:00")
    bid = ready_bulletin(runtime.engine, runtime.media, "Sáng sớm", ["xa-a", "xa-b"], seconds=60)
    with pytest.raises(InvalidInput, match="xa-b at 05:45 23/11/2026") as caught:
        _place(runtime, bid, station_codes=["xa-a", "xa-b"], mode=PlacementMode.at,
               at=datetime(2026, 11, 23, 5, 45, tzinfo=HCM))
    assert "xa-a" not in caught.value.message
    long = ready_bulletin(runtime.engine, runtime.media, "Dài", ["xa-a"], seconds=600, frequency=900)
    with pytest.raises(InvalidInput, match="run into quiet hours"):
        _place(runtime, long, mode=PlacementMode.at, at=datetime(2026, 11, 23, 20, 55, tzinfo=HCM))


def test_valid_until_drops_later_occurrences(runtime, world) -> None:  # type: ignore[no-untyped-def]
    bid = ready_bulletin(runtime.engine, runtime.media, "Hạn", ["xa-a"], seconds=60)
    until = datetime(2026, 11, 23, 12, 0, tzinfo=HCM)
    _, items = _place(runtime, bid, mode=PlacementMode.slot, dates=[TOMORROW, date(2026, 11, 24)],
                      valid_until=until)
    assert [start for _, start, _, _ in items] == [SLOT_START]
    with pytest.raises(InvalidInput, match="after valid_until"):
        _place(runtime, bid, mode=PlacementMode.slot, dates=[date(2026, 11, 24)], valid_until=until)
    with pytest.raises(InvalidInput, match="future"):
        _place(runtime, bid, mode=PlacementMode.now, valid_until=NOW - timedelta(minutes=1))


def test_bad_input_is_refused_with_a_message(runtime, world) -> None:  # type: ignore[no-untyped-def]
    bid = ready_bulletin(runtime.engine, runtime.media, "Sai", ["xa-a"], seconds=60)
    with pytest.raises(InvalidInput, match="no slot named"):
        _place(runtime, bid, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["trưa"])
    with pytest.raises(InvalidInput, match="already passed"):
        _place(runtime, bid, mode=PlacementMode.at, at=NOW - timedelta(hours=1))
    with pytest.raises(InvalidInput, match="UTC offset"):
        _place(runtime, bid, mode=PlacementMode.at, at=datetime(2026, 11, 23, 9, 0))
    with pytest.raises(InvalidInput, match="repeat"):
        _place(runtime, bid, mode=PlacementMode.now, repeat=0)


def test_cancelling_moves_later_items_up_and_real_durations_replace_estimates(runtime, world) -> None:  # type: ignore[no-untyped-def]
    first = ready_bulletin(runtime.engine, runtime.media, "Một", ["xa-a"], seconds=120)
    text = approved_bulletin(runtime.engine, "Chờ đọc", "Kính thưa bà con. " * 10, ["xa-a"])
    first_pid, _ = _place(runtime, first, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
    _place(runtime, text, mode=PlacementMode.slot, dates=[TOMORROW], slot_names=["sáng"])
    pending = _items(runtime, bulletin_id=text)[0]
    assert pending.starts_at == SLOT_START + timedelta(seconds=122)
    assert pending.duration_ms == estimate_duration_ms("Kính thưa bà con. " * 10)
    # The audio arrives: 45 s long.
    other = ready_bulletin(runtime.engine, runtime.media, "tone", ["xa-a"], seconds=45, frequency=1000)
    with session_scope(runtime.engine) as session:
        asset_id = session.get(Bulletin, other).asset_id
        bulletin = session.get(Bulletin, text)
        bulletin.asset_id, bulletin.status = asset_id, "ready"
        session.add(bulletin)
        session.flush()
        assert repacking.audio_changed(session, text, now=NOW) == 1
    assert _items(runtime, bulletin_id=text)[0].duration_ms == 45_000
    with session_scope(runtime.engine) as session:
        from broadcast.models import Placement

        placements.cancel_placement(session, get_user(session, "editor"), session.get(Placement, first_pid),
                                    "sai nội dung", now=NOW)
    assert _items(runtime, bulletin_id=text)[0].starts_at == SLOT_START
    assert _items(runtime, bulletin_id=first)[0].status == ItemStatus.cancelled
