"""Regression corpus of real-shaped paragraphs, and the issue's done-when check through the real CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from broadcast.normalise import normalise

CORPUS = Path(__file__).parent / "corpus" / "real_paragraphs.txt"
# What a listener must never hear: symbol names, symbols, emoji, digits.
SYMBOL_NAMES = ("dấu sao", "dấu cộng", "dấu thăng", "gạch chéo", "gạch ngang", "loa phát thanh", "chấm hát tê em")
FORBIDDEN = re.compile(r"[0-9*#|•+@%&/\\_=~`<>\u2190-\u2bff\U0001f000-\U0001faff]")


def _entries() -> list[tuple[str, str]]:
    body = "\n".join(line for line in CORPUS.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    entries = []
    for block in body.split("=====\n"):
        text, expected = block.split("-----\n")
        entries.append((text.rstrip("\n"), expected.rstrip("\n")))
    return entries


def _repeated_phrase(spoken: str) -> str | None:
    """A phrase of three or more words said twice in a row ("Thông tin và Truyền thông (Thông tin và …")."""
    words = re.sub(r"[^\w\s]", " ", spoken.lower()).split()
    for size in range(3, 8):
        for k in range(len(words) - 2 * size + 1):
            if words[k : k + size] == words[k + size : k + 2 * size]:
                return " ".join(words[k : k + size])
    return None


def check_heard_right(spoken: str) -> None:
    assert FORBIDDEN.search(spoken) is None, spoken
    for name in SYMBOL_NAMES:
        assert name not in spoken.lower(), (name, spoken)
    assert _repeated_phrase(spoken) is None, spoken


@pytest.mark.parametrize(("text", "expected"), _entries(), ids=lambda v: v[:30] if isinstance(v, str) else v)
def test_real_shaped_paragraphs(text: str, expected: str) -> None:
    spoken = normalise(text)
    assert spoken.text == expected
    check_heard_right(spoken.text)
    for change in spoken.changes:
        assert text[change.start : change.end] == change.original


def test_corpus_is_not_trivial() -> None:
    entries = _entries()
    assert len(entries) >= 8
    joined = "\n".join(text for text, _ in entries)
    for shape in ("•", "* ", "+ ", "| ", "\t", "📢", "(NN&MT)", "02 ", ".Vùng", "L.T.M.", "https://", "KTTV", "SLẢI"):
        assert shape in joined, shape


def test_done_when_paragraph_through_the_cli() -> None:
    paragraph = (
        "• 📢 Sở Thông tin và Truyền thông (TT&TT) cho biết * có 02 xã | mất sóng | ngày 7.10 | tại NÀ SLẢI; "
        "theo KTTV mưa còn kéo dài 🌧️🌧️, chi tiết: https://baocaobang.vn/thoi-su/mua-lu-keo-dai-o-cac-xa-vung-cao-3179954.html"
    )
    result = subprocess.run(
        [sys.executable, "-m", "broadcast.cli", "normalise"],
        input=paragraph + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    spoken = result.stdout.strip()
    assert "\n" not in spoken
    check_heard_right(spoken)
    assert "Thông tin và Truyền thông cho biết" in spoken
    assert "có hai xã" in spoken
    assert "ngày bảy tháng mười" in spoken
    assert "Slải" in spoken and "ét e lờ" not in spoken
    assert "Khí tượng Thủy văn" in spoken
    assert spoken.rstrip(".").endswith("báo cao bằng chấm vê en")
