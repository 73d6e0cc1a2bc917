"""Split a sentence into whitespace, number, word and symbol tokens.

The rules work on tokens rather than on regular expressions over the whole
sentence: every pattern is then a bounded look at neighbouring tokens, so no
input can make the normaliser backtrack catastrophically. The lexer itself is a
single alternation without nested ambiguity and runs in linear time.
"""

from __future__ import annotations

import re

WS, NUM, WORD, SYM = 1, 2, 3, 4

# A number is ASCII digits with single inner "." or "," (12.922, 70,52, 0205.3812.345).
# A word is a run of letters (Unicode; superscripts ² ³ count as letters, so "m²" is one word).
_TOKEN_RE = re.compile(r"(\s+)|([0-9]+(?:[.,][0-9]+)*)|([^\W\d_]+)|(.)", re.S)


class Token:
    """A slice ``[start, end)`` of the sentence with its kind (WS, NUM, WORD or SYM)."""

    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: int, text: str, start: int, end: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.kind}, {self.text!r}, {self.start}, {self.end})"


def tokenize(text: str) -> list[Token]:
    """Tokenise ``text``; concatenating the token texts gives ``text`` back."""
    return [Token(m.lastindex or SYM, m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def key_tokens(text: str) -> tuple[str, ...]:
    """Token texts of a lexicon key, whitespace collapsed to one space, for whole-token matching."""
    return tuple(" " if t.kind == WS else t.text for t in tokenize(text))
