"""Web and e-mail addresses: ``datdai.langson.gov.vn`` → "đất đai chấm lạng sơn chấm gốp chấm vê en".

A label is read from ``web.tsv`` if it is listed, else as a concatenation of
listed pieces (``dichvucong`` = dịch vụ công), else spelled letter by letter.
The address is cut from the sentence at whitespace and capped in length, so the
regular expressions below only ever see a short string.
"""

from __future__ import annotations

import re

from .lexicon import Lexicon
from .numbers import cardinal, digits
from .spelling import spell
from .state import WORDY, WS, Sentence

MAX_ADDRESS_TOKENS = 80
_MAX_PIECE = 24
TLDS = frozenset({"vn", "com", "net", "org", "gov", "edu", "info", "io", "asia", "biz", "int"})
_TRAILING = frozenset(".,;:!?)]}\"'”’»…")
_OPENING = frozenset("([{\"'“‘«<:")
_EMAIL = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_URL = re.compile(r"(?:https?://)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)((?:/[A-Za-z0-9._~%-]*)*)", re.I)
_URL_WITH_PATH = re.compile(r"(?:https?://)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)[/?#]", re.I)
_LABEL_PART = re.compile(r"[A-Za-z]+|[0-9]+|[-_]")


def _segment(label: str, lex: Lexicon) -> str | None:
    """Read ``label`` as the fewest listed pieces, or None if it cannot be covered."""
    n = len(label)
    if n > 63:
        return None
    longest = min(lex.longest_web_word, _MAX_PIECE)
    best: list[tuple[int, int] | None] = [None] * (n + 1)  # (pieces, start of last piece)
    best[0] = (0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - longest), end):
            prev = best[start]
            if prev is None or lex.web_word(label[start:end]) is None:
                continue
            if best[end] is None or prev[0] + 1 < best[end][0]:
                best[end] = (prev[0] + 1, start)
    if best[n] is None:
        return None
    pieces: list[str] = []
    end = n
    while end:
        start = best[end][1]
        pieces.append(lex.web_word(label[start:end]) or "")
        end = start
    return " ".join(reversed(pieces))


def read_label(label: str, lex: Lexicon) -> str:
    """Read one dot-free part of an address."""
    low = label.lower()
    found = lex.web_word(low) or _segment(low, lex)
    if found:
        return found
    words: list[str] = []
    for part in _LABEL_PART.findall(label):
        if part == "-":
            words.append("gạch ngang")
        elif part == "_":
            words.append("gạch dưới")
        elif part.isdigit():
            words.append(digits(part) if len(part) > 2 or part[0] == "0" else cardinal(part))
        else:
            words.append(lex.web_word(part.lower()) or _segment(part.lower(), lex) or spell(part, lex))
    return " ".join(words)


def _dotted(text: str, lex: Lexicon) -> str:
    return " chấm ".join(read_label(p, lex) for p in text.split(".") if p)


def read_email(local: str, domain: str, lex: Lexicon) -> str:
    """ "vanthu@langson.gov.vn" → "văn thư a còng lạng sơn chấm gốp chấm vê en"."""
    return f"{_dotted(local, lex)} a còng {_dotted(domain, lex)}"


def read_url(host: str, path: str, lex: Lexicon) -> str:
    """Host labels joined by "chấm"; path segments after "gạch chéo"; the scheme is not read."""
    spoken = _dotted(host, lex)
    for segment in path.split("/")[1:]:
        spoken += " gạch chéo"
        if segment:
            spoken += " " + _dotted(segment, lex)
    return spoken


def address_rule(s: Sentence, i: int) -> int | None:
    """Read an e-mail or web address starting at token ``i`` (only at the start of a run)."""
    kinds, texts = s.kinds, s.texts
    if i > 0 and kinds[i - 1] != WS and texts[i - 1] not in _OPENING:
        return None
    nxt = s.glued(i + 1)
    if nxt is None or nxt not in ".@:":
        return None
    j = i
    limit = min(s.n, i + MAX_ADDRESS_TOKENS)
    while j < limit and kinds[j] != WS:
        j += 1
    if j == limit and j < s.n and kinds[j] != WS:
        return None
    while j > i and texts[j - 1] in _TRAILING:
        j -= 1
    if j - i < 3:
        return None
    run = s.span(i, j)
    if "@" in run:
        m = _EMAIL.fullmatch(run)
        if m is None:
            return None
        return s.say(i, j, read_email(m.group(1), m.group(2), s.lex), "email", WORDY)
    m = _URL.fullmatch(run)
    if m is None:
        m = _URL_WITH_PATH.match(run)  # a source link with a query or odd characters: the host is enough
        if m is None:
            return None
        path = "/long"
    else:
        path = m.group(2)
    host = m.group(1)
    labels = host.lower().split(".")
    if labels[-1] not in TLDS and not run.lower().startswith(("http", "www.")):
        return None
    if path.strip("/"):
        return s.say(i, j, read_url(host, "", s.lex), "url", WORDY)  # a source link: its host only
    return s.say(i, j, read_url(host, path, s.lex), "url", WORDY)
