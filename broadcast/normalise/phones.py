"""Phone numbers and service codes, read digit by digit ("0205.3812.345", "gọi 115", "1900 1234")."""

from __future__ import annotations

from .numbers import digits, is_thousands
from .state import NUM, NUMERIC, WORD, WS, Sentence

# One word before the number that announces a phone number ("gọi 115", "hotline 1900 ...").
PHONE_WORDS = frozenset({"hotline", "gọi", "fax", "sđt", "đt", "zalo", "sms", "nhắn", "cứu", "nạn", "hỏa", "hoả"})
# Two-word phrases ending just before the number ("tổng đài 1022", "điện thoại 0205...").
PHONE_PHRASES = frozenset({("tổng", "đài"), ("điện", "thoại"), ("dây", "nóng"), ("số", "máy")})
_SKIPPABLE = frozenset({":", "số", "ngay", "cho", "tới", "đến"})  # "gọi ngay 115", "gọi cho 114"
_SERVICE_PREFIXES = ("1800", "1900")
_MAX_DIGITS = 12


_CONNECTORS = frozenset({"và", "hoặc", ",", "/", ";"})


def _after_phone(s: Sentence, i: int) -> bool:
    """ "115 và 114", "113, 114": a number listed right after a phone number is one too."""
    end = s.last_rule_end.get("phone")
    if end is None:
        return False
    between = [t.lower() for k, t in zip(s.kinds[end:i], s.texts[end:i], strict=True) if k != WS]
    return len(between) == 1 and between[0] in _CONNECTORS


def _phone_context(s: Sentence, i: int) -> bool:
    """True if the words before token ``i`` (skipping ":" and "số") announce a phone number."""
    if _after_phone(s, i):
        return True
    words: list[str] = []
    j = s.prev_solid(i)
    steps = 0
    while j >= 0 and len(words) < 2 and steps < 5:
        kind = s.kinds[j]
        text = s.texts[j].lower()
        if kind == WORD and not (text in _SKIPPABLE and not words):
            words.append(text)
        elif kind != WORD and text not in _SKIPPABLE:
            break
        j = s.prev_solid(j)
        steps += 1
    if not words:
        return False
    return words[0] in PHONE_WORDS or (len(words) == 2 and (words[1], words[0]) in PHONE_PHRASES)


def _groups(s: Sentence, i: int, total: int) -> tuple[int, int]:
    """Extend a number over following space-separated digit groups ("0912 345 678")."""
    j = i + 1
    while j + 1 < s.n and s.kinds[j] == WS and s.texts[j] == " ":
        group = s.texts[j + 1]
        if s.kinds[j + 1] != NUM or not group.isdigit() or not 2 <= len(group) <= 4:
            break
        if total + len(group) > _MAX_DIGITS:
            break
        total += len(group)
        j += 2
    return j, total


def phone_rule(s: Sentence, i: int) -> int | None:
    """Read a phone number or service code digit by digit, group separators silent."""
    text = s.texts[i]
    if "," in text or is_thousands(text):
        return None
    raw = text.replace(".", "")
    if len(raw) < 3:
        return None
    shaped = raw[0] == "0" or raw.startswith(_SERVICE_PREFIXES)
    context = _phone_context(s, i)
    if not shaped and not context:
        return None
    if raw[0] == "0" and len(raw) <= 4 and s.glued(i - 1) == "(" and s.glued(i + 1) == ")":
        end, total = _groups(s, i + 1, len(raw))  # "(0205) 3812 345": area code in brackets
    else:
        end, total = _groups(s, i, len(raw))
    if raw[0] == "0" and total < 9 and not context:
        return None  # "06", "0205" alone: a zero-padded number, not a phone
    if raw.startswith(_SERVICE_PREFIXES) and total != 8 and not context:
        return None
    if context and not shaped and total < 7:
        end = i + 1  # "gọi 115": no trailing groups for short codes
    spoken = digits(s.span(i, end))
    return s.say(i, end, spoken, "phone", NUMERIC)
