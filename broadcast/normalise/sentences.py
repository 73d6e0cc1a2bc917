"""Paragraph and sentence splitting with offsets, on top of underthesea's ``sent_tokenize``.

underthesea returns sentence *strings* and treats every ``.``, ``?`` or ``!`` as a
possible boundary, even inside ``datdai.langson.gov.vn``. It also scans back
over the word before each dot, which is quadratic on a megabyte of ``a.a.a.a``.
So it is given a masked copy of the paragraph in which a stop directly followed
by a non-space character (inside an address, a number or a code) is replaced by
``_``; the copy has the same length, so sentences are located in it by position
and cut from the real text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from underthesea import sent_tokenize

from .lexicon import Lexicon
from .tokens import tokenize

_INNER_STOP = re.compile(r"[.?!](?=[^\s.?!])")
_LAST_WORD = re.compile(r"\S+$")
_FINAL_ABBREVIATIONS = frozenset({"v.v."})  # may end a sentence, so never glue after them


def lines(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the non-blank lines of ``text`` (a trailing ``\\r`` is left out)."""
    start = 0
    n = len(text)
    while start <= n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        stop = end - 1 if end > start and text[end - 1] == "\r" else end
        if text[start:stop].strip():
            yield start, stop
        start = end + 1


def _ends_with_abbreviation(sentence: str, lexicon: Lexicon) -> bool:
    """True if the sentence ends in a lexicon key like "TP." that is followed by a name."""
    if not sentence.endswith("."):
        return False
    m = _LAST_WORD.search(sentence)
    if m is None or len(m.group()) > 12:
        return False
    word = m.group()
    if word.lower() in _FINAL_ABBREVIATIONS:
        return False
    kinds, texts, _ = tokenize(word)
    for i in range(len(texts)):
        found = lexicon.match(kinds, texts, i)
        if found is not None and found[0] == len(texts):
            return True
    return False


def sentences(paragraph: str, lexicon: Lexicon) -> list[tuple[int, int]]:
    """Spans of the sentences of one paragraph (no newlines inside)."""
    masked = _INNER_STOP.sub("_", paragraph)
    spans: list[tuple[int, int]] = []
    pos = 0
    for sentence in sent_tokenize(masked):
        k = masked.find(sentence, pos)
        if k < 0:  # cannot happen with the current underthesea; be safe anyway
            break
        spans.append((k, k + len(sentence)))
        pos = k + len(sentence)
    rest = paragraph[pos:]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        spans.append((pos + lead, pos + len(rest.rstrip())))
    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and _ends_with_abbreviation(paragraph[merged[-1][0] : merged[-1][1]], lexicon):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged
