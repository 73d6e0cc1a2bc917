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
        "tính", "hạn", "dịp", "niệm", "lễ", "tết", "nhật", "hai", "ba", "tư", "năm", "sáu", "bảy",
    }
)  # fmt: skip
# Words after "d/m" that are typical after a date (otherwise a following noun means a count).
DATE_AFTER = frozenset(
    {
        "đến", "tới", "và", "hoặc", "tại", "năm", "vừa", "đã", "sẽ", "lúc", "hằng", "hàng", "là", "của",
        "nhằm", "để", "cho", "với", "về", "theo", "trên", "ở", "này", "sáng", "chiều", "tối",
        "trưa", "đêm", "có", "được", "đoàn", "ban", "các", "tỉnh", "huyện", "xã", "thành", "ông", "bà",
    }
)  # fmt: skip
MONTH_BEFORE = frozenset({"tháng", "quý"})


def month(text: str) -> str:
    """Month names are cardinals except April: tháng tư."""
    return "tư" if text.lstrip("0") == "4" else cardinal(text)


def _valid(day: str, mon: str) -> bool:
    return 1 <= int(day) <= 31 and 1 <= int(mon) <= 12


def _is_year(text: str) -> bool:
    return text.isdigit() and (len(text) == 4 or len(text) == 2)


def _small(tok: object) -> bool:
    return tok is not None and tok.text.isdigit() and len(tok.text) <= 2  # type: ignore[attr-defined]


def _date(s: Sentence, i: int, day: str, mon: str, year: str | None) -> str:
    prefix = "" if s.prev_word(i) in NO_DAY_WORD else "ngày "
    spoken = f"{prefix}{cardinal(day)} tháng {month(mon)}"
    if year:
        spoken += f" năm {cardinal(year)}"
    return spoken


def _looks_like_count(s: Sentence, i: int, end: int) -> bool:
    prev = s.prev_word(i)
    if prev == "thứ":
        return True
    if prev in DATE_BEFORE:
        return False
    nxt = s.next_solid(end - 1)
    if nxt < 0 or nxt != end + 1:
        return False  # end of sentence or punctuation right after: a date
    tok = s.toks[nxt]
    return tok.kind == WORD and tok.text.islower() and tok.text not in DATE_AFTER


def date_rule(s: Sentence, i: int) -> int | None:
    tok = s.toks[i]
    text = tok.text
    if text.count(".") == 2:  # 12.5.2023
        d, m, y = text.split(".")
        if len(d) <= 2 and len(m) <= 2 and len(y) == 4 and _valid(d, m):
            return s.say(i, i + 1, _date(s, i, d, m, y), "date", NUMERIC)
        return None
    if not text.isdigit() or len(text) > 2:
        return None
    sep = s.glued(i + 1, SYM)
    if sep is None or sep.text not in "/-":
        return None
    second = s.glued(i + 2, NUM)
    if second is None or not second.text.isdigit():
        return None
    sep2 = s.glued(i + 3, SYM)
    third = s.glued(i + 4, NUM)
    has_third = sep2 is not None and third is not None and third.text.isdigit()
    if sep.text == "/":
        if has_third and sep2.text == "/" and _is_year(third.text) and _small(second):  # type: ignore[union-attr]
            if _valid(text, second.text):
                return s.say(i, i + 5, _date(s, i, text, second.text, third.text), "date", NUMERIC)
            return None
        if len(second.text) == 4 and 1 <= int(text) <= 12 and 1900 <= int(second.text) <= 2100:
            lead = "" if s.prev_word(i) in MONTH_BEFORE else "tháng "
            spoken = f"{lead}{month(text)} năm {cardinal(second.text)}"
            return s.say(i, i + 3, spoken, "date", NUMERIC)
        if len(second.text) <= 2 and _valid(text, second.text) and not _looks_like_count(s, i, i + 3):
            return s.say(i, i + 3, _date(s, i, text, second.text, None), "date", NUMERIC)
        return None
    # "-": a day range "14-15/10[/2023]", a month range "tháng 9-10/2023" or "15-3-2024"
    if not has_third or not _small(second):
        return None
    if sep2.text == "-" and len(third.text) == 4 and _valid(text, second.text):  # type: ignore[union-attr]
        return s.say(i, i + 5, _date(s, i, text, second.text, third.text), "date", NUMERIC)
    if sep2.text != "/":  # type: ignore[union-attr]
        return None
    if s.prev_word(i) == "tháng" and len(third.text) == 4 and int(text) <= 12 and 1 <= int(second.text) <= 12:
        spoken = f"{month(text)} đến tháng {month(second.text)} năm {cardinal(third.text)}"
        return s.say(i, i + 5, spoken, "date", NUMERIC)
    if not _small(third) or not _valid(text, third.text) or not _valid(second.text, third.text):
        return None
    if int(text) >= int(second.text):
        return None
    year = None
    end = i + 5
    sep3, fourth = s.glued(i + 5, SYM, "/"), s.glued(i + 6, NUM)
    if sep3 is not None and fourth is not None and _is_year(fourth.text):
        year, end = fourth.text, i + 7
    prefix = "" if s.prev_word(i) in NO_DAY_WORD else "ngày "
    spoken = f"{prefix}{cardinal(text)} đến ngày {cardinal(second.text)} tháng {month(third.text)}"
    if year:
        spoken += f" năm {cardinal(year)}"
    return s.say(i, end, spoken, "date", NUMERIC)


def time_rule(s: Sentence, i: int) -> int | None:
    """``7h30``, ``16h``, ``17h00``, ``7g30``, ``14:30`` → "... giờ [... phút]"."""
    text = s.toks[i].text
    if not text.isdigit() or len(text) > 2 or int(text) > 24:
        return None
    mark = s.glued(i + 1)
    if mark is None or mark.text not in ("h", "g", "giờ", ":"):
        return None
    minutes = s.glued(i + 2, NUM)
    if minutes is not None and not (len(minutes.text) == 2 and minutes.text.isdigit() and int(minutes.text) < 60):
        minutes = None
    if minutes is None and mark.text in ("g", ":"):
        return None  # "500g" is grams, "Điều 5:" is punctuation
    if minutes is not None and s.glued(i + 3, WORD) is not None and mark.text != ":":
        return None  # "16h30abc": not a clock time
    spoken = f"{cardinal(text)} giờ"
    end = i + 2
    if minutes is not None:
        end = i + 3
        if int(minutes.text):
            spoken += f" {cardinal(minutes.text)} phút"
    return s.say(i, end, spoken, "time", NUMERIC)
