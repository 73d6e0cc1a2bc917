"""Staff-added readings, layered over the lexicon files at every use (no restart needed)."""

from __future__ import annotations

from sqlmodel import Session, select

from broadcast.errors import Forbidden, InvalidInput, NotFound
from broadcast.models import LexiconEntry, Role, User, utcnow
from broadcast.normalise import Lexicon, LexiconError, check_entry, default_lexicon
from broadcast.services import audit


def overrides(session: Session) -> dict[str, str]:
    return {e.written: e.spoken for e in session.exec(select(LexiconEntry)).all()}


def current_lexicon(session: Session) -> Lexicon:
    """The file lexicon with the database overrides on top."""
    entries = overrides(session)
    base = default_lexicon()
    return base.with_overrides(entries) if entries else base


def check_reading(written: str, spoken: str) -> tuple[str, str]:
    """A reading checked and tidied (written form ≤ 100 characters, spoken form in words ≤ 300)."""
    try:
        written, spoken = check_entry(" ".join(written.split()), " ".join(spoken.split()))
    except LexiconError as exc:
        raise InvalidInput(str(exc)) from None
    if len(written) > 100 or len(spoken) > 300:
        raise InvalidInput("the written form may have at most 100 characters, the spoken form 300")
    if any(ch.isdigit() for ch in spoken):
        raise InvalidInput("write numbers in words in the spoken form")
    return written, spoken


def check_admin(user: User | None) -> None:
    """Province-wide readings change every station's bulletins: admins only (``None`` is the CLI operator)."""
    if user is not None and user.role != Role.admin:
        raise Forbidden("only an admin can change the province-wide lexicon; fix a reading for one bulletin "
                        "from its page instead")


def upsert_entry(session: Session, user: User | None, written: str, spoken: str, note: str = "") -> LexiconEntry:
    check_admin(user)
    written, spoken = check_reading(written, spoken)
    entry = session.exec(select(LexiconEntry).where(LexiconEntry.written == written)).first()
    if entry is None:
        entry = LexiconEntry(written=written, spoken=spoken, note=note, created_by=user.id if user else None)
    else:
        entry.spoken, entry.note, entry.updated_at = spoken, note, utcnow()
    session.add(entry)
    session.flush()
    audit.record(session, user, "lexicon.set", "lexicon", entry.id, f"{written} → {spoken}")
    return entry


def delete_entry(session: Session, user: User | None, written: str) -> None:
    check_admin(user)
    entry = session.exec(select(LexiconEntry).where(LexiconEntry.written == written)).first()
    if entry is None:
        raise NotFound(f"no lexicon entry for {written!r}")
    session.delete(entry)
    audit.record(session, user, "lexicon.delete", "lexicon", entry.id, written)
