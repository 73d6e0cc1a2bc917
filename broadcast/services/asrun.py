"""The as-run log: which loudspeaker cluster played (or failed to play) which occurrence, and when.

One row per outcome a receiver reported (played, failed, skipped) for an occurrence on its own station,
newest first, filtered by station, cluster, bulletin and local dates. Exports: a CSV for anyone (UTF-8
with a BOM so Excel shows Vietnamese, Vietnamese headers) and an XLSX in the shape a province reports
upward — per station and month, bulletins and minutes aired by priority, with a chart.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from broadcast.messages import AS_RUN_HEADER, AS_RUN_KIND, AS_RUN_SUMMARY_HEADER, PRIORITY, decimal, say
from broadcast.models import (
    AudioAsset,
    Bulletin,
    CapAlertRecord,
    EventKind,
    PlaylistItem,
    Priority,
    Receiver,
    ReceiverEvent,
    Station,
    User,
)
from broadcast.models.types import in_zone
from broadcast.services.delivery import RETRIED_DOWNLOAD
from broadcast.services.directory import visible_stations

OUTCOMES = (EventKind.played, EventKind.failed, EventKind.skipped)
MAX_ROWS = 5000
KIND_VI = AS_RUN_KIND
PRIORITY_VI = PRIORITY


@dataclass(frozen=True)
class AsRunRow:
    at: datetime
    kind: str
    detail: str
    station_code: str
    station_name: str
    district: str
    receiver_id: int
    receiver_name: str
    bulletin_id: int
    bulletin_title: str
    priority: str
    item_id: int
    planned_at: datetime
    duration_s: float
    alert: str = ""  # the CAP warning the bulletin came from ("identifier (sender)"), if any


@dataclass(frozen=True)
class AsRunFilter:
    station_code: str | None = None
    receiver_id: int | None = None
    bulletin_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


def as_run(session: Session, user: User, wanted: AsRunFilter, limit: int = MAX_ROWS) -> list[AsRunRow]:
    """Outcomes reported by the clusters of the user's stations, newest first (at most ``limit``)."""
    stations = [s for s in visible_stations(session, user)
                if not wanted.station_code or s.code == wanted.station_code]
    query = (select(ReceiverEvent, PlaylistItem, Bulletin, Station, Receiver, AudioAsset.duration_s)
             .join(PlaylistItem, col(PlaylistItem.id) == ReceiverEvent.item_id)
             .join(Bulletin, col(Bulletin.id) == PlaylistItem.bulletin_id)
             .join(Station, col(Station.id) == ReceiverEvent.station_id)
             .join(Receiver, col(Receiver.id) == ReceiverEvent.receiver_id)
             .join(AudioAsset, col(AudioAsset.id) == Bulletin.asset_id, isouter=True)
             .where(col(ReceiverEvent.station_id).in_([s.id for s in stations] or [-1]),
                    col(ReceiverEvent.ignored).is_(None), col(ReceiverEvent.kind).in_(OUTCOMES),
                    # a download the receiver fetches again is no outcome: the play may still happen
                    ~col(ReceiverEvent.detail).startswith(RETRIED_DOWNLOAD)))
    if wanted.receiver_id is not None:
        query = query.where(ReceiverEvent.receiver_id == wanted.receiver_id)
    if wanted.bulletin_id is not None:
        query = query.where(PlaylistItem.bulletin_id == wanted.bulletin_id)
    if wanted.start is not None:
        query = query.where(ReceiverEvent.at >= wanted.start)
    if wanted.end is not None:
        query = query.where(ReceiverEvent.at < wanted.end)
    query = query.order_by(col(ReceiverEvent.at).desc(), col(ReceiverEvent.id).desc()).limit(limit)
    found = session.exec(query).all()
    alerts = _alerts_of(session, {bulletin.id or 0 for _, _, bulletin, _, _, _ in found})
    return [AsRunRow(at=event.at, kind=event.kind.value, detail=event.detail, station_code=station.code,
                     station_name=station.name, district=station.district, receiver_id=receiver.id or 0,
                     receiver_name=receiver.name, bulletin_id=bulletin.id or 0, bulletin_title=bulletin.title,
                     priority=item.priority.value, item_id=item.id or 0, planned_at=item.starts_at,
                     duration_s=float(duration or item.duration_ms / 1000), alert=alerts.get(bulletin.id or 0, ""))
            for event, item, bulletin, station, receiver, duration in found]


def _alerts_of(session: Session, bulletin_ids: set[int]) -> dict[int, str]:
    """bulletin id → the CAP warning it came from (its first alert; Updates keep the same bulletin)."""
    rows = session.exec(select(CapAlertRecord).where(col(CapAlertRecord.bulletin_id).in_(bulletin_ids or {-1}),
                                                     CapAlertRecord.msg_type == "Alert")
                        .order_by(col(CapAlertRecord.id))).all()
    found: dict[int, str] = {}
    for r in rows:
        found.setdefault(r.bulletin_id or 0, f"{r.identifier} ({r.sender_name or r.sender})")
    return found


def receivers_of(session: Session, user: User) -> list[tuple[Receiver, Station]]:
    """The clusters the user may filter by (their stations'), by station then name."""
    stations = {s.id: s for s in visible_stations(session, user)}
    rows = session.exec(select(Receiver).where(col(Receiver.station_id).in_(list(stations) or [-1]))
                        .order_by(col(Receiver.station_id), col(Receiver.name))).all()
    return [(r, stations[r.station_id]) for r in rows]


CSV_HEADER = AS_RUN_HEADER


def _local(value: datetime, zone: ZoneInfo) -> str:
    return in_zone(value, zone).strftime("%d/%m/%Y %H:%M:%S")


def _minutes(seconds: float) -> str:
    return decimal(seconds / 60, 1)


def to_csv(rows: list[AsRunRow], zone: ZoneInfo, explain: dict[str, str] | None = None) -> bytes:
    """UTF-8 with a BOM (Excel then shows Vietnamese), Vietnamese headers, local times, decimal commas.

    ``explain`` maps a receiver's raw detail to the Vietnamese sentence shown to staff."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        note = (explain or {}).get(r.detail, "") if r.kind != "played" else ""
        writer.writerow([r.station_name, r.district, r.receiver_name, r.bulletin_title, PRIORITY_VI[r.priority],
                         _local(r.planned_at, zone), _local(r.at, zone), KIND_VI[r.kind],
                         _minutes(r.duration_s) if r.kind == "played" else "", note, r.alert])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class MonthSummary:
    station_name: str
    district: str
    month: str  # "MM/YYYY"
    bulletins: dict[str, int]  # by priority: distinct bulletins aired
    minutes: dict[str, float]  # by priority: minutes aired (each occurrence once, however many clusters)


def monthly_summary(rows: list[AsRunRow], zone: ZoneInfo) -> list[MonthSummary]:
    """Per station and month: distinct bulletins and minutes aired, by priority (played rows only)."""
    seen: set[int] = set()
    groups: dict[tuple[str, str, str], tuple[dict[str, set[int]], dict[str, float]]] = {}
    for r in sorted(rows, key=lambda r: r.at):
        if r.kind != "played" or r.item_id in seen:
            continue
        seen.add(r.item_id)
        local = in_zone(r.at, zone)
        key = (r.station_name, r.district, f"{local.month:02d}/{local.year}")
        bulletins, minutes = groups.setdefault(key, ({p.value: set() for p in Priority},
                                                     {p.value: 0.0 for p in Priority}))
        bulletins[r.priority].add(r.bulletin_id)
        minutes[r.priority] += r.duration_s / 60
    return [MonthSummary(name, district, month, {p: len(ids) for p, ids in bulletins.items()},
                         {p: round(m, 1) for p, m in minutes.items()})
            for (name, district, month), (bulletins, minutes) in
            sorted(groups.items(), key=lambda kv: (kv[0][2][3:], kv[0][2][:2], kv[0][0]))]


def to_xlsx(rows: list[AsRunRow], zone: ZoneInfo, title: str, explain: dict[str, str] | None = None) -> bytes:
    """The province's report: a summary sheet (station × month, bulletins and minutes by priority, a chart)
    and the full as-run log."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    summary = book.active
    summary.title = say("asrun_sheet_summary")
    summary.append([title])
    summary["A1"].font = Font(bold=True, size=13)
    priorities = [p.value for p in Priority]
    header = (AS_RUN_SUMMARY_HEADER + [say("asrun_bulletins_of", priority=PRIORITY_VI[p]) for p in priorities]
              + [say("asrun_minutes_of", priority=PRIORITY_VI[p]) for p in priorities] + [say("asrun_minutes_total")])
    summary.append(header)
    for cell in summary[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    months = monthly_summary(rows, zone)
    for m in months:
        summary.append([m.station_name, m.district, m.month] + [m.bulletins[p] for p in priorities]
                       + [m.minutes[p] for p in priorities] + [round(sum(m.minutes.values()), 1)])
    for row in summary.iter_rows(min_row=3, min_col=7, max_col=10):
        for cell in row:
            cell.number_format = "0.0"
    for column, width in zip("ABCDEFGHIJ", (24, 20, 10, 14, 14, 14, 14, 14, 14, 12), strict=True):
        summary.column_dimensions[column].width = width
    if months:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
        chart.title, chart.y_axis.title = say("asrun_chart_title"), say("asrun_chart_unit")
        last = 2 + len(months)
        chart.add_data(Reference(summary, min_col=7, max_col=9, min_row=2, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(summary, min_col=1, max_col=1, min_row=3, max_row=last))
        chart.height, chart.width = 8, 18
        summary.add_chart(chart, f"A{last + 3}")

    log = book.create_sheet(say("asrun_sheet_log"))
    log.append(CSV_HEADER)
    for cell in log[1]:
        cell.font = Font(bold=True)
    for r in rows:
        note = (explain or {}).get(r.detail, "") if r.kind != "played" else ""
        log.append([r.station_name, r.district, r.receiver_name, r.bulletin_title, PRIORITY_VI[r.priority],
                    in_zone(r.planned_at, zone).replace(tzinfo=None), in_zone(r.at, zone).replace(tzinfo=None),
                    KIND_VI[r.kind], round(r.duration_s / 60, 2) if r.kind == "played" else None, note, r.alert])
    for row in log.iter_rows(min_row=2, min_col=6, max_col=7):
        for cell in row:
            cell.number_format = "dd/mm/yyyy hh:mm:ss"
    for (cell,) in log.iter_rows(min_row=2, min_col=9, max_col=9):
        cell.number_format = "0.00"  # a number, not text: Excel shows it with the reader's decimal comma
    for column, width in zip("ABCDEFGHIJK", (22, 18, 28, 36, 12, 20, 20, 16, 12, 50, 36), strict=True):
        log.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
