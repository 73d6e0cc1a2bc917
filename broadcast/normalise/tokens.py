"""Split a sentence into whitespace, number, word and symbol tokens.

The rules work on tokens rather than on regular expressions over the whole
sentence: every pattern is then a bounded look at neighbouring tokens, so no
input can make the normaliser backtrack catastrophically. The lexer itself is a
single alternation without nested ambiguity and runs in linear time.

Tokens are kept as parallel lists (kinds, texts, starts) rather than objects:
building an object per token was a third of the normaliser's running time.
"""

from __future__ import annotations

import re
from itertools import accumulate

WS, NUM, WORD, SYM = 1, 2, 3, 4

# A number is ASCII digits with single inner "." or "," (12.922, 70,52, 0205.3812.345).
# A word is a run of letters (Unicode; superscripts ² ³ count as letters, so "m²" is one word).
_TOKEN_RE = re.compile(r"\s+|[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+|.", re.S)


def _kind(first: str) -> int:
    """Which alternative of the lexer produced a token starting with ``first``."""
    if first.isspace():
        return WS
    if "0" <= first <= "9":
        return NUM
    if first.isalnum() and not first.isdecimal() and first != "_":
        return WORD
    return SYM


# Kinds of the characters bulletins are made of, so most tokens need one dict look-up.
_KINDS = {chr(cp): _kind(chr(cp)) for cp in [*range(0x250), *range(0x1E00, 0x1F00), *range(0x2000, 0x2070)]}


def tokenize(text: str) -> tuple[list[int], list[str], list[int]]:
    """Kinds, texts and start offsets of the tokens of ``text``.

    ``starts`` has one extra element, ``len(text)``, so token ``i`` spans
    ``starts[i]:starts[i + 1]``.
    """
    texts: list[str] = _TOKEN_RE.findall(text)
    kinds = [_KINDS.get(t[0]) or _kind(t[0]) for t in texts]
    starts = [0, *accumulate(map(len, texts))]
    return kinds, texts, starts


def key_tokens(text: str) -> tuple[str, ...]:
    """Token texts of a lexicon key, whitespace collapsed to one space, for whole-token matching."""
    kinds, texts, _ = tokenize(text)
    return tuple(" " if k == WS else t for k, t in zip(kinds, texts, strict=True))
