"""The document cleaner: text as officials paste it → text the normaliser can read.

Bulletins come from Word, web pages and chat apps, with bullets, markdown, emoji,
box-drawing tables, tab-separated table rows, sentences glued at the full stop
(``họp.Tham dự``) and initials (``L.M.H.``). None of that may ever be read aloud
as a symbol name, so each line is cleaned before it is normalised
(conventions §10): decoration is dropped, table cells are separated by a comma
pause, a bulleted/numbered line or a table row ends like a sentence.

Each step is one regular-expression pass that records what it replaced, so every
offset in the cleaned line maps back to the line as the official wrote it and the
editor's change list can show what was dropped. A line with nothing suspicious
(most of a bulletin) is returned untouched after one search.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Characters that are decoration, never speech: emoji, pictographs, dingbats, box drawing, private-use glyphs
# that Word uses for bullets (Wingdings), variation selectors and joiners.
_DECORATION = (
    "\u2190-\u21ff"  # arrows
    "\u2300-\u23ff"  # misc technical (⌚ ⏰)
    "\u2500-\u27bf"  # box drawing, blocks, geometric shapes, misc symbols, dingbats
    "\u2900-\u297f\u2b00-\u2bff"  # supplemental arrows, misc symbols and arrows
    "\ue000-\uf8ff"  # private use (Wingdings bullets pasted from Word)
    "\ufe00-\ufe0f\u200d\u20e3"  # variation selectors, zero-width joiner, keycap
    "\U0001f000-\U0001faff"  # emoji and pictographs
    "\U000e0000-\U000e007f"  # tag characters (flag sequences)
)
_BULLET_CHARS = "*•◦▪▫●○■□◆◇❖➢➤►▶▸‣⁃∙·✓✔✗✘☐☑✦✧★☆-–—+>"
_SUSPECT = re.compile(
    rf"[{_DECORATION}*#|\t`_~=℃•·]|^\s*[{re.escape(_BULLET_CHARS)}]|[^\W\d_][.!?][^\W\d_]|\.{{4,}}"
    r"|^\s*(?:\d{1,2}|[IVX]{1,4}|[a-zđ])[.)]\s|^\s*o\s"
)
_BULLET = re.compile(
    rf"^\s*(?:[{re.escape(_BULLET_CHARS[:-5])}]+\s*|[-–—+>]+\s+|#{{1,6}}\s+|o\s+(?=[A-ZĐÀ-Ỹ]))(?=\S)"
)  # "o Nội dung": Word's second-level bullet pasted as a letter
_NUMBERED = re.compile(r"^\s*(?:\d{1,2}|[a-zđ]|[IVX]{1,4})[.)]\s+(?=\S)")
_RULE_LINE = re.compile(rf"^[\s{_DECORATION}|+=:_*#.~-]*$")  # "|---|---|", "+----+", "══════", "* * *"
_CELL_SEP = re.compile(r"[ \t]*(?:[|│┃║]|\t+)[ \t]*")
_TABLE_SEPARATOR = re.compile(r"[ \t]*(?:[|│┃║][ \t]*)+|\t+[ \t]*")
_DECORATION_LEAD = re.compile(rf"^\s*[{_DECORATION}]")
_DECORATION_RUN = re.compile(rf"[ \t]*[{_DECORATION}]+")
_MARKUP = re.compile(
    r"\*+|#+(?=[^\W\d_]|\s|$)|`+|~~|_{2,}|={2,}|\.{4,}|…{2,}|(?<!\w)_(?=[^\W\d_])|(?<=[^\W\d_])_(?!\w)|\|"
)
_GLUED = re.compile(r"(?<=[^\W\d_]{2})([.!?])(?=[^\W\d_]{2})")
_INITIALS = re.compile(r"(?<![\w.])((?:[A-ZĐ]\.){2,4})(?=\s|$|,)")
_SPACES = re.compile(r"[ \t]{2,}")
_SENTENCE_END = frozenset(".!?…:;")
_NO_URL = ("/", "@", "www")


@dataclass
class Cleaned:
    """A cleaned line and the replacements that made it, for mapping offsets back."""

    text: str
    steps: list[list[tuple[int, int, int, str]]] = field(default_factory=list)  # per pass: (start, end, new_start, new)

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    def original(self, pos: int, end: bool = False) -> int:
        """Offset in the original line of offset ``pos`` in the cleaned line (``end`` for span ends)."""
        for edits in reversed(self.steps):
            pos = _back(edits, pos, end)
        return pos

    def edits(self) -> list[tuple[int, int, str]]:
        """Every replacement as (start, end, new text) in original-line offsets, merged per position."""
        found: list[tuple[int, int, str]] = []
        for depth, edits in enumerate(self.steps):
            for start, end, _new_start, new in edits:
                for earlier in reversed(self.steps[:depth]):
                    start, end = _back(earlier, start, False), _back(earlier, end, True)
                found.append((start, end, new))
        found.sort()
        return found


def _back(edits: list[tuple[int, int, int, str]], pos: int, end: bool) -> int:
    """Map ``pos`` in the text after one pass to the text before it."""
    k = _linear(edits, pos)
    if k < 0:
        return pos
    start, stop, new_start, new = edits[k]
    if pos < new_start + len(new):
        if len(new) <= stop - start:
            return start + pos - new_start  # "L.M.H." → "L M H": position by position
        return stop if end and pos > new_start else start
    return pos - (new_start + len(new)) + stop


def _linear(edits: list[tuple[int, int, int, str]], pos: int) -> int:
    k = -1
    for idx, edit in enumerate(edits):
        if edit[2] <= pos:
            k = idx
        else:
            break
    return k


def _apply(cleaned: Cleaned, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str | None]) -> None:
    """One pass: replace every match for which ``replace`` returns a string."""
    text = cleaned.text
    out: list[str] = []
    edits: list[tuple[int, int, int, str]] = []
    pos = 0
    length = 0
    for m in pattern.finditer(text):
        new = replace(m)
        if new is None or new == m.group():
            continue
        out.append(text[pos : m.start()])
        length += m.start() - pos
        edits.append((m.start(), m.end(), length, new))
        out.append(new)
        length += len(new)
        pos = m.end()
    if edits:
        out.append(text[pos:])
        cleaned.text = "".join(out)
        cleaned.steps.append(edits)


def _replace_all(cleaned: Cleaned, new_text: str) -> None:
    """Replace the whole line (a table row or a rule line)."""
    cleaned.steps.append([(0, len(cleaned.text), 0, new_text)])
    cleaned.text = new_text


def _in_address(text: str, pos: int) -> bool:
    """True if the stop at ``pos`` is inside a web or e-mail address (looks at most 200 characters around)."""
    lo = max(0, pos - 200)
    start = max(text.rfind(" ", lo, pos), text.rfind("\t", lo, pos), lo - 1) + 1
    end = text.find(" ", pos, pos + 200)
    chunk = text[start : end if end >= 0 else min(len(text), pos + 200)]
    return any(mark in chunk for mark in _NO_URL)


def _decoration(text: str, m: re.Match[str]) -> str:
    """Dropped; a space stays only where it keeps two words apart ("mưa🌧to")."""
    glued = m.start() and m.end() < len(text) and text[m.start() - 1].isalnum() and text[m.end()].isalnum()
    return " " if glued else ""


def _glued(text: str) -> Callable[[re.Match[str]], str | None]:
    def replace(m: re.Match[str]) -> str | None:
        before, after = text[m.start() - 1], text[m.end()]
        if not before.islower() or not after.isupper() or _in_address(text, m.start()):
            return None
        return m.group() + " "

    return replace


def _initials(m: re.Match[str]) -> str:
    """ "L.M.H." → "L M H" (one name; offsets map letter by letter); a stop ending the line stays."""
    spaced = m.group(1).replace(".", " ")
    if m.end() >= len(m.string.rstrip()):
        return spaced[:-1] + "."
    return spaced if m.string[m.end() : m.end() + 1].isspace() else spaced[:-1]


def _table_row(cleaned: Cleaned) -> None:
    """Cells of a ``|``/``│``/tab-separated row separated by a comma pause; the row ends like a sentence."""
    text = cleaned.text
    first = len(text) - len(text.lstrip(" \t|│┃║"))
    last = len(text.rstrip(" \t|│┃║"))

    def separator(m: re.Match[str]) -> str:
        if m.end() <= first:
            return ""
        if m.start() >= last:
            return "" if text[last - 1] in _SENTENCE_END else "."
        before = text[: m.start()].rstrip()
        return " " if before.endswith(",") else ", "

    _apply(cleaned, _TABLE_SEPARATOR, separator)
    if last == len(text) and cleaned.text and cleaned.text[-1] not in _SENTENCE_END:
        n = len(cleaned.text)
        cleaned.steps.append([(n, n, n, ".")])
        cleaned.text += "."


def clean_line(line: str) -> Cleaned:
    """Clean one line (no newline inside); see the module docstring for what is removed."""
    cleaned = Cleaned(line)
    if _SUSPECT.search(line) is None:
        return cleaned
    if "℃" in line:
        _apply(cleaned, re.compile("℃"), lambda m: "°C")
    if _RULE_LINE.match(cleaned.text):
        _replace_all(cleaned, "")
        return cleaned
    listed = False
    if _BULLET.match(cleaned.text) is not None:
        _apply(cleaned, _BULLET, lambda m: "")
        listed = True
    elif _NUMBERED.match(cleaned.text):
        listed = True
    if _CELL_SEP.search(cleaned.text.strip(" \t|│┃║")) and ("|" in line or "\t" in line or "│" in line):
        _table_row(cleaned)
    if _DECORATION_LEAD.match(cleaned.text):
        listed = True  # "📢 THÔNG BÁO": a decorated line is a heading, it ends like a sentence
    text = cleaned.text
    _apply(cleaned, _DECORATION_RUN, lambda m: _decoration(text, m))
    _apply(cleaned, _MARKUP, lambda m: "")
    text = cleaned.text
    _apply(cleaned, _GLUED, _glued(text))
    _apply(cleaned, _INITIALS, _initials)
    _apply(cleaned, _SPACES, lambda m: " ")
    text = cleaned.text
    stripped = text.rstrip()
    if listed and stripped and stripped[-1] not in _SENTENCE_END and any(ch.isalnum() for ch in stripped):
        cleaned.steps.append([(len(stripped), len(text), len(stripped), ".")])
        cleaned.text = stripped + "."
    return cleaned
