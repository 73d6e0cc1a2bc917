"""The rule engine: walk the tokens of one sentence and let the first applicable rule speak.

Rules are tried in a fixed priority per token kind; each returns the index after
the tokens it consumed. Every rule looks at a bounded window of tokens, so a
sentence is processed in linear time whatever it contains.
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
from .words import lexicon_rule, word_rule

_NUMBER_RULES = (lexicon_rule, phone_rule, document_rule, time_rule, date_rule)


def _number(s: Sentence, i: int) -> int:
    for rule in _NUMBER_RULES:
        j = rule(s, i)
        if j is not None:
            return j
    return quantity_rule(s, i)


def verbalise(sentence: str, lexicon: Lexicon) -> tuple[str, list[RawChange]]:
    """Spoken form of one sentence and its changes (offsets into ``sentence``)."""
    s = Sentence(sentence, lexicon)
    toks = s.toks
    i = 0
    while i < s.n:
        kind = toks[i].kind
        if kind == WS:
            i = s.keep(i, i + 1)
        elif kind == WORD:
            j = address_rule(s, i)
            i = j if j is not None else word_rule(s, i)
        elif kind == NUM:
            i = _number(s, i)
        else:
            i = symbol_rule(s, i)
    return s.result(), s.changes
