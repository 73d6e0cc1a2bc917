"""The synthesis queue: each submitted version of a text bulletin gets its audio, exactly once.

Audio is made when a version is submitted (not after approval), so the reviewer hears exactly what would
air and approval binds that audio. The queue is the version table itself (pending, no audio, no error), so
nothing is lost on a crash: an interrupted version is simply done again. Media is content-addressed, so
redoing it rewrites the same file rather than leaving an orphan.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import case
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from broadcast.audio import RenderedAudio
from broadcast.db import session_scope
from broadcast.errors import ServiceError
from broadcast.media import MediaStore
from broadcast.models import AudioAsset, Bulletin, BulletinStatus, BulletinVersion, Priority, VersionState, utcnow
from broadcast.services import versions
from broadcast.synth.who_spoke import WhoSpoke

if TYPE_CHECKING:  # the synthesis stack loads with the Speaker, not with every module that names it
    from broadcast.speech import Speaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynthesisOutcome:
    """``status``: "made" (audio ready for review), "ready" (and it airs), "failed" or "done" (nothing to do)."""

    bulletin_id: int
    version_id: int
    status: str
    asset_sha256: str | None = None
    error: str | None = None
    airs: bool = False


def store_asset(session: Session, media: MediaStore, audio: RenderedAudio, spoken_text: str) -> AudioAsset:
    """Put rendered audio in the media store and return its (possibly existing) asset row.

    A file this call newly wrote is removed again if the session rolls back (a refused upload, a failed
    check after the audio was made): refusals leave no media behind (see :mod:`broadcast.media_undo`).
    """
    from broadcast import media_undo

    new_file = not media.exists(hashlib.sha256(audio.mp3).hexdigest(), ".mp3")
    stored = media.put(audio.mp3, ".mp3")
    if new_file:
        media_undo.remember(session, media, stored.sha256, stored.path)
    asset = session.exec(select(AudioAsset).where(AudioAsset.sha256 == stored.sha256)).first()
    if asset is None:
        asset = AudioAsset(sha256=stored.sha256, path=stored.path, bytes=stored.size, format="mp3",
                           duration_s=audio.duration_s, lufs=audio.lufs, true_peak_dbtp=audio.true_peak_dbtp,
                           sample_rate=audio.sample_rate, channels=audio.channels,
                           bitrate_kbps=audio.bitrate_kbps, engine=audio.engine_summary,
                           speakers=WhoSpoke(audio.speakers, audio.fallbacks).to_json(), spoken_text=spoken_text)
        session.add(asset)
        session.flush()
    return asset


def _wanted():  # type: ignore[no-untyped-def]
    """Versions whose audio is wanted: under review (or seeded as approved) text without audio or an error."""
    return (select(BulletinVersion.id)
            .where(col(BulletinVersion.state).in_((VersionState.pending, VersionState.approved)),
                   BulletinVersion.source == "text", col(BulletinVersion.asset_id).is_(None),
                   col(BulletinVersion.error).is_(None)))


def pending_ids(engine: Engine, limit: int = 20) -> list[int]:
    """Version ids waiting for their audio, emergencies first."""
    with Session(engine) as session:
        urgency = case((BulletinVersion.priority == Priority.emergency, 0),
                       (BulletinVersion.priority == Priority.priority, 1), else_=2)
        rows = session.exec(_wanted().order_by(urgency, BulletinVersion.id).limit(limit)).all()
    return [r for r in rows if r is not None]


def _spoken(session: Session, version: BulletinVersion) -> list[list[str]]:
    """The sentences to speak: frozen in the version; only a migrated version without them is read now."""
    paragraphs = versions.paragraphs_of(version)
    if paragraphs or version.spoken_text:
        return paragraphs
    spoken = versions.spoken_for(session, version.text, versions.overrides_of(version))
    version.spoken_text = spoken.text
    version.spoken_json = json.dumps(spoken.paragraphs, ensure_ascii=False)
    session.add(version)
    return spoken.paragraphs


def synthesise(engine: Engine, speaker: Speaker, media: MediaStore, version_id: int) -> SynthesisOutcome:
    """Make the audio of one version, exactly once: a version's audio is never replaced.

    Reviewers listen to this audio; approval binds it. The spoken text was frozen when the version was
    made, so a lexicon change meanwhile cannot change what this audio says.
    """
    with session_scope(engine) as session:
        version = session.get(BulletinVersion, version_id)
        if version is None or version.asset_id is not None or version.error is not None:
            return SynthesisOutcome(version.bulletin_id if version else 0, version_id, "done")
        bulletin_id = version.bulletin_id
        paragraphs, voice, speed = _spoken(session, version), version.voice, version.speed
    try:
        audio = speaker.render(paragraphs, voice, speed)
        error = None
    except (ServiceError, ValueError, RuntimeError, OSError) as exc:
        log.exception("synthesis of bulletin %s version %s failed", bulletin_id, version_id)
        audio, error = None, str(exc) or exc.__class__.__name__
    with session_scope(engine) as session:
        version = session.get(BulletinVersion, version_id, with_for_update=True)
        bulletin = session.get(Bulletin, bulletin_id)
        if version is None or bulletin is None or version.asset_id is not None or version.error is not None:
            return SynthesisOutcome(bulletin_id, version_id, "done")
        if audio is None:
            version.error = (error or "")[:2000]
            session.add(version)
            if bulletin.status == BulletinStatus.submitted and bulletin.version == version.number:
                bulletin.status, bulletin.error = BulletinStatus.failed, version.error
                session.add(bulletin)
            return SynthesisOutcome(bulletin_id, version_id, "failed", error=error)
        asset = store_asset(session, media, audio, version.spoken_text)
        version.asset_id, version.audio_sha256 = asset.id, asset.sha256
        session.add(version)
        airs = version.state == VersionState.approved and bulletin.approved_version_id == version.id
        if airs:  # seeded as approved (demo, fixtures): no reviewer to wait for
            bulletin.asset_id, bulletin.status, bulletin.error = asset.id, BulletinStatus.ready, None
        bulletin.updated_at = utcnow()
        session.add(bulletin)
        return SynthesisOutcome(bulletin_id, version_id, "ready" if airs else "made",
                                asset_sha256=asset.sha256, airs=airs)


def run_queue(engine: Engine, speaker: Speaker, media: MediaStore, limit: int = 20) -> list[SynthesisOutcome]:
    """Synthesise what is waiting (called by the scheduler job and by tests)."""
    return [synthesise(engine, speaker, media, vid) for vid in pending_ids(engine, limit)]
