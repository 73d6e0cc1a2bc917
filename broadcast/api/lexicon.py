"""Pronunciation lexicon overrides and the spoken-text preview."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import select

from broadcast.api.deps import AdminUser, CurrentUser, SessionDep
from broadcast.models import LexiconEntry
from broadcast.normalise import normalise
from broadcast.services import lexicon as svc
from broadcast.services import lexicon_changes

router = APIRouter(tags=["lexicon"])


class LexiconIn(BaseModel):
    written: str = Field(examples=["VNeID"], description="The word or abbreviation as written")
    spoken: str = Field(examples=["vê en e ai đi"], description="How it is read aloud")
    note: str = ""


class LexiconPublic(LexiconIn):
    id: int


class PreviewIn(BaseModel):
    text: str = Field(max_length=100_000)


class ChangePublic(BaseModel):
    start: int
    end: int
    original: str
    spoken: str
    rule: str


class PreviewPublic(BaseModel):
    spoken: str
    paragraphs: list[list[str]]
    changes: list[ChangePublic]


@router.get("/lexicon", response_model=list[LexiconPublic])
def list_entries(user: CurrentUser, session: SessionDep) -> list[LexiconPublic]:
    rows = session.exec(select(LexiconEntry).order_by(LexiconEntry.written)).all()
    return [LexiconPublic(id=e.id or 0, written=e.written, spoken=e.spoken, note=e.note) for e in rows]


class ImpactIn(BaseModel):
    written: str = Field(max_length=200)
    spoken: str | None = Field(None, max_length=500, description="The new reading; null to see a deletion's effect")


class AffectedPublic(BaseModel):
    bulletin_id: int
    title: str
    status: str
    version: int = Field(description="The version that would be re-read")
    spoken_before: str
    spoken_after: str


class LexiconChangePublic(LexiconPublic):
    changed_bulletins: list[int] = Field(description="Bulletins given a new version awaiting approval")


def _affected(impact: lexicon_changes.Impact) -> list[AffectedPublic]:
    return [AffectedPublic(bulletin_id=a.bulletin.id or 0, title=a.bulletin.title, status=a.bulletin.status.value,
                           version=a.version.number, spoken_before=a.version.spoken_text, spoken_after=a.spoken.text)
            for a in impact.affected]


@router.post("/lexicon/impact", response_model=list[AffectedPublic])
def impact(body: ImpactIn, user: AdminUser, session: SessionDep) -> list[AffectedPublic]:
    """Which bulletins a province-wide change would re-read (admins; nothing is changed)."""
    if body.spoken is None:
        return _affected(lexicon_changes.preview_delete(session, user, body.written))
    return _affected(lexicon_changes.preview_set(session, user, body.written, body.spoken))


@router.put("/lexicon", response_model=LexiconChangePublic)
@router.post("/lexicon", response_model=LexiconChangePublic, include_in_schema=False)
def set_entry(body: LexiconIn, user: AdminUser, session: SessionDep) -> LexiconChangePublic:
    """Add or change a province-wide reading (admins only; editors fix a reading for one bulletin with
    POST /bulletins/{id}/lexicon). Approved audio never changes: each bulletin whose spoken text this changes
    gets a new version that needs approval (listed in ``changed_bulletins``)."""
    entry, found = lexicon_changes.set_entry(session, user, body.written, body.spoken, body.note)
    return LexiconChangePublic(id=entry.id or 0, written=entry.written, spoken=entry.spoken, note=entry.note,
                               changed_bulletins=found.bulletin_ids)


@router.delete("/lexicon/{written}", status_code=204)
def delete_entry(written: str, user: AdminUser, session: SessionDep) -> None:
    """Remove a province-wide reading (admins only); re-read bulletins get a new version awaiting approval."""
    lexicon_changes.delete_entry(session, user, written)


@router.post("/normalise/preview", response_model=PreviewPublic)
def preview(body: PreviewIn, user: CurrentUser, session: SessionDep) -> PreviewPublic:
    """What will be read for this text, sentence by sentence, and every expansion made."""
    spoken = normalise(body.text, svc.current_lexicon(session))
    return PreviewPublic(spoken=spoken.text, paragraphs=spoken.paragraphs,
                         changes=[ChangePublic(start=c.start, end=c.end, original=c.original, spoken=c.spoken,
                                               rule=c.rule) for c in spoken.changes])
