"""Unicode NFC with an offset map back to the caller's text, and tone-mark placement.

Offsets matter because the web editor highlights changes in the text the
official typed (often NFD when pasted from other software), not in our
normalised copy. Tone-mark placement ("hoà" → "hòa") uses underthesea's
``text_normalize`` one word at a time: run on a whole sentence it would also
re-space the punctuation, which we must not do.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from underthesea import text_normalize

_MAX_TONE_WORD = 7  # underthesea only rewrites tokens up to 6 characters


def to_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _starts_segment(ch: str) -> bool:
    """True if ``ch`` cannot compose with what precedes it (so NFC can be applied per segment)."""
    if unicodedata.combining(ch):
        return False
    cp = ord(ch)
    return not (0x1160 <= cp <= 0x11FF or 0xD7B0 <= cp <= 0xD7FF)  # Hangul medial/final jamo


class NfcText:
    """NFC form of a line plus, for each of its characters, the span it came from."""

    __slots__ = ("changed", "ends", "original", "starts", "text")

    def __init__(self, original: str) -> None:
        self.original = original
        self.changed: list[tuple[int, int]] = []
        if unicodedata.is_normalized("NFC", original):
            self.text = original
            self.starts: list[int] | None = None
            self.ends: list[int] | None = None
            return
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        seg = 0
        n = len(original)
        for k in range(1, n + 1):
            if k < n and not _starts_segment(original[k]):
                continue
            chunk = original[seg:k]
            norm = unicodedata.normalize("NFC", chunk)
            if norm != chunk:
                self.changed.append((seg, k))
            pieces.append(norm)
            starts.extend([seg] * len(norm))
            ends.extend([k] * len(norm))
            seg = k
        text = "".join(pieces)
        if text != unicodedata.normalize("NFC", original):  # exotic compositions: map coarsely
            text = unicodedata.normalize("NFC", original)
            starts, ends = [0] * len(text), [n] * len(text)
            self.changed = [(0, n)]
        self.text = text
        self.starts = starts
        self.ends = ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` in the NFC text to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        n = len(self.text)
        o_start = self.starts[start] if start < n else len(self.original)
        o_end = self.ends[end - 1] if end > start else o_start
        return o_start, o_end

    def word_changes(self) -> list[tuple[int, int]]:
        """Spans of the original words (whitespace-delimited) that NFC changed, merged."""
        spans: list[tuple[int, int]] = []
        text = self.original
        for a, b in self.changed:
            if spans and a < spans[-1][1]:
                continue
            while a > 0 and not text[a - 1].isspace():
                a -= 1
            while b < len(text) and not text[b].isspace():
                b += 1
            spans.append((a, b))
        return spans


@lru_cache(maxsize=65536)
def fix_tone(word: str) -> str:
    """Old-style tone placement for one word ("hoà" → "hòa", "thuỷ" → "thủy", "qui" → "quy") via underthesea."""
    if len(word) > _MAX_TONE_WORD:
        return word
    fixed = text_normalize(word)
    if not fixed or any(ch.isspace() for ch in fixed):
        return word
    return fixed
