"""Symbols between and after words: ranges "-" → "đến", "/" → "trên", "%", "&", "@", "°", negatives."""

from __future__ import annotations

from .quantities import unit_at
from .state import NUM, NUMERIC, OTHER, SYM, WORD, WORDY, WS, Sentence

DASHES = frozenset("-–—")
_SIMPLE = {
    "%": ("phần trăm", "percent"),
    "‰": ("phần nghìn", "percent"),
    "&": ("và", "symbol"),
    "@": ("a còng", "symbol"),
}
_NEGATIVE_AFTER = frozenset("([:;,=")
# Words after "/" that make it "per" even with no number nearby ("nước sạch/ngày").
PER_WORDS = frozenset(
    {
        "ngày", "đêm", "tháng", "năm", "tuần", "quý", "vụ", "giờ", "phút", "giây", "người", "hộ", "khẩu",
        "lượt", "ca", "chuyến", "suất", "lần", "xã", "thôn", "học", "lớp", "trường", "con", "cây",
    }
)  # fmt: skip


def _dash(s: Sentence, i: int) -> int:
    """Between numbers (times, dates, percents…) "đến"; before a number that starts a value "âm"."""
    nxt = s.next_solid(i)
    if s.last_kind == NUMERIC and nxt > 0 and s.kinds[nxt] == NUM:
        return s.say(i, i + 1, "đến", "range", OTHER)
    starts_value = i == 0 or s.kinds[i - 1] == WS or s.texts[i - 1] in _NEGATIVE_AFTER
    if starts_value and s.last_kind != NUMERIC and s.glued(i + 1, NUM) is not None:
        return s.say(i, i + 1, "âm", "negative", OTHER)
    return s.keep(i, i + 1, OTHER)


def _slash(s: Sentence, i: int) -> int:
    """Counts and per-units read "trên"; a list of plain words gets a pause; stray slashes are silent."""
    prev, nxt = s.prev_solid(i), s.next_solid(i)
    if prev < 0 or nxt < 0 or s.kinds[nxt] not in (WORD, NUM):
        return s.say(i, i + 1, "", "symbol", OTHER)
    if s.kinds[prev] == SYM and s.texts[prev] not in "%‰)":
        return s.say(i, i + 1, "", "symbol", OTHER)
    if s.last_rule_end.get("phone") in (i, i - 1) and s.kinds[nxt] == NUM:
        return s.say(i, i + 1, ",", "slash", OTHER)  # "113/114/115": alternatives, not a ratio
    unit = unit_at(s, nxt, spaced=False) if nxt == i + 1 else None
    numeric = (
        s.last_kind == NUMERIC
        or s.kinds[nxt] == NUM
        or unit is not None
        or s.texts[nxt].lower() in PER_WORDS
        or s.number_before(i, 10)
    )
    if not numeric:
        return s.say(i, i + 1, ",", "slash", OTHER)  # "xã/phường": read as a list
    if unit is not None:
        end, spoken, _ = unit
        return s.say(i, end, "trên " + spoken, "per-unit", NUMERIC)
    return s.say(i, i + 1, "trên", "per-unit" if s.kinds[nxt] == WORD else "ratio", OTHER)


def _degree(s: Sentence, i: int) -> int:
    """ "°C" → độ xê, a lone "°" → độ."""
    unit = unit_at(s, i, spaced=False)
    if unit is not None:
        end, spoken, _ = unit
        return s.say(i, end, spoken, "unit", NUMERIC)
    return s.say(i, i + 1, "độ", "unit", NUMERIC)


def symbol_rule(s: Sentence, i: int) -> int:
    """Dispatch a symbol token; anything not listed here is copied (punctuation stays)."""
    text = s.texts[i]
    if text in DASHES:
        return _dash(s, i)
    if text == "/":
        return _slash(s, i)
    simple = _SIMPLE.get(text)
    if simple is not None:
        kind = NUMERIC if simple[1] == "percent" else WORDY
        return s.say(i, i + 1, simple[0], simple[1], kind)
    if text in "°º":
        return _degree(s, i)
    if text == "." and s.glued(i - 1, WORD) is not None and s.glued(i + 1, NUM) is not None:
        return s.say(i, i + 1, "", "symbol", OTHER)  # "QL.4B", "Km.15": the dot is not read
    if text == "+" and s.last_kind == NUMERIC and s.glued(i + 1, NUM) is not None:
        return s.say(i, i + 1, "cộng", "symbol", OTHER)  # "Km 25+500"
    if text == "~" and s.next_solid(i) > 0 and s.kinds[s.next_solid(i)] == NUM:
        return s.say(i, i + 1, "khoảng", "symbol", OTHER)
    return s.keep(i, i + 1, OTHER)
