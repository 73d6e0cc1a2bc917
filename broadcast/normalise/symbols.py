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
_RANGE_WORDS = frozenset({"thứ", "ngày", "tháng", "năm", "quý", "tuần"})
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
    if s.last_rule_end.get("phone") in (i, i - 1) and nxt > 0 and s.kinds[nxt] == NUM:
        return s.say(i, i + 1, ",", "slash", OTHER)  # "0205.3870.211 - 0986 123 456": two numbers, not a range
    if s.last_kind == NUMERIC and nxt > 0 and s.kinds[nxt] == NUM:
        return s.say(i, i + 1, "đến", "range", OTHER)
    if s.last_kind == NUMERIC and nxt > 0 and s.texts[nxt].lower() in _RANGE_WORDS:
        after = s.next_solid(nxt)
        if after > 0 and s.kinds[after] == NUM:
            return s.say(i, i + 1, "đến", "range", OTHER)  # "thứ 2 - thứ 6", "tháng 3 - tháng 5"
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


_MAX_BRACKET_TOKENS = 60
_SKIPPED_IN_INITIALS = frozenset({"và", "của", "-", ","})
# Words of an amount written out in full ("500.000 đồng (Năm trăm nghìn đồng)").
_AMOUNT_WORDS = frozenset(
    {
        "không", "một", "mốt", "hai", "ba", "bốn", "tư", "năm", "lăm", "sáu", "bảy", "tám", "chín", "mười",
        "mươi", "trăm", "nghìn", "ngàn", "triệu", "tỷ", "tỉ", "linh", "lẻ", "đồng", "chẵn", "bằng", "chữ",
        "việt", "nam", "phẩy", "đô", "la", "mỹ", "./.",
    }
)  # fmt: skip


def _closing(s: Sentence, i: int) -> int:
    """Index of the ")" closing the "(" at ``i`` within a short window, or -1."""
    for k in range(i + 1, min(s.n, i + _MAX_BRACKET_TOKENS)):
        if s.texts[k] == ")":
            return k
        if s.texts[k] == "(":
            return -1
    return -1


def _initials_before(s: Sentence, i: int, letters: str) -> bool:
    """True if the words before token ``i`` start with ``letters`` ("Thông tin và Truyền thông" ← "tttt")."""
    need = len(letters)
    j = s.prev_solid(i)
    while need and j >= 0:
        kind, word = s.kinds[j], s.texts[j].lower()
        if kind == WORD and word[0] == letters[need - 1]:
            need -= 1
        elif word not in _SKIPPED_IN_INITIALS or need == len(letters):
            return False
        j = s.prev_solid(j)
    return need == 0


def _defined_before(s: Sentence, i: int, close: int) -> bool:
    """ "Sở Thông tin và Truyền thông (TT&TT)": the bracket only names what was just said."""
    inner = [k for k in range(i + 1, close) if s.kinds[k] != WS]
    if not inner or s.kinds[inner[0]] != WORD or not s.texts[inner[0]][:1].isupper():
        return False
    written = s.span(inner[0], inner[-1] + 1)
    if any(s.kinds[k] == NUM for k in inner) or len(written) > 24:
        return False
    found = s.lex.match(s.kinds, s.texts, inner[0])
    if found is not None and found[0] == inner[-1] + 1:
        said = " ".join(_recent_output(s, len(found[1]) + 40).lower().split())
        if said.endswith(" ".join(found[1].lower().split())):
            return True
    letters = "".join(ch for ch in written if ch.isalpha())
    return len(letters) >= 2 and letters.isupper() and _initials_before(s, i, letters.lower())


def _recent_output(s: Sentence, chars: int) -> str:
    """The last ``chars`` or so characters said (bounded, so many brackets stay linear)."""
    tail: list[str] = []
    size = 0
    for k in range(len(s.out) - 1, -1, -1):
        tail.append(s.out[k])
        size += len(s.out[k])
        if size >= chars:
            break
    return "".join(reversed(tail))[-chars:]


def _amount_written_out(s: Sentence, i: int, close: int) -> bool:
    """ "500.000 đồng (năm trăm nghìn đồng)": the figure was just read; the words would say it again."""
    if s.last_kind != NUMERIC and s.prev_word(i) not in ("đồng", "usd", "vnđ") and not s.number_before(i, 12):
        return False
    words = [s.texts[k].lower() for k in range(i + 1, close) if s.kinds[k] == WORD]
    others = [s.texts[k] for k in range(i + 1, close) if s.kinds[k] not in (WORD, WS) and s.texts[k] not in ":,./"]
    return len(words) >= 2 and not others and all(w in _AMOUNT_WORDS for w in words)


def _bracket(s: Sentence, i: int) -> int:
    """A bracket that repeats what was just read is dropped; any other is kept."""
    close = _closing(s, i)
    if close > 0 and (_defined_before(s, i, close) or _amount_written_out(s, i, close)):
        return s.say(i, close + 1, "", "repeat", OTHER)
    return s.keep(i, i + 1, OTHER)


_COMPARISONS = {"≥": "từ", "≤": "không quá", ">": "trên", "<": "dưới", ">=": "từ", "<=": "không quá"}


def _comparison(s: Sentence, i: int) -> int | None:
    """ "(>= 2 con)", "≤ 5 tấn", "< 18 tuổi" before a number: said in words, never as a symbol."""
    text = s.texts[i]
    end = i + 1
    if text in "<>" and s.glued(i + 1, text="=") is not None:
        text, end = text + "=", i + 2
    nxt = s.next_solid(end - 1)
    if nxt < 0 or s.kinds[nxt] != NUM:
        return None
    return s.say(i, end, _COMPARISONS[text], "symbol", OTHER)


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
    if text == "(":
        return _bracket(s, i)
    if text in "≥≤<>":
        j = _comparison(s, i)
        if j is not None:
            return j
    if text in "'’" and s.last_rule_end.get("time") == i:
        return s.say(i, i + 1, "", "time", OTHER)  # "7h30'": the minute mark is not read
    if text == "." and s.glued(i - 1, WORD) is not None and s.glued(i + 1, NUM) is not None:
        return s.say(i, i + 1, "", "symbol", OTHER)  # "QL.4B", "Km.15": the dot is not read
    if text == "+":
        if s.last_kind == NUMERIC and s.next_solid(i) > 0 and s.kinds[s.next_solid(i)] == NUM:
            return s.say(i, i + 1, "cộng", "symbol", OTHER)  # "Km 25+500"
        return s.say(i, i + 1, "", "symbol", OTHER)  # a pasted "+" is never read "dấu cộng"
    if text == "~" and s.next_solid(i) > 0 and s.kinds[s.next_solid(i)] == NUM:
        return s.say(i, i + 1, "khoảng", "symbol", OTHER)
    return s.keep(i, i + 1, OTHER)
