"""Number reading, northern conventions (nghìn, linh, mốt, tư, lăm)."""

from __future__ import annotations

import pytest

from broadcast.normalise.numbers import cardinal, decimal, digits, integer, number_token, ordinal


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("0", "không"),
        ("5", "năm"),
        ("10", "mười"),
        ("14", "mười bốn"),
        ("15", "mười lăm"),
        ("21", "hai mươi mốt"),
        ("24", "hai mươi tư"),
        ("25", "hai mươi lăm"),
        ("30", "ba mươi"),
        ("100", "một trăm"),
        ("104", "một trăm linh bốn"),
        ("105", "một trăm linh năm"),
        ("110", "một trăm mười"),
        ("111", "một trăm mười một"),
        ("1000", "một nghìn"),
        ("1005", "một nghìn không trăm linh năm"),
        ("1012", "một nghìn không trăm mười hai"),
        ("2045", "hai nghìn không trăm bốn mươi lăm"),
        ("1979", "một nghìn chín trăm bảy mươi chín"),
        ("2024", "hai nghìn không trăm hai mươi tư"),
        ("51236", "năm mươi mốt nghìn hai trăm ba mươi sáu"),
        ("30500000", "ba mươi triệu năm trăm nghìn"),
        ("1028456", "một triệu không trăm hai mươi tám nghìn bốn trăm năm mươi sáu"),
        ("2000045", "hai triệu không trăm bốn mươi lăm"),
        ("1000000000", "một tỷ"),
        ("125600000000", "một trăm hai mươi lăm tỷ sáu trăm triệu"),
        ("2005000000", "hai tỷ không trăm linh năm triệu"),
        ("1500000000000", "một nghìn năm trăm tỷ"),
    ],
)
def test_cardinal(written: str, spoken: str) -> None:
    assert cardinal(written) == spoken


def test_overlong_numbers_are_read_digit_by_digit() -> None:
    assert cardinal("1" * 16) == " ".join(["một"] * 16)
    assert cardinal("9" * 5000).count("chín") == 5000  # no int() on huge strings


def test_zero_padded_integer_is_read_digit_by_digit() -> None:
    assert integer("06") == "không sáu"
    assert integer("6") == "sáu"
    assert digits("0205") == "không hai không năm"


@pytest.mark.parametrize(
    ("int_part", "frac", "spoken"),
    [
        ("70", "52", "bảy mươi phẩy năm mươi hai"),
        ("62", "1", "sáu mươi hai phẩy một"),
        ("7", "05", "bảy phẩy không năm"),
        ("0", "42", "không phẩy bốn mươi hai"),
        ("2", "07", "hai phẩy không bảy"),
    ],
)
def test_decimal(int_part: str, frac: str, spoken: str) -> None:
    assert decimal(int_part, frac) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("12.922", "mười hai nghìn chín trăm hai mươi hai"),
        ("10.600", "mười nghìn sáu trăm"),
        ("5.432,6", "năm nghìn bốn trăm ba mươi hai phẩy sáu"),
        ("1.352,6", "một nghìn ba trăm năm mươi hai phẩy sáu"),
        ("4.0", "bốn chấm không"),
        ("1,2,3", "một phẩy hai phẩy ba"),
    ],
)
def test_number_token(written: str, spoken: str) -> None:
    assert number_token(written) == spoken


def test_ordinal() -> None:
    assert ordinal("1") == "nhất"
    assert ordinal("4") == "tư"
    assert ordinal("2") == "hai"
    assert ordinal("14") == "mười bốn"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Huyện có 1.245 hộ nghèo.", "huyện có một nghìn hai trăm bốn mươi lăm hộ nghèo."),
        ("Tỷ lệ đạt 93,25%.", "tỷ lệ đạt chín mươi ba phẩy hai mươi lăm phần trăm."),
        ("Nhiệt độ -3°C.", "nhiệt độ âm ba độ xê."),
        ("Đề án 06 của Chính phủ.", "đề án không sáu của chính phủ."),
        ("Mô hình Chợ 4.0 ra mắt.", "mô hình chợ bốn chấm không ra mắt."),
        ("Kinh phí 3.5 tỷ đồng.", "kinh phí ba phẩy năm tỷ đồng."),
        ("Xếp thứ 1 toàn tỉnh, thứ 4 khu vực.", "xếp thứ nhất toàn tỉnh, thứ tư khu vực."),
        ("Họp vào thứ 2 và thứ 7.", "họp vào thứ hai và thứ bảy."),
        ("Bão số 5 gây mưa lớn.", "bão số năm gây mưa lớn."),
    ],
)
def test_numbers_in_sentences(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Giai đoạn 2026-2030.", "giai đoạn hai nghìn không trăm hai mươi sáu đến hai nghìn không trăm ba mươi."),
        ("Trồng từ 25-30 ha.", "trồng từ hai mươi lăm đến ba mươi héc ta."),
        ("Tăng 6 - 8% mỗi năm.", "tăng sáu đến tám phần trăm mỗi năm."),
        ("Gió cấp 7-8.", "gió cấp bảy đến tám."),
        ("Có 45/47 thôn tham gia.", "có bốn mươi lăm trên bốn mươi bảy thôn tham gia."),
        ("Thành lập 86 Tổ/84 thôn.", "thành lập tám mươi sáu tổ trên tám mươi tư thôn."),
        ("Xếp thứ 12/63 tỉnh.", "xếp thứ mười hai trên sáu mươi ba tỉnh."),
        ("Đạt 3/5 tiêu chí.", "đạt ba trên năm tiêu chí."),
    ],
)
def test_ranges_and_ratios(say, text: str, spoken: str) -> None:
    assert say(text) == spoken


def test_punctuation_dash_between_words_is_kept(say) -> None:
    assert say("Tuyến Lạng Sơn - Cao Bằng.") == "tuyến lạng sơn - cao bằng."
