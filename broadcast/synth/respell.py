"""Pronunciation respelling for an engine: written loanwords → Vietnamese syllables the engine reads right.

The spoken text keeps loanwords as officials write them (conventions §6: Zalo, Viettel, Internet), and the
preview shows them so. An engine that reads them badly gets a respelling just before synthesis, from a
per-voice table kept as data beside the voice (``voices/respelling/*.tsv``, named by the profile's
``respelling`` field): ``Zalo`` → "da lô", ``Wi-Fi`` → "oai phai". A Latin word the table does not know
and that is not a Vietnamese syllable can be rewritten with Vietnamese letter-to-sound rules
(:func:`vietnamise`), so an engine never switches to a foreign voice in mid-sentence.

Table files: UTF-8, ``written<TAB>respelled``, ``#`` comments; keys match whole words, ignoring case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_VOWELS = "aeiouy"
# Vietnamese onsets written with Latin letters; anything else at the start of a syllable is split off.
_ONSETS = frozenset(
    {
        "", "b", "c", "ch", "d", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p", "ph",
        "qu", "r", "s", "t", "th", "tr", "v", "x",
    }
)  # fmt: skip
_CODAS = {"c": "c", "ch": "ch", "m": "m", "n": "n", "ng": "ng", "nh": "nh", "p": "p", "t": "t", "k": "c",
          "l": "n", "s": "t", "x": "c", "d": "t", "b": "p", "g": "c", "f": "p", "v": "p", "z": "t", "r": "", "h": "",
          "j": "t", "w": "", "q": "c", "ck": "c", "ll": "n", "ss": "t", "tt": "t", "nn": "n", "mm": "m"}  # fmt: skip
_ONSET_MAP = {"f": "ph", "j": "gi", "z": "d", "d": "đ", "q": "qu", "sh": "s", "y": "d", "k": "c", "c": "c"}
_SYLLABLE = re.compile(r"([^aeiouy]*)([aeiouy]+)")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")


@dataclass(frozen=True)
class Respelling:
    """A loaded table: apply it with :meth:`apply` (the chain does, so cache keys see the respelled text)."""

    entries: dict[str, str]
    pattern: re.Pattern[str] | None

    def apply(self, sentence: str) -> str:
        """Replace every table word in ``sentence`` by its respelling."""
        if self.pattern is None:
            return sentence
        return self.pattern.sub(lambda m: self.entries[m.group().lower()], sentence)


def parse_table(text: str, where: str) -> Respelling:
    """Parse a table file's text; raise ValueError naming ``where:line`` for a malformed row."""
    entries: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [unicodedata.normalize("NFC", f.strip()) for f in line.split("\t")]
        if len(fields) != 2 or not all(fields):
            raise ValueError(f"{where}:{number}: expected 'written<TAB>respelled', got {line!r}")
        written, said = fields
        if written.lower() in entries and entries[written.lower()] != said:
            raise ValueError(f"{where}:{number}: {written!r} is respelled twice differently")
        entries[written.lower()] = said
    if not entries:
        return Respelling({}, None)
    keys = sorted(entries, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])", re.IGNORECASE)
    return Respelling(entries, pattern)


def load_table(path: Path) -> Respelling:
    """Read a table file (raises ValueError with file:line, or OSError)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 text: {exc}") from exc
    return parse_table(text, str(path))


def words(sentence: str) -> list[str]:
    """Every word of ``sentence`` (letters, with inner hyphens or apostrophes)."""
    return _WORD.findall(sentence)


def _onset(cluster: str, vowel: str) -> list[str]:
    """An onset cluster as Vietnamese: a valid onset stays, "bl" becomes "bơ" + "l"."""
    if cluster in ("c", "k"):
        return ["k" if vowel[:1] in "eiy" else "c"] if cluster == "k" else ["x" if vowel[:1] in "eiy" else "c"]
    mapped = _ONSET_MAP.get(cluster, cluster)
    if mapped in _ONSETS or mapped == "đ":
        return [mapped]
    head, rest = cluster[0], cluster[1:]
    first = letter_syllable(head)
    return [first, *_onset(rest, vowel)] if rest else [first]


_VALID_VOWELS = frozenset(
    {"a", "e", "i", "o", "u", "ai", "ao", "au", "ay", "eo", "ia", "iu", "oa", "oe", "oi", "ua", "ui", "uy", "oai",
     "oay", "uya", "uyu", "iêu", "iê", "uô", "ươ", "ưa", "ư", "ơ", "ô", "ê", "â", "ă"}
)  # fmt: skip
_GLIDE_END = frozenset("iyou")
_VOWEL_SPELLING = {"ee": "i", "ea": "i", "oo": "u", "ou": "ao", "ie": "iê", "ei": "ây", "ey": "ây", "uo": "uô"}
_ACUTE = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "y": "ý", "ô": "ố", "ê": "ế", "ơ": "ớ", "â": "ấ"}


def _vowel(vowels: str, onset: str) -> list[str]:
    """The vowel group as one or more Vietnamese vowel nuclei ("io" is not Vietnamese: "i", "ô")."""
    v = _VOWEL_SPELLING.get(vowels, vowels)
    if onset == "qu" and v.startswith("u"):
        v = v[1:] or "i"
    if onset == "gi" and v.startswith("i") and len(v) > 1:
        v = v[1:]
    if v in _VALID_VOWELS:
        return [v]
    return [ch if ch != "y" else "i" for ch in v[:3]]


def _checked(nucleus: str, coda: str) -> str:
    """A syllable closed by c/ch/p/t takes a rising tone in Vietnamese spelling (espeak-ng insists)."""
    if coda not in ("c", "ch", "p", "t"):
        return nucleus + coda
    if nucleus[-1:] in _GLIDE_END and len(nucleus) > 1:
        nucleus = nucleus[:-1]
    k = len(nucleus) - 1 if len(nucleus) == 1 or nucleus[-1] not in _ACUTE else len(nucleus) - 1
    if len(nucleus) > 1 and nucleus[0] in "ou" and nucleus[1] in _ACUTE:
        k = 1
    return nucleus[:k] + _ACUTE.get(nucleus[k], nucleus[k]) + nucleus[k + 1 :] + coda


_LETTER_SYLLABLES = {"f": "phơ", "j": "giơ", "w": "u", "z": "dơ", "q": "quy", "k": "ca", "c": "cơ", "y": "i"}


def letter_syllable(ch: str) -> str:
    """One letter as a Vietnamese syllable (a consonant with "ơ"), for clusters and the last resort."""
    if ch in "aeiou":
        return ch
    return _LETTER_SYLLABLES.get(ch, ch + "ơ")


def vietnamise(word: str) -> str:
    """Read an unknown Latin word with Vietnamese letter-to-sound rules: "Bluetooth" → "bơ lu tút" (roughly).

    Always returns Vietnamese-shaped syllables, so the engine keeps its Vietnamese voice.
    """
    out: list[str] = []
    for part in word.lower().replace("-", " ").replace("'", "").split():
        if part.endswith("e") and len(part) > 3 and part[-2] not in _VOWELS:
            part = part[:-1]  # "phone", "line": a final silent e
        groups = _SYLLABLE.findall(part)  # (consonants before, vowels)
        if not groups:
            out.extend(letter_syllable(ch) for ch in part)
            continue
        trailing = part[sum(len(c) + len(v) for c, v in groups) :]
        onsets = [c for c, _ in groups]
        codas = [""] * len(groups)
        for k in range(1, len(groups)):
            cluster = onsets[k]
            if len(cluster) >= 2 and cluster not in _ONSETS and _ONSET_MAP.get(cluster) is None:
                codas[k - 1], onsets[k] = cluster[0], cluster[1:]
        codas[-1] = trailing
        for k, (_, vowels) in enumerate(groups):
            if onsets[k].endswith("w"):  # "wi" → "ui": w is a vowel sound here
                onsets[k], vowels = onsets[k][:-1], "u" + vowels
            *extra, onset = _onset(onsets[k], vowels) if onsets[k] else [""]
            out.extend(extra)
            coda = _CODAS.get(codas[k], _CODAS.get(codas[k][:1], "")) if codas[k] else ""
            *open_nuclei, nucleus = _vowel(vowels, onset)
            if open_nuclei:
                out.append(onset + open_nuclei[0])
                out.extend(open_nuclei[1:])
                onset = ""
            if coda and nucleus[-1:] in _GLIDE_END and len(nucleus) > 1:
                nucleus = nucleus[:-1]  # "main" → "man": no glide before a final consonant
            out.append((onset + _checked(nucleus, coda)).replace("gii", "gi"))
    return " ".join(w for w in out if w)
