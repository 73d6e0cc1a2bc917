"""Letter-name spelling, Roman numerals and the "is this a Vietnamese syllable?" test.

An all-capitals token that is not in the lexicon is either a word typed in
capitals (a heading: "THÔNG BÁO") or an unknown abbreviation ("DTI"). Vietnamese
syllables have a strict shape (onset, 1-3 vowels, a short coda), which
abbreviations almost never fit, so that shape decides between reading and spelling.
"""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .numbers import digits

_VOWELS = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ"
_SYLLABLE = re.compile(
    rf"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnprstvx])?[{_VOWELS}]{{1,3}}(?:ng|nh|ch|[cmnpt])?"
)
_ROMAN = re.compile(r"(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


# A Latin-letter name typed in capitals ("YAGI", "WIPHA", "KAJIKI"): onset, vowels, simple coda, repeated.
_NAME_SYLLABLES = re.compile(
    r"(?:(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|sl|bl|pl|cl|kl|br|pr|dr|gr|cr|kr|fr|st|sh|[bcdđghjklmnprstvxywfz])?"
    r"[aeiouy]{1,3}(?:ng|nh|ch|[cmnptlsk](?![aeiouy]))?)+"
)
_LATIN_MARKS = re.compile(r"[^a-z]")
_MAX_NAME = 16


def is_name_word(word: str) -> bool:
    """True if a capitals word is read as a word: a Vietnamese/Tày syllable or a pronounceable name.

    ``word`` is lower case. A word with Vietnamese letters or tone marks ("slải", "pác") is a word of
    the region, whatever its onset; a plain Latin word is a name when it splits into syllables
    ("yagi" = ya-gi); a run such as "dti" or "kttv" does not, and is spelled.
    """
    if is_syllable(word):
        return True
    if not 3 <= len(word) <= _MAX_NAME:
        return False
    if _LATIN_MARKS.search(word):
        return any(ch in _VOWELS for ch in word) and word.isalpha()
    if len(word) <= 3:
        return False  # "ODA", "IUU", "BOT": three plain letters that are not a syllable are an abbreviation
    return _NAME_SYLLABLES.fullmatch(word) is not None


def is_syllable(word: str) -> bool:
    """True if the lower-case ``word`` has the shape of one Vietnamese syllable."""
    return len(word) <= 7 and _SYLLABLE.fullmatch(word) is not None


def spell(text: str, lex: Lexicon) -> str:
    """Spell letters by their Vietnamese names ("DTI" → "dê tê i"); digits are read one by one."""
    words: list[str] = []
    for ch in text:
        if "0" <= ch <= "9":
            words.append(digits(ch))
            continue
        name = lex.letter(ch)
        if name:
            words.append(name)
        elif ch.isalpha():
            words.append(ch.lower())
    return " ".join(words)


def roman_value(text: str) -> int | None:
    """Value of a Roman numeral made of I, V, X, L (up to 89), or None."""
    if not text or len(text) > 8 or _ROMAN.fullmatch(text) is None:
        return None
    total = 0
    for k, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        if k + 1 < len(text) and _ROMAN_VALUES[text[k + 1]] > value:
            total -= value
        else:
            total += value
    return total or None
