"""The rule engine: walk the tokens of one sentence and let the first applicable rule speak.

Rules are tried in a fixed priority per token kind; each returns the index after
the tokens it consumed. Every rule looks at a bounded window of tokens, so a
sentence is processed in linear time whatever it contains. Runs of plain words
and spaces are copied in one piece, which is most of a bulletin.
"""

from __future__ import annotations

from .addresses import address_rule
from .dates import date_rule, time_rule
from .documents import document_rule
from .lexicon import Lexicon
from .phones import phone_rule
from .quantities import quantity_rule
from .state import NUM, WORD, WS, RawChange, Sentence
from .symbols import symbol_rule
from .words import is_plain, lexicon_rule, word_rule

_ADDRESS_MARKS = frozenset(".@:")  # a word glued to one of these may start an address
_NUMBER_RULES = (lexicon_rule, phone_rule, document_rule, time_rule, date_rule)


def _number(s: Sentence, i: int) -> int:
    """Number tokens: lexicon ("4G"), phone, document, time, date, then plain quantity."""
    for rule in _NUMBER_RULES:
        j = rule(s, i)
        if j is not None:
            return j
    return quantity_rule(s, i)


def _word(s: Sentence, i: int) -> int:
    """Word tokens: an address starting here, else the word rules."""
    j = address_rule(s, i)
    return j if j is not None else word_rule(s, i)


def verbalise(sentence: str, lexicon: Lexicon) -> tuple[str, list[RawChange]]:
    """Spoken form of one sentence and its changes (offsets into ``sentence``)."""
    s = Sentence(sentence, lexicon)
    kinds, texts = s.kinds, s.texts
    n = s.n
    plain_from = 0  # start of the pending run of tokens copied unchanged
    i = 0
    while i < n:
        kind = kinds[i]
        if kind == WS or (
            kind == WORD and is_plain(lexicon, texts[i]) and (i + 1 == n or texts[i + 1] not in _ADDRESS_MARKS)
        ):
            i += 1
            continue
        if plain_from < i:
            s.keep(plain_from, i)
        if kind == WORD:
            i = _word(s, i)
        elif kind == NUM:
            i = _number(s, i)
        else:
            i = symbol_rule(s, i)
        plain_from = i
    if plain_from < n:
        s.keep(plain_from, n)
    return s.result(), s.changes
