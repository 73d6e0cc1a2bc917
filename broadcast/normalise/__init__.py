"""Vietnamese text normalisation for speech: bulletin text → what a radio announcer says.

>>> normalise_line("Ngày 12/5/2023, UBND tỉnh họp.")
'Ngày mười hai tháng năm năm hai nghìn không trăm hai mươi ba, Ủy ban nhân dân tỉnh họp.'

Conventions follow ``shared/corpus/NORMALISE-CONVENTIONS.md`` (northern readings).
The package is pure and thread-safe: database overrides are passed in through
:meth:`Lexicon.with_overrides`.
"""

from .lexicon import Lexicon, LexiconError, check_entry
from .models import Change, Spoken
from .pipeline import NOTHING_TO_SAY, default_lexicon, normalise, normalise_line, speakable

__all__ = [
    "NOTHING_TO_SAY",
    "Change",
    "Lexicon",
    "LexiconError",
    "Spoken",
    "check_entry",
    "default_lexicon",
    "normalise",
    "normalise_line",
    "speakable",
]
