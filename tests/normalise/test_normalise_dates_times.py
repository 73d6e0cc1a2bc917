"""Dates, day ranges, month/year, quarters and clock times."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Sáng 9/4, xã họp.", "sáng ngày chín tháng tư, xã họp."),
        (
            "Ngày 21/11/2024 khai mạc.",
            "ngày hai mươi mốt tháng mười một năm hai nghìn không trăm hai mươi tư khai mạc.",
        ),
        ("Trước 07/3/2025.", "trước ngày bảy tháng ba năm hai nghìn không trăm hai mươi lăm."),
        ("Từ 01/01/2026.", "từ ngày một tháng một năm hai nghìn không trăm hai mươi sáu."),
        ("Ngày 12.5.2023 họp.", "ngày mười hai tháng năm năm hai nghìn không trăm hai mươi ba họp."),
        ("Ngày 5-6-2024 họp.", "ngày năm tháng sáu năm hai nghìn không trăm hai mươi tư họp."),
        ("Chiều 14-10, hội nghị bế mạc.", "chiều ngày mười bốn tháng mười, hội nghị bế mạc."),
        ("Ngày mùng 8 tháng Giêng.", "ngày mùng tám tháng giêng."),
    ],
)
def test_dates(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Từ 3-5/7/2024.", "từ ngày ba đến ngày năm tháng bảy năm hai nghìn không trăm hai mươi tư."),
        ("Trong 2 ngày 20-21/9.", "trong hai ngày hai mươi đến ngày hai mươi mốt tháng chín."),
        ("Từ ngày 10 đến 12/8/2024.", "từ ngày mười đến ngày mười hai tháng tám năm hai nghìn không trăm hai mươi tư."),
    ],
)
def test_day_ranges(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Từ tháng 4/2019.", "từ tháng tư năm hai nghìn không trăm mười chín."),
        ("Hết 12/2025.", "hết tháng mười hai năm hai nghìn không trăm hai mươi lăm."),
        ("Trong quý II/2024.", "trong quý hai năm hai nghìn không trăm hai mươi tư."),
        ("Trong quý 3/2024.", "trong quý ba năm hai nghìn không trăm hai mươi tư."),
        ("Năm 2022 tăng.", "năm hai nghìn không trăm hai mươi hai tăng."),
        ("Trong tháng 4 và tháng 04.", "trong tháng tư và tháng tư."),
        ("Sau 4 tháng.", "sau bốn tháng."),
    ],
)
def test_months_quarters_years(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Lúc 9h15.", "lúc chín giờ mười lăm phút."),
        ("Lúc 21h.", "lúc hai mươi mốt giờ."),
        ("Lúc 18h00.", "lúc mười tám giờ."),
        ("Lúc 13:45.", "lúc mười ba giờ bốn mươi lăm phút."),
        ("Lúc 15 giờ 20 ngày mai.", "lúc mười lăm giờ hai mươi phút ngày mai."),
        ("Lúc 9 giờ 30 phút.", "lúc chín giờ ba mươi phút."),
        ("Làm việc 13h30-17h00.", "làm việc mười ba giờ ba mươi phút đến mười bảy giờ."),
        ("Trong 48h tới.", "trong bốn mươi tám giờ tới."),
    ],
)
def test_times(say, text: str, spoken: str) -> None:
    assert say(text) == spoken
