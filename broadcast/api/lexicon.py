"""Pronunciation lexicon overrides and the spoken-text preview."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import select

from broadcast.api.deps import CurrentUser, SessionDep
from broadcast.models import LexiconEntry
from broadcast.normalise import normalise
from broadcast.services import lexicon as svc

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


@router.put("/lexicon", response_model=LexiconPublic)
@router.post("/lexicon", response_model=LexiconPublic, include_in_schema=False)
def set_entry(body: LexiconIn, user: CurrentUser, session: SessionDep) -> LexiconPublic:
    """Add or change a reading; it applies to the next normalisation and synthesis, without a restart."""
    entry = svc.upsert_entry(session, user, body.written, body.spoken, body.note)
    return LexiconPublic(id=entry.id or 0, written=entry.written, spoken=entry.spoken, note=entry.note)


@router.delete("/lexicon/{written}", status_code=204)
def delete_entry(written: str, user: CurrentUser, session: SessionDep) -> None:
    svc.delete_entry(session, user, written)


@router.post("/normalise/preview", response_model=PreviewPublic)
def preview(body: PreviewIn, user: CurrentUser, session: SessionDep) -> PreviewPublic:
    """What will be read for this text, sentence by sentence, and every expansion made."""
    spoken = normalise(body.text, svc.current_lexicon(session))
    return PreviewPublic(spoken=spoken.text, paragraphs=spoken.paragraphs,
                         changes=[ChangePublic(start=c.start, end=c.end, original=c.original, spoken=c.spoken,
                                               rule=c.rule) for c in spoken.changes])
