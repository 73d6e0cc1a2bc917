"""Abbreviations, unknown capitals, single letters, Roman numerals, addresses, phones."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("UBND huyện họp.", "ủy ban nhân dân huyện họp."),
        ("Thường trực HĐND xã.", "thường trực hội đồng nhân dân xã."),
        ("Sở TT&TT, Sở GD&ĐT.", "sở thông tin và truyền thông, sở giáo dục và đào tạo."),
        ("Đẩy mạnh CĐS, CNTT.", "đẩy mạnh chuyển đổi số, công nghệ thông tin."),
        ("Đ/c Bí thư.", "đồng chí bí thư."),
        ("Gặp đ/c Hà.", "gặp đồng chí hà."),
        ("TP. Lạng Sơn.", "thành phố lạng sơn."),
        ("Tp. Cao Bằng.", "thành phố cao bằng."),
        ("Ông ở TP.", "ông ở thành phố."),
        ("Phòng chống COVID-19.", "phòng chống cô vít mười chín."),
        ("Sóng 4G, 5G.", "sóng bốn gờ, năm gờ."),
        ("Rau, củ, v.v. đều tăng.", "rau, củ, vân vân đều tăng."),
        ("Sản phẩm OCOP.", "sản phẩm ô cốp."),
    ],
)
def test_abbreviations(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


def test_unknown_capitals_are_spelled(say) -> None:
    assert say("Chỉ số DTI tăng.") == "chỉ số dê tê i tăng."
    assert say("Chỉ số PCI tăng.") == "chỉ số pê xê i tăng."


def test_words_typed_in_capitals_are_read(say) -> None:
    assert say("THÔNG BÁO KHẨN") == "thông báo khẩn"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Nhóm A và nhóm B.", "nhóm a và nhóm bê."),
        ("Quốc lộ 3B.", "quốc lộ ba bê."),
        ("Y tế xã.", "y tế xã."),
    ],
)
def test_letters(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Quý III.", "quý ba."),
        ("Khóa XV.", "khóa mười lăm."),
        ("Đại hội XIV.", "đại hội mười bốn."),
        ("Chương IV.", "chương bốn."),
        ("Lần thứ IV.", "lần thứ tư."),
        ("Lần thứ I.", "lần thứ nhất."),
        ("Thế kỷ XXI.", "thế kỷ hai mươi mốt."),
    ],
)
def test_roman_numerals(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Gọi 113.", "gọi một một ba."),
        ("Gọi số 114 khi có cháy.", "gọi số một một bốn khi có cháy."),
        ("Tổng đài 1022.", "tổng đài một không hai hai."),
        ("Hotline 1800 1091.", "hotline một tám không không một không chín một."),
        ("Điện thoại 0205.3812.345.", "điện thoại không hai không năm ba tám một hai ba bốn năm."),
        ("Liên hệ 0987 654 321.", "liên hệ không chín tám bảy sáu năm bốn ba hai một."),
        ("Gọi 113, 114 hoặc 115.", "gọi một một ba, một một bốn hoặc một một năm."),
        ("Có 114 hộ và 115 người.", "có một trăm mười bốn hộ và một trăm mười lăm người."),
        ("Gọi số 113 / 114.", "gọi số một một ba, một một bốn."),
        ("Gọi 113/114.", "gọi một một ba, một một bốn."),
        ("Điện thoại (0205) 3812 345.", "điện thoại (không hai không năm ba tám một hai ba bốn năm."),
    ],
)
def test_phones(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Xem tại baocaobang.vn.", "xem tại báo cao bằng chấm vê en."),
        ("Truy cập www.caobang.gov.vn.", "truy cập vê kép vê kép vê kép chấm cao bằng chấm gốp chấm vê en."),
        ("Gửi hotro@langson.gov.vn.", "gửi hỗ trợ a còng lạng sơn chấm gốp chấm vê en."),
        ("Trang stttt.langson.gov.vn.", "trang ét tê tê tê tê chấm lạng sơn chấm gốp chấm vê en."),
    ],
)
def test_addresses(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


def test_abbreviation_followed_by_number_with_dot(say) -> None:
    assert say("Tuyến QL.4A.") == "tuyến quốc lộ bốn a."
