"""The per-sentence working state shared by all rules: tokens, context look-ups and output.

A rule looks at token ``i`` (and a bounded number of neighbours), and either
declines (returns ``None``) or calls :meth:`Sentence.say` / :meth:`Sentence.keep`
for the tokens it consumed and returns the index after them.
"""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .tokens import NUM, SYM, WORD, WS, tokenize

# What the last emitted item was; ranges ("-" → "đến") and "/" → "trên" depend on it.
NOTHING, NUMERIC, WORDY, OTHER = 0, 1, 2, 3

_NO_SPACE_AFTER = frozenset("([{“‘«\"'/")
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

RawChange = tuple[int, int, str, str, str]


class Sentence:
    """Tokens of one sentence and the spoken output being built for it."""

    __slots__ = (
        "changes", "dropped", "kinds", "last_char", "last_kind", "last_rule_end", "lex", "n", "need_space", "out",
        "starts", "text", "texts",
    )  # fmt: skip

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex
        self.kinds, self.texts, self.starts = tokenize(text)
        self.n = len(self.texts)
        self.out: list[str] = []
        self.changes: list[RawChange] = []
        self.last_kind = NOTHING
        self.need_space = False
        self.last_char = ""
        self.last_rule_end: dict[str, int] = {}  # rule name → token index after its latest use
        self.dropped = False  # the latest output was a silent token: do not double the space around it

    # ------------------------------------------------------------- navigation
    def glued(self, i: int, kind: int | None = None, text: str | None = None) -> str | None:
        """Text of token ``i`` if it exists, is not whitespace, and has the given kind/text."""
        if i >= self.n or i < 0:
            return None
        k = self.kinds[i]
        if k == WS or (kind is not None and k != kind):
            return None
        tok = self.texts[i]
        if text is not None and tok != text:
            return None
        return tok

    def next_solid(self, i: int) -> int:
        """Index of the first non-whitespace token after ``i`` (-1 if none)."""
        j = i + 1
        if j < self.n and self.kinds[j] == WS:
            j += 1
        return j if j < self.n else -1

    def prev_solid(self, i: int) -> int:
        """Index of the last non-whitespace token before ``i`` (-1 if none)."""
        j = i - 1
        if j >= 0 and self.kinds[j] == WS:
            j -= 1
        return j

    def prev_word(self, i: int) -> str:
        """Lower-cased word just before token ``i`` (across whitespace), or ""."""
        j = self.prev_solid(i)
        if j >= 0 and self.kinds[j] == WORD:
            return self.texts[j].lower()
        return ""

    def next_word(self, i: int) -> str:
        """Lower-cased word just after token ``i`` (across whitespace), or ""."""
        j = self.next_solid(i)
        if j >= 0 and self.kinds[j] == WORD:
            return self.texts[j].lower()
        return ""

    def number_before(self, i: int, window: int = 6) -> bool:
        """True if a number token occurs among the ``window`` tokens before ``i``."""
        return NUM in self.kinds[max(0, i - window) : i]

    def span(self, i: int, j: int) -> str:
        """Original text of tokens ``[i, j)``."""
        return self.text[self.starts[i] : self.starts[j]]

    # ---------------------------------------------------------------- output
    def keep(self, i: int, j: int, kind: int = WORDY) -> int:
        """Copy tokens ``[i, j)`` unchanged."""
        self._verbatim(self.text[self.starts[i] : self.starts[j]])
        if j - i > 1 or self.kinds[i] != WS:
            self.last_kind = kind
        return j

    def say(self, i: int, j: int, spoken: str, rule: str, kind: int = NUMERIC) -> int:
        """Replace tokens ``[i, j)`` by ``spoken``, recording the change under ``rule``."""
        start, end = self.starts[i], self.starts[j]
        original = self.text[start:end]
        if spoken == original:
            self._verbatim(original)
            self.last_kind = kind
            return j
        self.changes.append((start, end, original, spoken, rule))
        self.last_rule_end[rule] = j
        if spoken and spoken[0] in ",;:" and self.out and self.out[-1].isspace():
            self.out.pop()  # "113 / 114" → "113, 114": no space before the comma
        if spoken:
            if not self.last_char:
                if not original[:1].islower():
                    spoken = spoken[:1].upper() + spoken[1:]
            elif (
                not self.last_char.isspace()
                and self.last_char not in _NO_SPACE_AFTER
                and (spoken[0].isalnum() or spoken[0] == "(")
            ):
                self.out.append(" ")
            self.out.append(spoken)
            self.last_char = spoken[-1]
            self.need_space = True
        else:
            self.dropped = True
            self.need_space = not (self.out and self.out[-1][-1:].isspace())
        self.last_kind = kind
        return j

    def _verbatim(self, text: str) -> None:
        if self.dropped:
            self.dropped = False
            if text[0].isspace() and self.out and self.out[-1][-1:].isspace():
                text = text.lstrip()
                if not text:
                    return
            if text[0] in ".,;:!?)" and self.out and self.out[-1][-1:].isspace():
                self.out[-1] = self.out[-1].rstrip()  # "đồng (…)." → "đồng."
        if self.need_space and (text[0].isalnum() or text[0] in "(-–—"):
            self.out.append(" ")
        self.out.append(text)
        self.need_space = False
        self.last_char = text[-1]

    def result(self) -> str:
        """The spoken sentence, on one line."""
        spoken = "".join(self.out).strip()
        return _LINE_BREAKS.sub(" ", spoken) if _LINE_BREAKS.search(spoken) else spoken


__all__ = ["NOTHING", "NUM", "NUMERIC", "OTHER", "SYM", "WORD", "WORDY", "WS", "RawChange", "Sentence"]
