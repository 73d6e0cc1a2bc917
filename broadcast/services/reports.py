"""Broadcast figures per station and period, the CSV export, and what a province reports upward.

Counting rules (also shown on the reports page):
- a *play* is a playlist occurrence a receiver reported as played in the period;
- *minutes* add up the audio duration of those plays;
- a *missed* occurrence is one marked missed or failed, or one still unreported after the last instant it
  could have started (``latest_start``; the expiry job marks those missed, this also counts them before
  it has run) — a receiver that was off never reports anything;
- *bulletins broadcast* counts distinct bulletins with at least one play;
- *TTS bulletins* are text bulletins whose audio was made by synthesis and approved in the period.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from broadcast.errors import InvalidInput
from broadcast.messages import STATION_REPORT_HEADER, decimal, say
from broadcast.models import AudioAsset, Bulletin, BulletinStation, ItemStatus, PlaylistItem, User, utcnow
from broadcast.services.dashboard import online_counts
from broadcast.services.directory import visible_stations


@dataclass(frozen=True)
class StationReport:
    code: str
    name: str
    district: str
    bulletins_broadcast: int
    plays: int
    minutes: float
    missed: int
    scheduled: int


@dataclass(frozen=True)
class ProvinceFigures:
    stations: int
    tts_bulletins: int
    recorded_bulletins: int
    plays: int
    minutes_broadcast: float
    missed: int
    receivers_online: int
    receivers_total: int


def station_reports(session: Session, user: User, start: datetime, end: datetime, station_code: str | None = None,
                    now: datetime | None = None) -> list[StationReport]:
    """One row per visible station (or only ``station_code``) for occurrences in [start, end)."""
    now = now or utcnow()
    stations = [s for s in visible_stations(session, user) if not station_code or s.code == station_code]
    reports = []
    for station in stations:
        in_period = and_(PlaylistItem.station_id == station.id, PlaylistItem.starts_at >= start,
                         PlaylistItem.starts_at < end)
        played = session.exec(
            select(func.count(), func.count(func.distinct(PlaylistItem.bulletin_id)),
                   func.coalesce(func.sum(AudioAsset.duration_s), 0.0))
            .select_from(PlaylistItem)
            .join(Bulletin, Bulletin.id == PlaylistItem.bulletin_id)
            .join(AudioAsset, AudioAsset.id == Bulletin.asset_id, isouter=True)
            .where(in_period, PlaylistItem.status == ItemStatus.played)).one()
        missed = session.exec(select(func.count()).select_from(PlaylistItem).where(in_period, or_(
            col(PlaylistItem.status).in_([ItemStatus.missed, ItemStatus.failed]),
            and_(PlaylistItem.status == ItemStatus.scheduled, PlaylistItem.latest_start < now))
        )).one()
        scheduled = session.exec(select(func.count()).select_from(PlaylistItem).where(
            in_period, col(PlaylistItem.status).not_in([ItemStatus.cancelled, ItemStatus.skipped]))).one()
        plays, bulletins, seconds = played
        reports.append(StationReport(code=station.code, name=station.name, district=station.district,
                                     bulletins_broadcast=int(bulletins), plays=int(plays),
                                     minutes=round(float(seconds) / 60, 1), missed=int(missed),
                                     scheduled=int(scheduled)))
    return reports


def province_figures(session: Session, user: User, start: datetime, end: datetime, offline_after: timedelta,
                     now: datetime | None = None) -> ProvinceFigures:
    """The figures reported upward: bulletins made by TTS, minutes broadcast, receivers online."""
    rows = station_reports(session, user, start, end, now=now)
    station_ids = [s.id for s in visible_stations(session, user)]
    approved_here = (select(Bulletin.source, func.count(func.distinct(Bulletin.id)))
                     .join(BulletinStation, BulletinStation.bulletin_id == Bulletin.id)
                     .where(col(BulletinStation.station_id).in_(station_ids or [-1]),
                            col(Bulletin.asset_id).is_not(None),
                            col(Bulletin.approved_at).is_not(None), col(Bulletin.approved_at) >= start,
                            col(Bulletin.approved_at) < end)
                     .group_by(Bulletin.source))
    by_source = dict(session.exec(approved_here).all())
    online, total = online_counts(session, user, offline_after, now)
    return ProvinceFigures(stations=len(rows), tts_bulletins=int(by_source.get("text", 0)),
                           recorded_bulletins=int(by_source.get("recording", 0)),
                           plays=sum(r.plays for r in rows), minutes_broadcast=round(sum(r.minutes for r in rows), 1),
                           missed=sum(r.missed for r in rows), receivers_online=online, receivers_total=total)


CSV_HEADER = STATION_REPORT_HEADER


def to_csv(reports: list[StationReport], first_day: str, last_day: str) -> str:
    """CSV (UTF-8 with BOM so that Excel shows Vietnamese correctly), one row per station."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in reports:
        writer.writerow([r.code, r.name, r.district, first_day, last_day, r.bulletins_broadcast, r.plays,
                         decimal(r.minutes, 1), r.missed, r.scheduled])
    return "\ufeff" + buffer.getvalue()


MAX_PERIOD_DAYS = 400


def period_bounds(first_day: str, last_day: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local calendar days (inclusive) → an aware half-open interval; refuses reversed or huge periods."""
    try:
        start_day, end_day = date.fromisoformat(first_day), date.fromisoformat(last_day)
    except ValueError:
        raise InvalidInput(say("period_day_invalid")) from None
    if end_day < start_day:
        raise InvalidInput(say("period_reversed"))
    if (end_day - start_day).days > MAX_PERIOD_DAYS:
        raise InvalidInput(say("period_too_long", days=MAX_PERIOD_DAYS))
    start = datetime.combine(start_day, time(0), tzinfo=zone)
    end = datetime.combine(end_day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end
