"""Pacing for horn loudspeakers: comma pauses long enough to be heard outdoors, and a breath in long sentences.

Commune announcers read at 180-200 syllables a minute with clear pauses at commas; a sentence that runs
past ~25 seconds gets a breath at the comma or clause boundary nearest that point. The engine gets the
sentence with explicit pauses marked (SSML ``<break>``); nothing here depends on an engine library, so it
is unit-tested on text alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

#: A breath is due after this many seconds of speech without one.
BREATH_AFTER_S = 24.0
#: Words that open a clause: a breath may go before them when no comma is near.
CLAUSE_WORDS = frozenset(
    {"và", "nhưng", "để", "thì", "mà", "nên", "song", "hoặc", "khi", "nếu", "vì", "do", "nhằm", "đồng", "trong"}
)
_SYLLABLE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Pauses:
    """Pause lengths in milliseconds and the speaking rate the breath point is computed from."""

    comma_ms: int = 300
    breath_ms: int = 700
    syllables_per_minute: int = 190

    @property
    def breath_syllables(self) -> int:
        return max(20, round(self.syllables_per_minute * BREATH_AFTER_S / 60))


def syllables(text: str) -> int:
    """Vietnamese is written one syllable per word (numbers are already words after normalisation)."""
    return len(_SYLLABLE.findall(text))


def _breath_points(counts: list[int], kinds: list[str], limit: int) -> set[int]:
    """Gaps (after word ``g``) where a breath goes: near every ``limit`` syllables, a comma first, else a
    clause boundary, else the word where the limit falls."""
    total = counts[-1] if counts else 0
    points: set[int] = set()
    last = 0
    while total - last > limit * 1.2:
        target = last + limit
        window = [g for g in range(len(kinds)) if last + limit * 0.5 < counts[g] <= last + limit * 1.1]
        chosen = None
        for kind in ("comma", "clause"):
            found = [g for g in window if kinds[g] == kind]
            if found:
                chosen = min(found, key=lambda g: abs(counts[g] - target))
                break
        if chosen is None:
            chosen = next(g for g in range(len(kinds)) if counts[g] >= target)
        points.add(chosen)
        last = counts[chosen]
    return points


def marked(sentence: str, pauses: Pauses) -> str:
    """SSML for one sentence: a comma pause after ``,``/``;``/``:``, and a breath every ~25 s of speech,
    at the comma (else clause boundary) nearest that point."""
    words = sentence.split()
    if not words:
        return ""
    counts: list[int] = []
    running = 0
    for word in words:
        running += syllables(word)
        counts.append(running)
    kinds = []  # the gap after word k (none after the last)
    for k in range(len(words) - 1):
        if words[k][-1:] in ",;:":
            kinds.append("comma")
        elif words[k + 1].lower() in CLAUSE_WORDS:
            kinds.append("clause")
        else:
            kinds.append("plain")
    breaths = _breath_points(counts[:-1], kinds, pauses.breath_syllables) if len(words) > 1 else set()
    out: list[str] = []
    for k, word in enumerate(words):
        out.append(escape(word))
        if k + 1 == len(words):
            break
        if k in breaths:
            out.append(f' <break time="{pauses.breath_ms}ms"/> ')
        elif kinds[k] == "comma":
            out.append(f' <break time="{pauses.comma_ms}ms"/> ')
        else:
            out.append(" ")
    return "".join(out)
