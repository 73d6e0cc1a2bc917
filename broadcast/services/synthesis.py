"""The synthesis queue: approved text bulletins become audio assets, exactly once.

The queue is the bulletin table itself (status ``approved``), so nothing is lost on a crash: a bulletin
whose synthesis was interrupted is still ``approved`` after a restart and is simply done again. Media
is content-addressed, so redoing it rewrites the same file rather than leaving an orphan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import case
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from broadcast.audio import RenderedAudio
from broadcast.db import session_scope
from broadcast.errors import ServiceError
from broadcast.media import MediaStore
from broadcast.models import AudioAsset, Bulletin, BulletinStatus, Priority, utcnow
from broadcast.services.lexicon import current_lexicon
from broadcast.synth.who_spoke import WhoSpoke

if TYPE_CHECKING:  # the synthesis stack loads with the Speaker, not with every module that names it
    from broadcast.speech import Speaker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SynthesisOutcome:
    bulletin_id: int
    status: BulletinStatus
    asset_sha256: str | None = None
    error: str | None = None


def store_asset(session: Session, media: MediaStore, audio: RenderedAudio, spoken_text: str) -> AudioAsset:
    """Put rendered audio in the media store and return its (possibly existing) asset row."""
    stored = media.put(audio.mp3, ".mp3")
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


def pending_ids(engine: Engine, limit: int = 20) -> list[int]:
    with Session(engine) as session:
        urgency = case((Bulletin.priority == Priority.emergency, 0), (Bulletin.priority == Priority.priority, 1),
                       else_=2)
        rows = session.exec(select(Bulletin.id).where(Bulletin.status == BulletinStatus.approved,
                                                      Bulletin.source == "text")
                            .order_by(urgency, Bulletin.id).limit(limit)).all()
    return [r for r in rows if r is not None]


def synthesise(engine: Engine, speaker: Speaker, media: MediaStore, bulletin_id: int) -> SynthesisOutcome:
    """Make the audio of one approved bulletin; a no-op unless it is still approved at the same version."""
    with Session(engine) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None or bulletin.status != BulletinStatus.approved:
            return SynthesisOutcome(bulletin_id, bulletin.status if bulletin else BulletinStatus.cancelled)
        text, voice, version, speed = bulletin.text, bulletin.voice, bulletin.version, bulletin.speed
        lexicon = current_lexicon(session)
    try:
        speech = speaker.speak(text, voice, lexicon, speed)
        error = None
    except (ServiceError, ValueError, RuntimeError, OSError) as exc:
        log.exception("synthesis of bulletin %s failed", bulletin_id)
        speech, error = None, str(exc) or exc.__class__.__name__
    with session_scope(engine) as session:
        bulletin = session.get(Bulletin, bulletin_id, with_for_update=True)
        if bulletin is None or bulletin.status != BulletinStatus.approved or bulletin.version != version:
            return SynthesisOutcome(bulletin_id, bulletin.status if bulletin else BulletinStatus.cancelled)
        if speech is None:
            bulletin.status, bulletin.error = BulletinStatus.failed, error
            session.add(bulletin)
            return SynthesisOutcome(bulletin_id, BulletinStatus.failed, error=error)
        asset = store_asset(session, media, speech.audio, speech.spoken.text)
        bulletin.asset_id, bulletin.status, bulletin.error = asset.id, BulletinStatus.ready, None
        bulletin.updated_at = utcnow()
        session.add(bulletin)
        return SynthesisOutcome(bulletin_id, BulletinStatus.ready, asset_sha256=asset.sha256)


def run_queue(engine: Engine, speaker: Speaker, media: MediaStore, limit: int = 20) -> list[SynthesisOutcome]:
    """Synthesise what is waiting (called by the scheduler job and by tests)."""
    return [synthesise(engine, speaker, media, bid) for bid in pending_ids(engine, limit)]
