"""Deciding what happened to occurrences nobody reported playing.

The rule (docs/receiver-protocol.md, "Played and missed"): an occurrence is *played* as soon as any
receiver of its station reports ``played``. Once its latest start has passed, plus its duration and a
few minutes for reports to arrive, an occurrence still ``scheduled`` is closed: ``failed`` if a receiver
reported a failure, ``skipped`` if one reported skipping it, otherwise ``missed``. Each occurrence is
closed once (a conditional UPDATE on its status); a later ``played`` report still corrects it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from broadcast.models import EventKind, ItemStatus, PlaylistItem, ReceiverEvent

REPORT_DELAY = timedelta(minutes=5)
BATCH = 500


def close_overdue(session: Session, now: datetime) -> dict[str, int]:
    """Close occurrences that can no longer play; returns counts by new status."""
    counts: dict[str, int] = {}
    candidates = session.exec(
        select(PlaylistItem).where(PlaylistItem.status == ItemStatus.scheduled,
                                   PlaylistItem.latest_start < now - REPORT_DELAY)
        .order_by(col(PlaylistItem.latest_start)).limit(BATCH)).all()
    for item in candidates:
        if item.latest_start + timedelta(milliseconds=item.duration_ms) + REPORT_DELAY > now:
            continue
        kinds = set(session.exec(select(ReceiverEvent.kind).where(
            ReceiverEvent.item_id == item.id, ReceiverEvent.station_id == item.station_id,
            col(ReceiverEvent.ignored).is_(None))).all())
        if EventKind.played in kinds:
            status, detail = ItemStatus.played, "played (report arrived before it was closed)"
        elif EventKind.failed in kinds:
            status, detail = ItemStatus.failed, "a receiver reported it failed; none reported playing it"
        elif EventKind.skipped in kinds:
            status, detail = ItemStatus.skipped, "a receiver skipped it; none reported playing it"
        elif item.latest_start < item.starts_at:
            status, detail = ItemStatus.missed, "pushed past its valid_until by earlier content"
        else:
            status = ItemStatus.missed
            detail = f"no receiver reported playing it by {item.latest_start.isoformat(timespec='seconds')}"
        result = session.execute(update(PlaylistItem).where(col(PlaylistItem.id) == item.id,
                                                            col(PlaylistItem.status) == ItemStatus.scheduled)
                                 .values(status=status, status_at=now, status_detail=detail))
        if result.rowcount:  # type: ignore[attr-defined]
            counts[status.value] = counts.get(status.value, 0) + 1
    return counts
