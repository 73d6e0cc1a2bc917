"""Numbers with what follows them: units, %, currency, letters ("1A"), ordinals, minutes.

The unit is looked up in the lexicon's ``units.tsv`` by joining up to three
glued tokens ("°" + "C", "m" + "2", "km²"), so new units are data, not code.
"""

from __future__ import annotations

from .dates import month
from .numbers import count, decimal, number_token, ordinal
from .spelling import spell
from .state import NUM, NUMERIC, WORD, WORDY, WS, Sentence

_MONEY = frozenset({"đ", "đồng", "VNĐ", "VND", "USD", "$"})
_MAX_UNIT_TOKENS = 3
MAGNITUDES = frozenset({"nghìn", "ngàn", "triệu", "tỷ", "tỉ"})
# Words before a zero-padded number that make it a name, read digit by digit ("Đề án 06", "Kế hoạch số 02").
NAMING_WORDS = frozenset(
    {
        "án", "thị", "định", "hoạch", "tư", "văn", "lệnh", "mã", "hiệu", "số", "báo", "quyết", "luật", "mẫu",
        "biểu", "lục", "trình", "kiốt", "ki-ốt", "lô", "phòng", "tuyến", "xe", "hồ", "sơ",
    }
)  # fmt: skip


def _zero_padded_count(s: Sentence, i: int, text: str) -> bool:
    """ "có 02 xã", "07 giờ 30", "cử 01 người": a zero-padded number that counts, not one that names."""
    if len(text) < 2 or text[0] != "0" or not text.isdigit() or len(text) > 3 or text == "00":
        return False
    if s.prev_word(i) in NAMING_WORDS:
        return False
    prev = s.prev_solid(i)
    if prev > 0 and s.kinds[prev] == WORD and s.texts[prev][:1].isupper():
        return False  # "Tổ 03", "Đội 02": a capitalised name before it
    nxt = s.next_solid(i)
    return nxt > 0 and s.kinds[nxt] == WORD and s.texts[nxt][:1].islower()


def unit_at(s: Sentence, j: int, spaced: bool) -> tuple[int, str, str] | None:
    """A unit starting at token ``j``, as (end index, spoken, rule)."""
    for width in range(_MAX_UNIT_TOKENS, 0, -1):
        end = j + width
        if end > s.n:
            continue
        if WS in s.kinds[j:end]:
            continue
        written = "".join(s.texts[j:end])
        found = s.lex.unit(written)
        if found is None:
            continue
        spoken, scope = found
        if spaced and scope == "glued":
            continue
        if s.glued(end, WORD) is not None:
            continue  # "m2" in "m2x" is not a unit: it must end at a word boundary
        rule = "percent" if written in ("%", "‰") else "money" if written in _MONEY else "unit"
        return end, spoken, rule
    return None


def _unit_after(s: Sentence, i: int) -> tuple[int, str, str] | None:
    j = i + 1
    if j >= s.n:
        return None
    spaced = s.kinds[j] == WS
    if spaced:
        if s.texts[j] not in (" ", "\u00a0"):
            return None
        j += 1
    if j >= s.n:
        return None
    return unit_at(s, j, spaced)


def _is_point_decimal(s: Sentence, i: int, text: str) -> bool:
    """``3.5`` (not a thousands group) followed by a magnitude word or a unit."""
    head, dot, tail = text.partition(".")
    if not dot or "." in tail or "," in text or not 1 <= len(tail) <= 2 or (head[0] == "0" and len(head) > 1):
        return False
    return s.next_word(i) in MAGNITUDES or _unit_after(s, i) is not None


def _is_minutes(s: Sentence, i: int, text: str) -> bool:
    """Minutes in "14 giờ 30": a number right after "giờ" that follows an hour (adds "phút")."""
    if not text.isdigit() or len(text) > 2 or int(text) > 59 or s.prev_word(i) != "giờ":
        return False
    hour = s.prev_solid(s.prev_solid(i))
    if hour < 0 or s.kinds[hour] != NUM:
        return False
    return s.texts[hour].isdigit() and len(s.texts[hour]) <= 2 and s.next_word(i) != "phút"


def quantity_rule(s: Sentence, i: int) -> int:
    """Read a number plus an optional unit / % / letter suffix."""
    text = s.texts[i]
    prev = s.prev_word(i)
    if prev == "thứ" and text.isdigit():
        spoken = ordinal(text)
    elif prev == "tháng" and text.isdigit() and len(text) <= 2 and 1 <= int(text) <= 12:
        spoken = month(text)  # "tháng 4" → tháng tư, "tháng 04" → tháng tư
    elif _zero_padded_count(s, i, text):
        spoken = count(text)
    elif _is_point_decimal(s, i, text):
        head, _, tail = text.partition(".")
        spoken = decimal(head, tail)  # "3.5 tỷ đồng": a decimal point, not a version number
    else:
        spoken = number_token(text)
    rule = "number"
    end = i + 1
    if _is_minutes(s, i, text) or (text == "00" and s.prev_word(i) == "giờ" and s.next_word(i) == "phút"):
        if not int(text):
            if s.next_word(i) == "phút":
                end = s.next_solid(i) + 1  # "14 giờ 00 phút" → mười bốn giờ
            return s.say(i, end, "", "time", NUMERIC)  # "8 giờ 00" → tám giờ
        spoken += " phút"
        rule = "time"
    unit = _unit_after(s, i)
    if unit is not None:
        end, unit_spoken, rule = unit
        spoken += " " + unit_spoken
    else:
        letters = s.glued(i + 1, WORD)
        if letters is not None and letters.isupper() and len(letters) <= 3:
            spoken += " " + spell(letters, s.lex)  # "Quốc lộ 1A", "lớp 10A"
            end = i + 2
            rule = "code"
    return s.say(i, end, spoken, rule, WORDY if rule == "code" else NUMERIC)
