"""Document numbers (số hiệu văn bản): ``197/QĐ-UBND``, ``18-NQ/TW``, ``39/2020/TT-BTTTT``.

Read as: the number (digit by digit if zero-padded), then "năm" + the year if
present, then the code letters by their names; "/" and "-" are silent. The code
is deliberately not expanded ("197 decisions of the People's Committee" is not
what the number means).
"""

from __future__ import annotations

from .numbers import cardinal, integer
from .spelling import roman_value, spell
from .state import NUM, SYM, WORD, WORDY, Sentence

_SEPARATORS = frozenset("/-")
_MAX_PARTS = 12


def is_code(text: str) -> bool:
    """A code segment starts with a capital and has at least two ("QĐ", "TTg", "UBND")."""
    if not text[:1].isupper():
        return False
    return len(text) == 1 or sum(1 for ch in text if ch.isupper()) >= 2


def document_rule(s: Sentence, i: int) -> int | None:
    """``197/QĐ-UBND``, ``18-NQ/TW``, ``39/2020/TT-BTTTT`` starting at number token ``i``."""
    text = s.texts[i]
    if not text.isdigit():
        return None
    sep = s.glued(i + 1, SYM)
    if sep is None or sep not in _SEPARATORS:
        return None
    k = i + 2
    words: list[str] = []
    year = s.glued(k, NUM)
    if year is not None and len(year) == 4 and year.isdigit():
        after = s.glued(k + 1, SYM)
        if after is None or after not in _SEPARATORS:
            return None
        words += ["năm", cardinal(year)]
        k += 2
    first = s.glued(k, WORD)
    if first is None or not is_code(first) or roman_value(first) is not None:
        return None  # "95-III" is a grade and a Roman numeral, not a document code
    words.insert(0, integer(text))
    parts = 0
    while k < s.n and parts < _MAX_PARTS:
        kind, tok = s.kinds[k], s.texts[k]
        if kind == WORD:
            words.append(s.lex.override(tok) or spell(tok, s.lex))  # a staff entry ("TB") applies inside codes
        elif kind == NUM and s.kinds[k - 1] == WORD and tok.isdigit():
            words.append(cardinal(tok))  # "QH15"
        elif kind == SYM and tok in _SEPARATORS:
            nxt = s.glued(k + 1, WORD)
            if nxt is None or not is_code(nxt):
                break
        else:
            break
        k += 1
        parts += 1
    return s.say(i, k, " ".join(words), "document", WORDY)
