"""Document numbers: number, "năm" + year, code letters by name; separators silent."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Quyết định số 412/QĐ-UBND.", "quyết định số bốn trăm mười hai quy đê u bê en dê."),
        ("Chỉ thị 03/CT-TU.", "chỉ thị không ba xê tê tê u."),
        ("Nghị quyết số 57-NQ/TW.", "nghị quyết số năm mươi bảy en quy tê vê kép."),
        (
            "Thông tư 02/2024/TT-BNNPTNT.",
            "thông tư không hai năm hai nghìn không trăm hai mươi tư tê tê bê en en pê tê en tê.",
        ),
        ("Quyết định 882/QĐ-TTg.", "quyết định tám trăm tám mươi hai quy đê tê tê giê."),
        ("Luật số 24/2018/QH14.", "luật số hai mươi tư năm hai nghìn không trăm mười tám quy hát mười bốn."),
        ("Công văn 1502/UBND-NC ngày 3/5.", "công văn một nghìn năm trăm linh hai u bê en dê en xê ngày ba tháng năm."),
    ],
)
def test_document_numbers(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


def test_roman_numeral_after_dash_is_not_a_document_code(say) -> None:
    assert say("Xăng RON 95-III.") == "xăng ron chín mươi lăm - ba."
