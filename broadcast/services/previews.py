"""Previews of unapproved text: a per-user cap on concurrent ones, and their audio expires.

Listening to a draft synthesises it and stores the audio like any other, as an ``AudioAsset``. Nothing
refers to that row unless the same audio becomes a version's (the synthesis of the submitted text finds it
by digest), so previews would otherwise pin media forever. :func:`expire_unreferenced` removes assets no
row refers to once they are older than ``preview_ttl_hours`` (the housekeeping job runs it hourly). The
references are found from the schema's foreign keys, so a table added later that points at an asset keeps
it alive without touching this module; a digest named by a bulletin (recording) or a version keeps it too.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, delete, exists
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from broadcast.errors import ServiceError
from broadcast.messages import say
from broadcast.models import AudioAsset, Bulletin, BulletinVersion


class TooManyPreviews(ServiceError):
    status_code = 429


class PreviewSlots:
    """How many previews each user is synthesising right now (a small per-user cap, no threads held)."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._busy: dict[int, int] = {}
        self._lock = threading.Lock()

    def acquire(self, user_id: int) -> None:
        with self._lock:
            if self._busy.get(user_id, 0) >= self.per_user:
                raise TooManyPreviews(say("previews_busy", count=self.per_user))
            self._busy[user_id] = self._busy.get(user_id, 0) + 1

    def release(self, user_id: int) -> None:
        with self._lock:
            left = self._busy.get(user_id, 0) - 1
            if left > 0:
                self._busy[user_id] = left
            else:
                self._busy.pop(user_id, None)


def _not_referenced():  # type: ignore[no-untyped-def]
    """A condition true for assets no foreign key in the schema points at, and no recording digest names."""
    asset_id = AudioAsset.__table__.c.id  # type: ignore[attr-defined]
    conditions = []
    for table in SQLModel.metadata.tables.values():
        for column in table.columns:
            if any(fk.column is asset_id for fk in column.foreign_keys):
                conditions.append(~exists().where(column == asset_id))
    sha = AudioAsset.__table__.c.sha256  # type: ignore[attr-defined]
    conditions.append(~exists().where(Bulletin.__table__.c.recording_sha256 == sha))  # type: ignore[attr-defined]
    conditions.append(~exists().where(BulletinVersion.__table__.c.audio_sha256 == sha))  # type: ignore[attr-defined]
    return and_(*conditions)


def expire_unreferenced(engine: Engine, media_root: Path, now: datetime, ttl: timedelta) -> list[str]:
    """Delete assets older than ``ttl`` that nothing refers to, then their files; returns the paths."""
    table = AudioAsset.__table__  # type: ignore[attr-defined]
    condition = and_(table.c.created_at < now - ttl, _not_referenced())
    try:
        with Session(engine) as session, session.begin():
            paths = list(session.execute(
                delete(table).where(condition).returning(table.c.path)).scalars())
    except IntegrityError:  # reused by a version at this very moment: next run decides again
        return []
    for relative in paths:
        (media_root / relative).unlink(missing_ok=True)
    return paths



