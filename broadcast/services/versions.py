"""Bulletin versions: the immutable states a bulletin passes through, and what each one will speak.

A version freezes the title, text, voice, priority, the bulletin's own lexicon overrides and the spoken text
as normalised with the lexicon *as it was* when the version was made. The synthesis queue renders exactly
that spoken text (never re-normalising), so the audio a reviewer hears is the audio of the spoken text they
saw, and only an approved version's audio is ever placed or signed into a manifest.
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from dataclasses import dataclass

from sqlmodel import Session, col, select

from broadcast.errors import InvalidInput
from broadcast.models import AudioAsset, Bulletin, BulletinVersion, LexiconEntry, User, VersionState
from broadcast.normalise import Lexicon, Spoken, default_lexicon, normalise
from broadcast.services.lexicon import check_reading, current_lexicon

MAX_OVERRIDES = 100


def overrides_of(version: BulletinVersion | None) -> dict[str, str]:
    """The bulletin's own readings frozen in a version (written → spoken)."""
    if version is None:
        return {}
    return dict(json.loads(version.lexicon_overrides or "{}"))


def parse_overrides(raw: str | dict[str, str] | None) -> dict[str, str]:
    """Readings for one bulletin from a form's JSON (or a mapping), each checked like a lexicon entry."""
    if not raw:
        return {}
    try:
        found = json.loads(raw) if isinstance(raw, str) else raw
        pairs = [check_reading(str(w), str(s)) for w, s in dict(found).items()]
    except (ValueError, TypeError):
        raise InvalidInput("the bulletin's own readings are not valid") from None
    if len(pairs) > MAX_OVERRIDES:
        raise InvalidInput(f"a bulletin may have at most {MAX_OVERRIDES} readings of its own")
    return dict(pairs)


def lexicon_for(session: Session, overrides: dict[str, str]) -> Lexicon:
    """Files, then the province's database entries, then this bulletin's own overrides on top."""
    base = current_lexicon(session)
    return base.with_overrides(overrides) if overrides else base


def spoken_for(session: Session, text: str, overrides: dict[str, str]) -> Spoken:
    return normalise(text, lexicon_for(session, overrides))


def paragraphs_of(version: BulletinVersion) -> list[list[str]]:
    return [list(p) for p in json.loads(version.spoken_json or "[]")]


def latest(session: Session, bulletin: Bulletin) -> BulletinVersion | None:
    return session.exec(select(BulletinVersion).where(BulletinVersion.bulletin_id == bulletin.id)
                        .order_by(col(BulletinVersion.number).desc()).limit(1)).first()


def approved(session: Session, bulletin: Bulletin) -> BulletinVersion | None:
    """The version whose audio airs, if any."""
    return session.get(BulletinVersion, bulletin.approved_version_id) if bulletin.approved_version_id else None


def history(session: Session, bulletin: Bulletin) -> list[BulletinVersion]:
    """Every version of the bulletin, newest first."""
    return list(session.exec(select(BulletinVersion).where(BulletinVersion.bulletin_id == bulletin.id)
                             .order_by(col(BulletinVersion.number).desc())).all())


def new_version(session: Session, user: User | None, bulletin: Bulletin, *, reason: str, state: VersionState,
                overrides: dict[str, str] | None = None, spoken: Spoken | None = None) -> BulletinVersion:
    """Freeze the bulletin's current content as its next version (the spoken text is normalised now).

    ``overrides`` defaults to the previous version's; a recording's version is bound to the recording at once.
    """
    previous = latest(session, bulletin)
    overrides = overrides_of(previous) if overrides is None else overrides
    if len(overrides) > MAX_OVERRIDES:
        raise InvalidInput(f"a bulletin may have at most {MAX_OVERRIDES} readings of its own")
    version = BulletinVersion(
        bulletin_id=bulletin.id or 0, number=(previous.number + 1) if previous else 1, reason=reason,
        title=bulletin.title, text=bulletin.text, voice=bulletin.voice, speed=bulletin.speed,
        priority=bulletin.priority,
        source=bulletin.source, lexicon_overrides=json.dumps(overrides, ensure_ascii=False, sort_keys=True),
        state=state, created_by=user.id if user else None)
    if bulletin.source == "recording":
        asset = session.exec(select(AudioAsset).where(AudioAsset.sha256 == bulletin.recording_sha256)).first()
        if asset is not None:
            version.asset_id, version.audio_sha256 = asset.id, asset.sha256
        version.spoken_text = bulletin.text
    else:
        spoken = spoken or spoken_for(session, bulletin.text, overrides)
        version.spoken_text = spoken.text
        version.spoken_json = json.dumps(spoken.paragraphs, ensure_ascii=False)
    session.add(version)
    session.flush()
    bulletin.version = version.number
    session.add(bulletin)
    return version


def seeded_approved_version(session: Session, bulletin: Bulletin) -> BulletinVersion:
    """Version 1 of a bulletin approved by the system itself (the demo seed), with no reviewer to listen:
    the synthesis queue makes its audio and it then airs. No person's action can produce this."""
    version = new_version(session, None, bulletin, reason="create", state=VersionState.approved)
    bulletin.approved_version_id = version.id
    session.add(bulletin)
    return version


@dataclass(frozen=True)
class DiffPart:
    """A run of spoken words: ``kind`` is "same", "removed" or "added"."""

    kind: str
    text: str


def spoken_diff(before: str, after: str) -> list[DiffPart]:
    """Word-level difference between two spoken texts (what the listener would hear differently)."""
    old, new = before.split(), after.split()
    parts: list[DiffPart] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(DiffPart("same", " ".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(DiffPart("removed", " ".join(old[i1:i2])))
        if j2 > j1:
            parts.append(DiffPart("added", " ".join(new[j1:j2])))
    return parts


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@dataclass(frozen=True)
class Affected:
    """A bulletin whose spoken text a province-wide lexicon change would change."""

    bulletin: Bulletin
    version: BulletinVersion
    spoken: Spoken


LIVE_STATES = (VersionState.draft, VersionState.pending, VersionState.approved, VersionState.rejected)


def affected_by_lexicon(session: Session, entries: dict[str, str | None]) -> list[Affected]:
    """Text bulletins whose latest version would be spoken differently after setting (or, with ``None``,
    deleting) these province-wide entries. Nothing is written; the caller decides."""
    words = [w.split()[0] for w in entries if w.split()]
    if not words:
        return []
    merged = {e.written: e.spoken for e in session.exec(select(LexiconEntry)).all()}
    for written, spoken in entries.items():
        if spoken is None:
            merged.pop(written, None)
        else:
            merged[written] = spoken
    province = default_lexicon().with_overrides(merged) if merged else default_lexicon()
    rows = session.exec(select(Bulletin, BulletinVersion)
                        .join(BulletinVersion, col(BulletinVersion.bulletin_id) == Bulletin.id)
                        .where(col(BulletinVersion.number) == Bulletin.version,
                               col(BulletinVersion.source) == "text",
                               col(BulletinVersion.state).in_(LIVE_STATES))
                        .order_by(col(Bulletin.id))).all()
    found: list[Affected] = []
    folded = [_fold(w) for w in words]
    for bulletin, version in rows:
        text = _fold(version.text)
        if not any(w in text for w in folded):
            continue
        own = overrides_of(version)
        spoken = normalise(version.text, province.with_overrides(own) if own else province)
        if spoken.text != version.spoken_text:
            found.append(Affected(bulletin, version, spoken))
    return found
