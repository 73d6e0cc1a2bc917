"""Dates and clock times: ``12/5/2023``, ``14-15/10``, ``tháng 9/2017``, ``7h30``, ``14:30``.

"ngày" is inserted before a written date unless the previous word already is
"ngày" (or "mùng"/"mồng"). ``d/m`` is ambiguous with a count ("đạt 3/5 tiêu
chí"); it is taken as a count only when neither the word before nor the word
after suggests a date.
"""

from __future__ import annotations

from .numbers import cardinal
from .state import NUM, NUMERIC, SYM, WORD, Sentence

NO_DAY_WORD = frozenset({"ngày", "mùng", "mồng"})
# Words before "d/m" that make it a date.
DATE_BEFORE = frozenset(
    {
        "ngày", "mùng", "mồng", "sáng", "chiều", "tối", "trưa", "đêm", "hôm", "rạng", "từ", "đến", "tới",
        "trước", "sau", "vào", "lúc", "và", "hoặc", "hết", "đầu", "cuối", "giữa", "qua", "nay", "kể",
        "hạn", "dịp", "niệm", "lễ", "tết", "nhật", "hai", "ba", "tư", "năm", "sáu", "bảy",
    }
)  # fmt: skip
# Words after "d/m" that are typical after a date (otherwise a following noun means a count).
DATE_AFTER = frozenset(
    {
        "đến", "tới", "và", "hoặc", "tại", "năm", "vừa", "đã", "sẽ", "lúc", "hằng", "hàng", "là", "của",
        "nhằm", "để", "cho", "với", "về", "theo", "trên", "ở", "này", "sáng", "chiều", "tối", "trưa",
        "đêm", "có", "được", "diễn", "tổ", "khai", "bế",
    }
)  # fmt: skip
# Words before "d/m" that make it a count ("tỷ lệ 1/3", "đạt 8/10").
COUNT_BEFORE = frozenset(
    {"lệ", "có", "đạt", "gồm", "chiếm", "khoảng", "hơn", "gần", "còn", "bằng", "tăng", "giảm", "thứ", "được"}
)
MONTH_BEFORE = frozenset({"tháng", "quý", "số"})  # no "tháng" inserted after these ("số 8/2024")
# Words before "d-m" that make it a date ("Chiều 14-10", "ngày 2-9", "Quốc khánh 2-9"), not a range.
DASH_DATE_CUES = frozenset({"sáng", "chiều", "tối", "trưa", "đêm", "rạng", "ngày", "khánh", "lễ", "tết", "dịp"})


# Words before "d.m" that make it a date rather than a decimal or version ("ngày 7.10", "sáng 15.3").
DOT_DATE_CUES = frozenset({"ngày", "mùng", "mồng", "sáng", "chiều", "tối", "trưa", "đêm", "hôm", "rạng"})


def month(text: str) -> str:
    """Month names are cardinals except April: tháng tư."""
    return "tư" if text.lstrip("0") == "4" else cardinal(text)


def _valid(day: str, mon: str) -> bool:
    return 1 <= int(day) <= 31 and 1 <= int(mon) <= 12


def _is_year(text: str) -> bool:
    return text.isdigit() and (len(text) == 4 or len(text) == 2)


def _small(text: str | None) -> bool:
    return text is not None and text.isdigit() and len(text) <= 2


def _date(s: Sentence, i: int, day: str, mon: str, year: str | None) -> str:
    prefix = "" if s.prev_word(i) in NO_DAY_WORD else "ngày "
    spoken = f"{prefix}{cardinal(day)} tháng {month(mon)}"
    if year:
        spoken += f" năm {cardinal(year)}"
    return spoken


def _looks_like_count(s: Sentence, i: int, end: int) -> bool:
    prev = s.prev_word(i)
    if prev in COUNT_BEFORE:
        return True
    if prev in DATE_BEFORE:
        return False
    nxt = s.next_solid(end - 1)
    if nxt < 0 or nxt != end + 1:
        return False  # end of sentence or punctuation right after: a date
    word = s.texts[nxt]
    return s.kinds[nxt] == WORD and word.islower() and word not in DATE_AFTER


def _slash_date(s: Sentence, i: int, day: str, second: str, third: str | None, sep2: str | None) -> int | None:
    """``d/m/y``, ``m/yyyy`` or ``d/m`` starting at token ``i``."""
    if third is not None and sep2 == "/" and _is_year(third) and _small(second):
        if _valid(day, second):
            return s.say(i, i + 5, _date(s, i, day, second, third), "date", NUMERIC)
        return None
    if len(second) == 4 and 1 <= int(day) <= 12 and 1900 <= int(second) <= 2100:
        lead = "" if s.prev_word(i) in MONTH_BEFORE else "tháng "
        return s.say(i, i + 3, f"{lead}{month(day)} năm {cardinal(second)}", "date", NUMERIC)
    if len(second) <= 2 and _valid(day, second) and not _looks_like_count(s, i, i + 3):
        return s.say(i, i + 3, _date(s, i, day, second, None), "date", NUMERIC)
    return None


def _dash_date(s: Sentence, i: int, first: str, second: str, third: str, sep2: str) -> int | None:
    """``d1-d2/m[/y]`` (day range), ``tháng m1-m2/yyyy`` or ``d-m-yyyy``."""
    if sep2 == "-":
        if len(third) == 4 and _valid(first, second):
            return s.say(i, i + 5, _date(s, i, first, second, third), "date", NUMERIC)
        return None
    if sep2 != "/":
        return None
    if s.prev_word(i) == "tháng" and len(third) == 4 and 1 <= int(first) < int(second) <= 12:
        spoken = f"{month(first)} đến tháng {month(second)} năm {cardinal(third)}"
        return s.say(i, i + 5, spoken, "date", NUMERIC)
    if not _small(third) or not _valid(first, third) or not _valid(second, third) or int(first) >= int(second):
        return None
    year, end = None, i + 5
    fourth = s.glued(i + 6, NUM)
    if s.glued(i + 5, SYM, "/") is not None and fourth is not None and _is_year(fourth):
        year, end = fourth, i + 7
    prefix = "" if s.prev_word(i) in NO_DAY_WORD else "ngày "
    spoken = f"{prefix}{cardinal(first)} đến ngày {cardinal(second)} tháng {month(third)}"
    if year:
        spoken += f" năm {cardinal(year)}"
    return s.say(i, end, spoken, "date", NUMERIC)


def date_rule(s: Sentence, i: int) -> int | None:
    """Dates starting at number token ``i``: d.m.yyyy, d/m/y, m/yyyy, d/m, d1-d2/m[/y], d-m[-yyyy]."""
    text = s.texts[i]
    if text.count(".") == 1 and s.prev_word(i) in DOT_DATE_CUES:  # "ngày 7.10"
        d, m = text.split(".")
        if len(d) <= 2 and len(m) <= 2 and _valid(d, m):
            return s.say(i, i + 1, _date(s, i, d, m, None), "date", NUMERIC)
        return None
    if text.count(".") == 2:  # 12.5.2023
        d, m, y = text.split(".")
        if len(d) <= 2 and len(m) <= 2 and len(y) == 4 and _valid(d, m):
            return s.say(i, i + 1, _date(s, i, d, m, y), "date", NUMERIC)
        return None
    if not text.isdigit() or len(text) > 2:
        return None
    sep = s.glued(i + 1, SYM)
    second = s.glued(i + 2, NUM)
    if sep is None or sep not in "/-" or second is None or not second.isdigit():
        return None
    sep2 = s.glued(i + 3, SYM)
    third = s.glued(i + 4, NUM) if sep2 is not None else None
    if third is not None and not third.isdigit():
        third = None
    if sep == "/":
        return _slash_date(s, i, text, second, third, sep2)
    if third is None or sep2 is None or not _small(second):
        return _dash_day_month(s, i, text, second)
    return _dash_date(s, i, text, second, third, sep2)


def _dash_day_month(s: Sentence, i: int, day: str, mon: str) -> int | None:
    """``Chiều 14-10`` and ``ngày 2-9`` are dates; ``cấp 6-7`` and ``ngày 14-15`` are ranges."""
    if len(mon) > 2 or not _valid(day, mon):
        return None
    if s.prev_word(i) in DASH_DATE_CUES:
        return s.say(i, i + 3, _date(s, i, day, mon, None), "date", NUMERIC)
    return None


def time_rule(s: Sentence, i: int) -> int | None:
    """``7h30``, ``16h``, ``17h00``, ``7g30``, ``14:30`` → "... giờ [... phút]"."""
    text = s.texts[i]
    if not text.isdigit() or len(text) > 2 or int(text) > 24:
        return None
    mark = s.glued(i + 1)
    if mark is None or mark not in ("h", "H", "g", "giờ", ":"):
        return None
    minutes = s.glued(i + 2, NUM)
    if minutes is not None and not (len(minutes) == 2 and minutes.isdigit() and int(minutes) < 60):
        minutes = None
    if minutes is None and mark in ("g", ":"):
        return None  # "500g" is grams, "Điều 5:" is punctuation
    if minutes is not None and mark != ":" and s.glued(i + 3, WORD) is not None:
        return None  # "16h30abc": not a clock time
    spoken = f"{cardinal(text)} giờ"
    if s.last_rule_end.get("date") in (i, i - 1) and s.last_kind == NUMERIC:
        spoken = ", " + spoken  # "07/05/2020 06:13": a pause, or the hour runs into the year
    end = i + 2
    if minutes is not None:
        end = i + 3
        if int(minutes):
            spoken += f" {cardinal(minutes)} phút"
    return s.say(i, end, spoken, "time", NUMERIC)
