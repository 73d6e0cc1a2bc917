"""Entry points: :func:`normalise` (paragraphs, sentences, changes) and :func:`normalise_line`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import broadcast

from .cleaner import clean_line
from .engine import verbalise
from .lexicon import Lexicon
from .models import Change, Spoken
from .sentences import lines, sentences
from .unicode import NfcText, to_nfc


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped in ``<repo>/voices/lexicon`` (loaded once)."""
    return Lexicon.load(Path(broadcast.__file__).resolve().parent.parent / "voices" / "lexicon")


def _paragraph(line: str, lexicon: Lexicon, offset: int, changes: list[Change] | None) -> list[str]:
    """Spoken sentences of one line; appends its changes (offsets shifted by ``offset``) if asked.

    The line is cleaned first (bullets, emoji, table separators…, see :mod:`.cleaner`); offsets of the
    rules' changes are mapped back through the cleaning to the line as written.
    """
    cleaned = clean_line(line)
    text = cleaned.text
    nfc = NfcText(text)
    spoken: list[str] = []
    found: list[Change] = []
    for a, b in sentences(nfc.text, lexicon):
        said_text, raw = verbalise(nfc.text[a:b], lexicon)
        if said_text:
            spoken.append(said_text)
        if changes is not None:
            for start, end, _original, said, rule in raw:
                o_start, o_end = nfc.span(a + start, a + end)
                if cleaned.changed:
                    o_start, o_end = cleaned.original(o_start), cleaned.original(o_end, end=True)
                found.append(Change(offset + o_start, offset + o_end, line[o_start:o_end], said, rule))
    if changes is not None:
        # Words only NFC touched; a word a rule rewrote already shows its final spoken form.
        taken = [(c.start - offset, c.end - offset) for c in found]  # in text order
        k = 0
        for a, b in nfc.word_changes():  # in text order too: one sweep, no quadratic search
            if cleaned.changed:
                a, b = cleaned.original(a), cleaned.original(b, end=True)
            while k < len(taken) and taken[k][1] <= a:
                k += 1
            if k < len(taken) and taken[k][0] < b:
                continue
            found.append(Change(offset + a, offset + b, line[a:b], to_nfc(line[a:b]), "unicode"))
        if cleaned.changed:
            found.extend(_cleaner_changes(line, cleaned.edits(), found, offset))
        changes.extend(found)
    return spoken


def _cleaner_changes(line: str, edits: list[tuple[int, int, str]], found: list[Change], offset: int) -> list[Change]:
    """What the cleaner dropped or replaced (overlapping passes merged), where no rule reports a change."""
    merged: list[list] = []
    for start, end, new in edits:
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            last[2] = last[2] or new.strip()
        else:
            merged.append([start, end, new.strip()])
    taken = [(c.start - offset, c.end - offset) for c in found]
    extra: list[Change] = []
    for start, end, new in merged:
        original = line[start:end]
        if original.strip() == new or (not original.strip() and new in ".,"):
            continue  # spacing only, or the full stop that ends a bullet or a table row
        if any(a < end and start < b for a, b in taken):
            continue
        extra.append(Change(offset + start, offset + end, original, new, "clean"))
    return extra


def normalise(text: str, lexicon: Lexicon | None = None) -> Spoken:
    """Turn bulletin text into what an announcer says.

    Paragraphs are the non-blank lines; sentences come from underthesea's
    ``sent_tokenize``. Change offsets refer to ``text`` exactly as given.
    """
    lex = lexicon if lexicon is not None else default_lexicon()
    paragraphs: list[list[str]] = []
    changes: list[Change] = []
    for start, end in lines(text):
        spoken = _paragraph(text[start:end], lex, start, changes)
        if spoken:
            paragraphs.append(spoken)
    changes.sort(key=lambda c: (c.start, c.end))
    return Spoken("\n".join(" ".join(p) for p in paragraphs), paragraphs, changes)


#: Why text is refused when cleaning and normalising leave nothing to read (emoji, symbols, rule lines).
NOTHING_TO_SAY = "nothing to read aloud: the text has only symbols, emoji or decoration"


def speakable(text: str, lexicon: Lexicon | None = None) -> bool:
    """True if something is left to read once the text is cleaned and normalised."""
    return any(s.strip() for para in normalise(text, lexicon).paragraphs for s in para)


def normalise_line(line: str, lexicon: Lexicon | None = None) -> str:
    """One input line → exactly one spoken line (for the CLI and the scorer)."""
    lex = lexicon if lexicon is not None else default_lexicon()
    flat = line.replace("\r", " ").replace("\n", " ")
    if not flat.strip():
        return ""
    return " ".join(_paragraph(flat, lex, 0, None))
