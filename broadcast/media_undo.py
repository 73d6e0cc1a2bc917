"""Undo media files written during a transaction that rolls back: refused requests leave no files.

Audio is content-addressed and written before its row (the row needs the file's digest). When the request
is then refused (an unassigned station, a too-long title, no emergency rights…) the session rolls back and
the row disappears, but the file stayed and nothing would ever reference it. Files a session newly wrote
are remembered on it and deleted on rollback, unless a committed row (another request's) uses the digest.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlmodel import Session, select

from broadcast.media import MediaStore

log = logging.getLogger(__name__)
KEY = "broadcast.new_media"


def remember(session: Session, media: MediaStore, sha256: str, relative: str) -> None:
    session.info.setdefault(KEY, []).append((media, sha256, relative))


@event.listens_for(Session, "after_commit")
def _forget(session: Session) -> None:
    session.info.pop(KEY, None)


@event.listens_for(Session, "after_rollback")
def _undo(session: Session) -> None:
    written = session.info.pop(KEY, None)
    if not written:
        return
    from broadcast.models import AudioAsset

    bind = session.get_bind()
    for media, sha256, relative in written:
        with Session(bind) as check:
            if check.exec(select(AudioAsset.id).where(AudioAsset.sha256 == sha256)).first() is not None:
                continue  # another request committed the same audio meanwhile: the file is in use
        (media.root / relative).unlink(missing_ok=True)
        log.info("removed %s: the request that wrote it was refused", relative)
