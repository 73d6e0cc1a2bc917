"""The pronunciation lexicon: data files under ``voices/lexicon/`` plus per-request overrides.

Files are UTF-8 TSV, ``#`` starts a comment line, blank lines are ignored:

* ``letters.tsv`` — ``letter<TAB>name``: Vietnamese letter names used to spell codes.
* ``units.tsv`` — ``written<TAB>spoken<TAB>scope``; scope is ``glued`` (only right after
  a digit: ``16h``), ``number`` (after a number, glued or spaced: ``35 m``) or ``any``
  (also on its own: ``Mỗi ha``).
* ``web.tsv`` — ``label<TAB>spoken``: how parts of web and e-mail addresses are read.
* every other ``*.tsv`` — ``written<TAB>spoken[<TAB>note]``: abbreviations, names,
  foreign words. The file stem names the rule shown in the editor.

A key is matched on whole tokens. Keys without lower-case letters (``UBND``,
``TT&TT``) match case-sensitively; other keys (``đ/c``, ``Facebook``) match
regardless of case. Overrides (staff entries from the database) take precedence
over the files; :meth:`Lexicon.with_overrides` caches the compiled layer so it
is cheap to call per request. A :class:`Lexicon` is immutable and thread-safe.
"""

from __future__ import annotations

import copy
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .tokens import WS, key_tokens

UNIT_SCOPES = ("glued", "number", "any")
_SPECIAL_FILES = {"letters.tsv", "units.tsv", "web.tsv"}
_RULE_NAMES = {
    "abbreviations": "abbreviation",
    "organisations": "organisation",
    "places": "place",
    "foreign": "foreign",
}
_OVERRIDE_CACHE_SIZE = 256


class LexiconError(ValueError):
    """A malformed lexicon file row (message starts with ``file:line``) or override entry."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _has_lower(text: str) -> bool:
    return any(ch.islower() for ch in text)


class _Entry:
    __slots__ = ("folded", "rule", "spoken", "tokens", "written")

    def __init__(self, written: str, spoken: str, rule: str) -> None:
        self.written = written
        self.spoken = spoken
        self.rule = rule
        self.folded = _has_lower(written)
        toks = key_tokens(written)
        self.tokens = tuple(t.lower() for t in toks) if self.folded else toks


class _Table:
    """Entries indexed by their first token, longest keys first."""

    __slots__ = ("entries", "exact", "folded", "starters")

    def __init__(self, entries: Mapping[str, tuple[str, str]]) -> None:
        self.entries: dict[str, tuple[str, str]] = dict(entries)
        exact: dict[str, list[_Entry]] = {}
        folded: dict[str, list[_Entry]] = {}
        for written, (spoken, rule) in self.entries.items():
            entry = _Entry(written, spoken, rule)
            if not entry.tokens:
                continue
            (folded if entry.folded else exact).setdefault(entry.tokens[0], []).append(entry)
        self.exact = {k: tuple(sorted(v, key=lambda e: -len(e.tokens))) for k, v in exact.items()}
        self.folded = {k: tuple(sorted(v, key=lambda e: -len(e.tokens))) for k, v in folded.items()}
        self.starters = frozenset(self.exact) | frozenset(self.folded)

    def longest(self, kinds: Sequence[int], texts: Sequence[str], i: int) -> tuple[int, _Entry] | None:
        """Longest entry matching the tokens from ``i`` on, as (end index, entry)."""
        best: tuple[int, _Entry] | None = None
        first = texts[i]
        for entry in self.exact.get(first, ()):
            if _matches(kinds, texts, i, entry.tokens, folded=False):
                best = (i + len(entry.tokens), entry)
                break
        for entry in self.folded.get(first.lower(), ()):
            if best is not None and len(entry.tokens) <= best[0] - i:
                break
            if _matches(kinds, texts, i, entry.tokens, folded=True):
                best = (i + len(entry.tokens), entry)
                break
        return best


def _matches(kinds: Sequence[int], texts: Sequence[str], i: int, key: tuple[str, ...], folded: bool) -> bool:
    if i + len(key) > len(texts):
        return False
    for offset, want in enumerate(key):
        if want == " ":
            if kinds[i + offset] != WS:
                return False
        else:
            text = texts[i + offset]
            if (text.lower() if folded else text) != want:
                return False
    return True


class Lexicon:
    """Abbreviations, names, units, letter names and web words; see the module docstring."""

    def __init__(
        self,
        words: Mapping[str, tuple[str, str]],
        units: Mapping[str, tuple[str, str]],
        letters: Mapping[str, str],
        web: Mapping[str, str],
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self._base = _Table(words)
        self._units = dict(units)
        self._letters = dict(letters)
        self._web = dict(web)
        self._longest_web = max(map(len, self._web), default=0)
        self._overrides = _Table({k: (v, "override") for k, v in (overrides or {}).items()})
        self._starters = self._base.starters | self._overrides.starters
        self._cache: OrderedDict[frozenset[tuple[str, str]], Lexicon] = OrderedDict()
        self._lock = threading.Lock()
        self.plain_words: dict[str, bool] = {}  # scratch cache owned by the rule engine

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, directory: Path) -> Lexicon:
        """Read every ``*.tsv`` file in ``directory``; raise :class:`LexiconError` with file:line."""
        directory = Path(directory)
        if not directory.is_dir():
            raise LexiconError(f"{directory}: lexicon directory not found")
        words: dict[str, tuple[str, str]] = {}
        origins: dict[str, dict[str, str]] = {"words": {}, "units": {}, "letters": {}, "web": {}}
        units: dict[str, tuple[str, str]] = {}
        letters: dict[str, str] = {}
        web: dict[str, str] = {}
        for path in sorted(directory.glob("*.tsv")):
            if path.name == "units.tsv":
                for where, (written, spoken, scope) in _rows(path, 3, 3):
                    if scope not in UNIT_SCOPES:
                        raise LexiconError(f"{where}: unit scope must be one of {', '.join(UNIT_SCOPES)}")
                    _put(units, written, (spoken, scope), where, origins["units"])
            elif path.name == "letters.tsv":
                for where, (letter, name) in _rows(path, 2, 2):
                    if len(letter) != 1:
                        raise LexiconError(f"{where}: expected a single letter, got {letter!r}")
                    _put(letters, letter.upper(), name, where, origins["letters"])
            elif path.name == "web.tsv":
                for where, (label, spoken) in _rows(path, 2, 2):
                    _put(web, label.lower(), spoken, where, origins["web"])
            else:
                rule = _RULE_NAMES.get(path.stem, path.stem)
                for where, fields in _rows(path, 2, 3):
                    _put(words, fields[0], (fields[1], rule), where, origins["words"])
        for written, (spoken, scope) in units.items():
            if scope == "any" and written not in words:
                words[written] = (spoken, "unit")
        return cls(words, units, letters, web)

    # ---------------------------------------------------------------- overrides
    def with_overrides(self, entries: Mapping[str, str]) -> Lexicon:
        """A lexicon where ``entries`` (written → spoken) win over the files.

        Cached by the entries, so calling it per request with the same database
        rows costs a hash of the mapping.
        """
        if not entries:
            return self
        clean = frozenset(check_entry(w, s) for w, s in entries.items())
        with self._lock:
            hit = self._cache.get(clean)
            if hit is not None:
                self._cache.move_to_end(clean)
                return hit
        merged = dict(self._overrides.entries)
        merged.update({w: (s, "override") for w, s in clean})
        lexicon = copy.copy(self)  # shares the (read-only) file tables
        lexicon._overrides = _Table(merged)
        lexicon._starters = self._base.starters | lexicon._overrides.starters
        lexicon._cache = OrderedDict()
        lexicon._lock = threading.Lock()
        lexicon.plain_words = {}
        with self._lock:
            self._cache[clean] = lexicon
            while len(self._cache) > _OVERRIDE_CACHE_SIZE:
                self._cache.popitem(last=False)
        return lexicon

    # ------------------------------------------------------------------ lookups
    def match(self, kinds: Sequence[int], texts: Sequence[str], i: int) -> tuple[int, str, str, str] | None:
        """Longest lexicon entry starting at token ``i`` as (end index, spoken, rule, written key)."""
        text = texts[i]
        if text not in self._starters and text.lower() not in self._starters:
            return None
        best = self._overrides.longest(kinds, texts, i) if self._overrides.entries else None
        base = self._base.longest(kinds, texts, i)
        if base is not None and (best is None or base[0] > best[0]):
            best = base
        if best is None:
            return None
        return best[0], best[1].spoken, best[1].rule, best[1].written

    def starts_entry(self, text: str) -> bool:
        """True if some entry's first token is ``text`` (cheap pre-check before :meth:`match`)."""
        return text in self._starters or text.lower() in self._starters

    def unit(self, written: str) -> tuple[str, str] | None:
        """(spoken, scope) of a unit written exactly so; an override changes the spoken form."""
        found = self._units.get(written)
        if found is None:
            return None
        override = self._overrides.entries.get(written)
        return (override[0], found[1]) if override else found

    def override(self, written: str) -> str | None:
        """A staff entry for exactly ``written`` (case-sensitive for capitals keys), or None."""
        found = self._overrides.entries.get(written)
        if found is None and self._overrides.entries:
            found = self._overrides.entries.get(written.lower())
            if found is not None and not _has_lower(written.lower()):
                found = None
        return found[0] if found else None

    def letter(self, ch: str) -> str | None:
        """Vietnamese name of a letter (either case), or None."""
        return self._letters.get(ch.upper())

    def web_word(self, label: str) -> str | None:
        """Spoken form of a lower-case address label or label piece, or None."""
        return self._web.get(label)

    @property
    def longest_web_word(self) -> int:
        """Length of the longest ``web.tsv`` label (bounds the address segmentation)."""
        return self._longest_web

    def items(self) -> list[tuple[str, str, str]]:
        """All word entries as (written, spoken, rule), overrides included."""
        merged = dict(self._base.entries)
        merged.update(self._overrides.entries)
        return [(w, s, r) for w, (s, r) in sorted(merged.items())]

    def __contains__(self, written: object) -> bool:
        return written in self._overrides.entries or written in self._base.entries


def check_entry(written: str, spoken: str) -> tuple[str, str]:
    """Validate and NFC-normalise one override; raise :class:`LexiconError` if unusable."""
    if not isinstance(written, str) or not isinstance(spoken, str):
        raise LexiconError("lexicon entries must be strings")
    written, spoken = _nfc(written.strip()), _nfc(spoken.strip())
    if not written or not spoken:
        raise LexiconError("lexicon entries need a written and a spoken form")
    if any(ch in "\t\r\n" for ch in written + spoken):
        raise LexiconError(f"lexicon entry {written!r} contains a tab or newline")
    return written, spoken


def _rows(path: Path, min_fields: int, max_fields: int) -> Iterable[tuple[str, list[str]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise LexiconError(f"{path}: not UTF-8 ({exc})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}:{number}"
        fields = [_nfc(f.strip()) for f in line.split("\t")]
        if not min_fields <= len(fields) <= max_fields:
            raise LexiconError(
                f"{where}: expected {min_fields}{'' if min_fields == max_fields else f'-{max_fields}'} "
                f"tab-separated fields, got {len(fields)}: {line!r}"
            )
        if not all(fields[:min_fields]):
            raise LexiconError(f"{where}: empty field in {line!r}")
        yield where, fields


def _put(table: dict, key: str, value: object, where: str, origin: dict[str, str]) -> None:
    """Add a row; the same key defined twice differently is an error naming both places."""
    if key in table and table[key] != value:
        raise LexiconError(f"{where}: {key!r} is already defined differently at {origin[key]}")
    table[key] = value
    origin.setdefault(key, where)
