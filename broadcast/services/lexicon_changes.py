"""Province-wide lexicon changes and the bulletins they re-read.

A changed reading never alters audio that was approved: every text bulletin whose spoken text it would
change gets a new version (made by whoever changed the lexicon), which waits for approval while the
approved audio keeps airing. Admins see the list of those bulletins before they confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from broadcast.models import LexiconEntry, User
from broadcast.services import bulletins, lexicon, versions


@dataclass(frozen=True)
class Impact:
    """What a change would do: the bulletins it would re-read, with their spoken text before and after."""

    affected: list[versions.Affected]

    @property
    def bulletin_ids(self) -> list[int]:
        return [a.bulletin.id or 0 for a in self.affected]


def preview_set(session: Session, user: User | None, written: str, spoken: str) -> Impact:
    lexicon.check_admin(user)
    written, spoken = lexicon.check_reading(written, spoken)
    return Impact(versions.affected_by_lexicon(session, {written: spoken}))


def preview_delete(session: Session, user: User | None, written: str) -> Impact:
    lexicon.check_admin(user)
    return Impact(versions.affected_by_lexicon(session, {written: None}))


def set_entry(session: Session, user: User | None, written: str, spoken: str,
              note: str = "") -> tuple[LexiconEntry, Impact]:
    """Store the reading and give each bulletin it re-reads a new version awaiting approval."""
    impact = preview_set(session, user, written, spoken)
    entry = lexicon.upsert_entry(session, user, written, spoken, note)
    bulletins.apply_lexicon_change(session, user, impact.affected)
    return entry, impact


def delete_entry(session: Session, user: User | None, written: str) -> Impact:
    impact = preview_delete(session, user, written)
    lexicon.delete_entry(session, user, written)
    bulletins.apply_lexicon_change(session, user, impact.affected)
    return impact
