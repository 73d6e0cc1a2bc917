"""Garbage never crashes the normaliser. (Speed on huge inputs is checked in bench/, not here.)"""

from __future__ import annotations

import random

import pytest

from broadcast.normalise import normalise, normalise_line

_rng = random.Random(7)
GARBAGE = [
    "",
    "\n\n\n",
    "\x00\x01\x02\ufeff\u200b",
    bytes(_rng.randrange(256) for _ in range(3000)).decode("latin-1"),
    "".join(chr(_rng.randrange(0x20, 0x2FFF)) for _ in range(3000)),
    "1" * 20_000,
    "1." * 3000,
    "1,1" * 3000,
    "/-/-/." * 1000,
    "....?!?!...",
    "%%%&&&@@@°°°",
    "中文 العربية русский 😀 ١٢٣ ²³ ½",
    "a@b.c@d.e",
    "http://",
    "99/99/9999 32/13 25:61 99h99",
    "- - -5 -- 5-- --5",
    "Quyết định số /QĐ-UBND ngày //2024",
    "x" * 5000 + ".vn",
    "1h" * 2000,
    "\u0301\u0301a\u0301",
    "ᄀ\u1161\u11a8 한국어",
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_does_not_crash(text: str) -> None:
    line = normalise_line(text)
    assert "\n" not in line
    spoken = normalise(text)
    for change in spoken.changes:
        assert text[change.start : change.end] == change.original
