"""Time helpers for occurrences: how long a bulletin plays, and until when an occurrence may still start."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from broadcast.models import AudioAsset, Bulletin
from broadcast.schedule.timeplan import estimate_duration_ms

DEFAULT_GRACE_S = 900


def bulletin_duration_ms(session: Session, bulletin: Bulletin) -> int:
    """The real length once the audio exists; an estimate from the text before."""
    if bulletin.asset_id is not None:
        asset = session.get(AudioAsset, bulletin.asset_id)
        if asset is not None:
            return round(asset.duration_s * 1000)
    return estimate_duration_ms(bulletin.text)


def latest_start(starts_at: datetime, valid_until: datetime | None, grace_s: int) -> datetime:
    """An occurrence may start up to ``grace_s`` late, and never after its placement's ``valid_until``."""
    latest = starts_at + timedelta(seconds=grace_s)
    return min(latest, valid_until) if valid_until is not None else latest
