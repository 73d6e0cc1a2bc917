"""Station schedules in the database: quiet hours and broadcast slots (from templates or given)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from broadcast.errors import InvalidInput
from broadcast.models import PlaylistItem, Station, StationSlot, utcnow
from broadcast.schedule.templates import ScheduleTemplate, SlotSpec, check_slot
from broadcast.schedule.timeplan import HHMM_RE


def set_quiet_hours(session: Session, station: Station, start: str, end: str) -> Station:
    """Quiet hours run from ``start`` to ``end`` local time (wrapping past midnight when start > end)."""
    for label, value in (("start", start), ("end", end)):
        if not HHMM_RE.match(value):
            raise InvalidInput(f"quiet hours {label} must be HH:MM (24-hour clock), not {value!r}")
    if start == end:
        raise InvalidInput("quiet hours start and end are the same; give a real interval")
    station.quiet_start, station.quiet_end = start, end
    session.add(station)
    return station


def set_schedule(session: Session, station: Station, templates: Sequence[ScheduleTemplate] = (),
                 slots: Sequence[SlotSpec] = (), now: datetime | None = None) -> list[StationSlot]:
    """Replace a station's slots with those of some templates plus some given ones.

    Slots that already have occurrences are retired (``valid_to`` = yesterday, local) rather than deleted,
    so placed occurrences keep their slot; existing occurrences never move when a schedule changes.
    """
    specs = [(t.name, s) for t in templates for s in t.slots] + [(None, s) for s in slots]
    if not specs:
        raise InvalidInput("give at least one template or slot")
    for spec in slots:  # a template's slots were checked when it was loaded
        check_slot(spec)
    yesterday = ((now or utcnow()).astimezone(ZoneInfo(station.timezone)).date() - timedelta(days=1)).isoformat()
    for old in session.exec(select(StationSlot).where(StationSlot.station_id == station.id)).all():
        used = session.exec(select(PlaylistItem.id).where(PlaylistItem.slot_id == old.id)).first()
        if used is None:
            session.delete(old)
        elif old.valid_to is None or old.valid_to > yesterday:
            old.valid_to = yesterday
            old.valid_from = min(old.valid_from or yesterday, yesterday)
            session.add(old)
    return _add_slots(session, station, specs)


def apply_template(session: Session, station: Station, template: ScheduleTemplate) -> list[StationSlot]:
    """Give a station just created the template's slots (``set_schedule`` replaces a running schedule)."""
    return _add_slots(session, station, [(template.name, spec) for spec in template.slots])


def _add_slots(session: Session, station: Station, specs: Sequence[tuple[str | None, SlotSpec]]
               ) -> list[StationSlot]:
    created = [StationSlot(station_id=station.id, name=spec.name, start_local=spec.start, end_local=spec.end,
                           weekdays=spec.weekdays, valid_from=spec.valid_from, valid_to=spec.valid_to,
                           template=template) for template, spec in specs]
    session.add_all(created)
    session.flush()
    return created
