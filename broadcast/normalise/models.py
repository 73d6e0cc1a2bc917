"""Result types returned by :func:`broadcast.normalise.normalise`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """One rewrite, so the editor can show staff what will be read and why.

    ``start``/``end`` are character offsets into the text exactly as the caller
    passed it (before Unicode normalisation), so ``text[start:end] == original``.
    """

    start: int
    end: int
    original: str
    spoken: str
    rule: str


@dataclass(frozen=True)
class Spoken:
    """Spoken form of a bulletin.

    ``paragraphs`` holds the sentences the synthesiser speaks one at a time;
    ``text`` joins sentences with " " and paragraphs with "\\n".
    """

    text: str
    paragraphs: list[list[str]]
    changes: list[Change]
