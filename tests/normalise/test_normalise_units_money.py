"""Units (glued or spaced), per-unit slashes and money."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Dài 12 km.", "dài mười hai ki lô mét."),
        ("Rộng 4,5m.", "rộng bốn phẩy năm mét."),
        ("Mưa 65mm.", "mưa sáu mươi lăm mi li mét."),
        ("Diện tích 300 m2 và 40 m².", "diện tích ba trăm mét vuông và bốn mươi mét vuông."),
        ("Đổ 12 m3 bê tông, 9 m³ đất.", "đổ mười hai mét khối bê tông, chín mét khối đất."),
        ("Rét 5°C.", "rét năm độ xê."),
        ("Nặng 20 kg.", "nặng hai mươi ki lô gam."),
        ("Mỗi ha lúa.", "mỗi héc ta lúa."),
        ("Công suất 30 MW.", "công suất ba mươi mê ga oát."),
        ("Năng suất 55 tạ/ha.", "năng suất năm mươi lăm tạ trên héc ta."),
        ("Chạy 40 km/h.", "chạy bốn mươi ki lô mét trên giờ."),
        ("Giảm 2%/năm.", "giảm hai phần trăm trên năm."),
        ("Bơm 200 m3/giờ.", "bơm hai trăm mét khối trên giờ."),
        ("Mật độ 90 người/km².", "mật độ chín mươi người trên ki lô mét vuông."),
    ],
)
def test_units(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Hỗ trợ 25.500.000 đồng.", "hỗ trợ hai mươi lăm triệu năm trăm nghìn đồng."),
        ("Vốn 2,5 tỷ đồng.", "vốn hai phẩy năm tỷ đồng."),
        ("Vé 150.000đ.", "vé một trăm năm mươi nghìn đồng."),
        ("Giá 35.000đ/kg.", "giá ba mươi lăm nghìn đồng trên ki lô gam."),
        ("Thưởng 3.000.000 VNĐ.", "thưởng ba triệu việt nam đồng."),
        ("Xuất khẩu 1,2 tỷ USD.", "xuất khẩu một phẩy hai tỷ đô la mỹ."),
        ("Phụ cấp 40.000 đồng/ngày.", "phụ cấp bốn mươi nghìn đồng trên ngày."),
        ("Giá 12.000-15.000đ/kg.", "giá mười hai nghìn đến mười lăm nghìn đồng trên ki lô gam."),
    ],
)
def test_money(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


def test_slash_between_plain_words_is_a_pause(say) -> None:
    assert say("Các xã/phường báo cáo.") == "các xã, phường báo cáo."


def test_slash_before_a_time_word_is_per(say) -> None:
    assert say("Cấp 2.000 lít nước sạch/ngày.") == "cấp hai nghìn lít nước sạch trên ngày."
