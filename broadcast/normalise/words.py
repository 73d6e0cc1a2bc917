"""Rules for word tokens: lexicon entries, Roman numerals, capitals, single letters, tone marks."""

from __future__ import annotations

from .lexicon import Lexicon
from .numbers import cardinal, ordinal
from .spelling import is_name_word, is_syllable, roman_value, spell
from .state import NUM, NUMERIC, WORD, WORDY, Sentence
from .unicode import fix_tone

_PLAIN_CACHE_SIZE = 50_000
_MAX_GLUED = 16  # longest capitals word searched for a known prefix

# Words after which I, V, X are Roman numerals rather than letters ("quý I", "khóa X").
ROMAN_CONTEXT = frozenset(
    {
        "quý", "khóa", "khoá", "hội", "chương", "phần", "mục", "kỳ", "loại", "đợt", "đoạn", "kỷ",
        "vòng", "hạng", "tập", "cấp", "khu", "lục", "bậc", "cụm", "mức", "thứ",
    }
)  # fmt: skip


def lexicon_rule(s: Sentence, i: int) -> int | None:
    """Replace the longest lexicon entry starting at token ``i``."""
    found = s.lex.match(s.kinds, s.texts, i)
    if found is None:
        return None
    j, spoken, rule, written = found
    if spoken == written:
        return s.keep(i, j)  # an entry that only marks a known word ("Zalo"): keep the official's spelling
    if s.texts[j - 1] == "." and s.next_solid(j - 1) == -1:
        spoken += "."  # "TP." or "v.v." ending the sentence: the dot is also the full stop
    original = s.span(i, j)
    if original[:1].isupper() and not written[:1].isupper() and spoken[:1].islower() and not original.isupper():
        spoken = spoken[:1].upper() + spoken[1:]  # "Đ/c" → "Đồng chí"
    kind = NUMERIC if rule == "unit" or s.kinds[i] == NUM else WORDY
    return s.say(i, j, spoken, rule, kind)


def roman_rule(s: Sentence, i: int) -> int | None:
    """Roman numerals: after a context word ("quý I", "lần thứ IV") or of 2+ letters ("XIII")."""
    text = s.texts[i]
    prev = s.prev_word(i)
    heading = s.prev_solid(i) < 0 and s.glued(i + 1) in (".", ")")  # "I. TÌNH HÌNH CHUNG"
    if prev not in ROMAN_CONTEXT and len(text) < 2 and not heading:
        return None
    value = roman_value(text)
    if value is None:
        return None
    number = str(value)
    spoken = ordinal(number) if prev == "thứ" else cardinal(number)
    j = i + 1
    year = s.glued(i + 2, NUM)
    if s.glued(i + 1, text="/") and year is not None and len(year) == 4 and year.isdigit():
        spoken += " năm " + cardinal(year)  # "quý I/2022"
        j = i + 3
    return s.say(i, j, spoken, "roman", NUMERIC)


def capitals_rule(s: Sentence, i: int) -> int | None:
    """Spell an unknown all-capitals abbreviation; leave words typed in capitals alone."""
    text = s.texts[i]
    if len(text) == 1:
        name = s.lex.letter(text)
        if name is None or name == text.lower():
            return None
        nxt = s.next_solid(i)
        if text == "Y" and nxt > i + 1 and s.kinds[nxt] == WORD and s.texts[nxt].islower():
            return None  # "Y tế", "Y sĩ": the word y, not the letter
        return s.say(i, i + 1, name, "letter", WORDY)
    low = text.lower()
    if is_syllable(low):
        return None
    if is_name_word(low):
        return s.say(i, i + 1, text[:1] + low[1:], "capitals", WORDY)  # "SLẢI" → Slải, "YAGI" → Yagi
    glued = _known_prefix(s, text)
    if glued is not None:
        return s.say(i, i + 1, glued, "abbreviation", WORDY)
    return s.say(i, i + 1, spell(text, s.lex), "spell", WORDY)


def _known_prefix(s: Sentence, text: str) -> str | None:
    """ "EVNHANOI": a known abbreviation glued to a name → its reading, then the name read as a word."""
    if len(text) > _MAX_GLUED:
        return None
    for cut in range(len(text) - 2, 1, -1):
        head, tail = text[:cut], text[cut:]
        found = s.lex.match([WORD], [head], 0)
        if found is None or found[3] != head:
            continue
        low = tail.lower()
        entry = s.lex.match([WORD], [tail], 0)
        rest = (entry[1] if entry is not None and entry[3] == tail else None) or s.lex.web_word(low)
        if rest is None and is_name_word(low):
            rest = tail[:1] + low[1:]
        if rest is not None:
            return f"{found[1]} {rest}"
    return None


def is_plain(lex: Lexicon, text: str) -> bool:
    """True if a word is copied as is: not an entry, not capitals, tone marks already right.

    Cached per lexicon, because a bulletin repeats the same few hundred words.
    """
    cache = lex.plain_words
    plain = cache.get(text)
    if plain is None:
        plain = not (text.isupper() or lex.starts_entry(text) or fix_tone(text) != text)
        if len(cache) >= _PLAIN_CACHE_SIZE:
            cache.clear()
        cache[text] = plain
    return plain


def word_rule(s: Sentence, i: int) -> int:
    """Dispatch a word token; falls back to tone-mark normalisation or copying."""
    j = lexicon_rule(s, i)
    if j is None and s.texts[i].isupper():
        j = roman_rule(s, i)
        if j is None:
            j = capitals_rule(s, i)
    if j is not None:
        return j
    text = s.texts[i]
    fixed = fix_tone(text)
    if fixed != text:
        return s.say(i, i + 1, fixed, "tone", WORDY)
    return s.keep(i, i + 1)
