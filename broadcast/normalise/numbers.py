"""Vietnamese number words, northern reading (nghìn, linh, mốt, tư, lăm).

Everything here works on digit *strings*, never on huge ints: Python refuses
``int()`` on more than 4,300 digits, and a bulletin can contain garbage like a
megabyte of digits. Anything longer than :data:`MAX_CARDINAL_DIGITS` is read
digit by digit, which is also what an announcer would do with it.
"""

from __future__ import annotations

from functools import lru_cache

DIGIT_WORDS: tuple[str, ...] = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: Longest integer read as a cardinal (below 10^15, i.e. up to "nghìn tỷ").
MAX_CARDINAL_DIGITS = 15

_GROUP_SCALES: tuple[str, ...] = ("", "nghìn", "triệu")


def digits(text: str) -> str:
    """Read every ASCII digit of ``text`` on its own: ``"0205"`` → ``"không hai không năm"``."""
    return " ".join(DIGIT_WORDS[ord(ch) - 48] for ch in text if "0" <= ch <= "9")


def _tens_units(t: int, u: int, after_hundreds: bool) -> list[str]:
    if t == 0:
        if not u:
            return []
        return ["linh", DIGIT_WORDS[u]] if after_hundreds else [DIGIT_WORDS[u]]
    words = ["mười"] if t == 1 else [DIGIT_WORDS[t], "mươi"]
    if u == 1 and t > 1:
        words.append("mốt")
    elif u == 4 and t > 1:
        words.append("tư")
    elif u == 5:
        words.append("lăm")
    elif u:
        words.append(DIGIT_WORDS[u])
    return words


def _group(value: int, full: bool) -> list[str]:
    """Read 0 < value < 1000; ``full`` reads a non-leading group with its hundreds ("không trăm")."""
    h, rest = divmod(value, 100)
    t, u = divmod(rest, 10)
    words: list[str] = []
    if full or h:
        words += [DIGIT_WORDS[h], "trăm"]
    words += _tens_units(t, u, bool(words))
    return words


def _below_billion(value: int, leading: bool) -> list[str]:
    words: list[str] = []
    for scale in (2, 1, 0):
        group = (value // 1000**scale) % 1000
        if not group:
            continue
        words += _group(group, full=not leading)
        if _GROUP_SCALES[scale]:
            words.append(_GROUP_SCALES[scale])
        leading = False
    return words


def _cardinal_words(value: int) -> list[str]:
    if value == 0:
        return ["không"]
    high, low = divmod(value, 1_000_000_000)
    if not high:
        return _below_billion(low, leading=True)
    words = [*_cardinal_words(high), "tỷ"]
    if low:
        words += _below_billion(low, leading=False)
    return words


def cardinal(text: str) -> str:
    """Read a run of ASCII digits as a cardinal number; leading zeros are ignored.

    Over-long runs are read digit by digit (see module docstring).
    """
    if len(text) <= MAX_CARDINAL_DIGITS:
        return _short_cardinal(text)
    stripped = text.lstrip("0")
    if len(stripped) > MAX_CARDINAL_DIGITS:
        return digits(text)
    return _short_cardinal(stripped)


@lru_cache(maxsize=8192)
def _short_cardinal(text: str) -> str:
    """Cached: bulletins repeat the same years, days and small counts (keys are at most 15 digits)."""
    stripped = text.lstrip("0")
    if not stripped:
        return "không"
    return " ".join(_cardinal_words(int(stripped)))


#: A run of this many digits or more with no separators is a hotline, account or fax number.
LONG_DIGIT_RUN = 7


def integer(text: str) -> str:
    """Read a written integer: zero-padded numbers ("06", "08") and long digit runs digit by digit."""
    if (len(text) > 1 and text[0] == "0") or len(text) >= LONG_DIGIT_RUN:
        return digits(text)
    return cardinal(text)


def count(text: str) -> str:
    """A zero-padded count or clock hour ("có 02 xã", "07 giờ"): the zero is typing habit, not read."""
    if len(text) <= 3 and text.isdigit():
        return cardinal(text)
    return integer(text)


def fraction(text: str) -> str:
    """Read the part after a decimal comma: a cardinal, or digit by digit if it starts with 0."""
    if text[0] == "0" or len(text) > 3:
        return digits(text)
    return cardinal(text)


def decimal(int_part: str, frac_part: str) -> str:
    """Read ``int_part,frac_part`` as "... phẩy ..."."""
    return f"{cardinal(int_part)} phẩy {fraction(frac_part)}"


def ordinal(text: str) -> str:
    """Read a number after "thứ": 1 → nhất, 4 → tư, everything else as a cardinal."""
    stripped = text.lstrip("0")
    if stripped == "1":
        return "nhất"
    if stripped == "4":
        return "tư"
    return cardinal(text)


def is_thousands(text: str) -> bool:
    """True for ``12.922``-style integers: groups of exactly three digits after the first dot."""
    groups = text.split(".")
    if len(groups) < 2 or not 1 <= len(groups[0]) <= 3 or groups[0][0] == "0":
        return False
    return all(len(g) == 3 for g in groups[1:])


def number_token(text: str) -> str:
    """Read a number as written in a bulletin: ``12.922``, ``70,52``, ``1.352,6``, ``4.0``, ``06``.

    ``text`` is digits optionally separated by single ``.`` or ``,`` (the tokeniser
    guarantees this). ``.`` groups thousands and ``,`` is the decimal comma;
    dots that are not thousands separators ("4.0", "1.2.3") are read "chấm".
    """
    if "," in text:
        head, _, tail = text.partition(",")
        if "," not in tail and "." not in tail:
            if "." in head:
                if is_thousands(head):
                    return decimal(head.replace(".", ""), tail)
            else:
                return decimal(head, tail)
        # Lists such as "1,2,3" or mixed garbage: read the parts, keep the commas audible.
        return " phẩy ".join(number_token(part) for part in text.split(","))
    if "." in text:
        if is_thousands(text):
            return cardinal(text.replace(".", ""))
        return " chấm ".join(integer(part) for part in text.split("."))
    return integer(text)
