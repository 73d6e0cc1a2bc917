"""Real bulletins as officials paste them (issue 11, conventions §10): the eight groups of reading errors.

Every example here was written for these tests in the shape of the errors heard on real notices.
"""

from __future__ import annotations

import pytest

from broadcast.normalise import default_lexicon, normalise, normalise_line


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Thôn Khuổi Phầy có 03 hộ bị sạt lở.", "Thôn Khuổi Phầy có ba hộ bị sạt lở."),
        ("Xã cử 02 cán bộ tham gia đoàn.", "Xã cử hai cán bộ tham gia đoàn."),
        ("Đoàn gồm 05 thành viên và 01 thư ký.", "Đoàn gồm năm thành viên và một thư ký."),
        ("Họp lúc 08 giờ 15 tại hội trường.", "Họp lúc tám giờ mười lăm phút tại hội trường."),
        ("Giao 06 chỉ tiêu cho các thôn.", "Giao sáu chỉ tiêu cho các thôn."),
        # names keep every digit
        ("Triển khai Đề án 06 của Chính phủ.", "Triển khai Đề án không sáu của Chính phủ."),
        ("Theo Kế hoạch số 03 của huyện.", "Theo Kế hoạch số không ba của huyện."),
        ("Thực hiện Chỉ thị 09/CT-UBND.", "Thực hiện Chỉ thị không chín xê tê u bê en dê."),
    ],
)
def test_zero_padded_counts_and_names(text: str, spoken: str) -> None:
    assert normalise_line(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Đài KTTV tỉnh cảnh báo mưa lớn.", "Đài Khí tượng Thủy văn tỉnh cảnh báo mưa lớn."),
        ("Trung tâm KT-TV khu vực dự báo.", "Trung tâm Khí tượng Thủy văn khu vực dự báo."),
        ("Theo TTXVN, giá lúa tăng.", "Theo Thông tấn xã Việt Nam, giá lúa tăng."),
        ("Rà soát văn bản QPPL của xã.", "Rà soát văn bản quy phạm pháp luật của xã."),
        ("Ban CHQS xã tổ chức huấn luyện.", "Ban Chỉ huy quân sự xã tổ chức huấn luyện."),
        ("Sở NN&MT hướng dẫn gieo cấy.", "Sở Nông nghiệp và Môi trường hướng dẫn gieo cấy."),
        ("Công văn của VPCP về trực ban.", "Công văn của Văn phòng Chính phủ về trực ban."),
        ("Ghi rõ STT của hộ.", "Ghi rõ số thứ tự của hộ."),
        ("Trụ sở tại P. Chi Lăng, Q. Ba Đình.", "Trụ sở tại phường Chi Lăng, quận Ba Đình."),
        # a known abbreviation glued to a name
        ("Liên hệ EVNHANOI để báo mất điện.", "Liên hệ e vê en hà nội để báo mất điện."),
    ],
)
def test_abbreviations_of_the_region(text: str, spoken: str) -> None:
    assert normalise_line(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        (
            "Sở Giáo dục và Đào tạo (GD&ĐT) chủ trì, GD&ĐT các huyện phối hợp.",
            "Sở Giáo dục và Đào tạo chủ trì, Giáo dục và Đào tạo các huyện phối hợp.",
        ),
        (
            "Tổ công nghệ số cộng đồng (TCNSCĐ) đến từng nhà.",
            "Tổ công nghệ số cộng đồng đến từng nhà.",
        ),
        (
            "Hỗ trợ 2.500.000 đồng (Hai triệu năm trăm nghìn đồng) mỗi hộ.",
            "Hỗ trợ hai triệu năm trăm nghìn đồng mỗi hộ.",
        ),
        (
            "Mức phạt 300.000 đồng (bằng chữ: ba trăm nghìn đồng).",
            "Mức phạt ba trăm nghìn đồng.",
        ),
        # a bracket that is not a repetition stays
        ("Ủy ban nhân dân xã (cơ quan thường trực) họp.", "Ủy ban nhân dân xã (cơ quan thường trực) họp."),
    ],
)
def test_bracketed_repetition_is_read_once(text: str, spoken: str) -> None:
    assert normalise_line(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("* Lưu ý: không thả trâu lên núi", "Lưu ý: không thả trâu lên núi."),
        ("+ Thời gian: cả ngày", "Thời gian: cả ngày."),
        ("o Nhóm hộ thứ hai: thôn Bản Chắt", "Nhóm hộ thứ hai: thôn Bản Chắt."),
        ("o nước sôi để nguội", "o nước sôi để nguội"),
        ("🔔📢 Thông báo mất điện ⚡⚡", "Thông báo mất điện."),
        ("Mưa🌧to ở vùng cao 👍.", "Mưa to ở vùng cao."),
        ("Tin **khẩn cấp** #baolu mưa rất to", "Tin khẩn cấp baolu mưa rất to"),
        ("Cuộc họp kết thúc lúc chiều.Tham dự có lãnh đạo xã.", "Cuộc họp kết thúc lúc chiều. Tham dự có lãnh đạo xã."),
        ("Ông N.V.T. trình bày báo cáo.", "Ông en vê tê trình bày báo cáo."),
        ("| Thôn | Số hộ |", "Thôn, Số hộ."),
        ("Nà Cạn\t12 hộ\tđã xong", "Nà Cạn, mười hai hộ, đã xong."),
        ("╔══════════╗", ""),
        ("Nhiệt độ 15℃ vào sáng sớm", "Nhiệt độ mười lăm độ xê vào sáng sớm"),
        ("Lý trình Km 12+300 bị sạt.", "Lý trình Ki lô mét mười hai cộng ba trăm bị sạt."),
    ],
)
def test_pasted_text_is_never_read_as_symbols(text: str, spoken: str) -> None:
    assert normalise_line(text) == spoken


def test_only_decoration_leaves_nothing_to_say() -> None:
    spoken = normalise("📢📢📢\n────────\n* * *\n")
    assert spoken.paragraphs == []
    assert spoken.text == ""


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Tiêm chủng vào ngày 9.11 tại trạm y tế.", "Tiêm chủng vào ngày chín tháng mười một tại trạm y tế."),
        ("Sáng 15.3, đoàn kiểm tra đến xã.", "Sáng ngày mười lăm tháng ba, đoàn kiểm tra đến xã."),
        (
            "Cập nhật 12/08/2021 09:45 theo giờ Hà Nội.",
            "Cập nhật ngày mười hai tháng tám năm hai nghìn không trăm hai mươi mốt, chín giờ bốn mươi lăm phút "
            "theo giờ Hà Nội.",
        ),
        ("Bắt đầu từ 7 giờ 00 sáng.", "Bắt đầu từ bảy giờ sáng."),
        ("Đường dây nóng 2223344 luôn trực.", "Đường dây nóng hai hai hai ba ba bốn bốn luôn trực."),
        ("Tập trung lúc 13H30 tại sân.", "Tập trung lúc mười ba giờ ba mươi phút tại sân."),
        (
            "Số tài khoản 1234567890 tại ngân hàng.",
            "Số tài khoản một hai ba bốn năm sáu bảy tám chín không tại ngân hàng.",
        ),
        ("Làm việc từ 7h30' đến 11h00'.", "Làm việc từ bảy giờ ba mươi phút đến mười một giờ."),
        ("Họp lúc 14 giờ 00 phút tại xã.", "Họp lúc mười bốn giờ tại xã."),
        # a version number is not a date without a date word
        ("Chợ 4.0 đi vào hoạt động.", "Chợ bốn chấm không đi vào hoạt động."),
    ],
)
def test_dates_and_times_as_people_type_them(text: str, spoken: str) -> None:
    assert normalise_line(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Mưa lớn ở bản PÁC NẶM.", "Mưa lớn ở bản PÁC NẶM."),
        ("Sạt lở tại KHAU SLAN.", "Sạt lở tại KHAU Slan."),
        ("Cơn bão KAJIKI đổ bộ.", "Cơn bão Kajiki đổ bộ."),
        ("THÔNG BÁO KHẨN", "THÔNG BÁO KHẨN"),
        ("Đơn vị XNK đã nộp hồ sơ.", "Đơn vị ích en ca đã nộp hồ sơ."),
        ("Chỉ số DTI của tỉnh tăng.", "Chỉ số dê tê i của tỉnh tăng."),
        ("Vốn ODA cho dự án.", "Vốn o dê a cho dự án."),
        ("Đoàn công tác của NASA.", "Đoàn công tác của Nasa."),
        (
            "Nguồn: https://www.langson.gov.vn/tin-tuc/thoi-su/canh-bao-ret-hai-2024-11-20.html?id=9981&p=2",
            "Nguồn: vê kép vê kép vê kép chấm lạng sơn chấm gốp chấm vê en",
        ),
    ],
)
def test_capitals_read_as_words_or_spelled(text: str, spoken: str) -> None:
    assert normalise_line(text) == spoken


def test_staff_entry_applies_inside_document_codes_and_compounds() -> None:
    lexicon = default_lexicon().with_overrides({"KH": "kế hoạch"})
    assert normalise_line("Theo 58/KH-UBND của huyện.", lexicon) == ("Theo năm mươi tám kế hoạch u bê en dê của huyện.")
    assert normalise_line("Theo 58/KH-UBND của huyện.") == "Theo năm mươi tám ca hát u bê en dê của huyện."
    lexicon = default_lexicon().with_overrides({"NPC": "miền Bắc"})
    assert normalise_line("Gọi EVNNPC để được hỗ trợ.", lexicon) == "Gọi e vê en miền Bắc để được hỗ trợ."


def test_changes_show_what_the_cleaner_dropped_with_offsets_into_the_text() -> None:
    text = "• Họp 🔔 tại Sở Tài nguyên và Môi trường (TN&MT) có 02 xã"
    spoken = normalise(text)
    assert spoken.text == "Họp tại Sở Tài nguyên và Môi trường có hai xã."
    for change in spoken.changes:
        assert text[change.start : change.end] == change.original
    found = {(c.original.strip(), c.spoken, c.rule) for c in spoken.changes}
    assert ("•", "", "clean") in found
    assert ("🔔", "", "clean") in found
    assert ("(TN&MT)", "", "repeat") in found
    assert ("02", "hai", "number") in found


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("TM. ỦY BAN NHÂN DÂN", "Thay mặt ỦY BAN NHÂN DÂN"),
        ("KT. CHỦ TỊCH", "Ký thay CHỦ TỊCH"),
        ("Trực từ thứ 2 - thứ 6.", "Trực từ thứ hai đến thứ sáu."),
        (
            "Hỗ trợ 1.500.000đ/người/tháng (Một triệu năm trăm nghìn đồng).",
            "Hỗ trợ một triệu năm trăm nghìn đồng trên người trên tháng.",
        ),
        ("Gửi ubndxa@langson.gov.vn", "Gửi u bê en dê xã a còng lạng sơn chấm gốp chấm vê en"),
        ("- Lưu: VT.", "Lưu: văn thư."),
        (
            "Hộ có trâu, bò (>= 2 con), trẻ < 5 tuổi, xe ≤ 10 tấn.",
            "Hộ có trâu, bò (từ hai con), trẻ dưới năm tuổi, xe không quá mười tấn.",
        ),
        (
            "ĐT: 0205.3870.211 - 0986 123 456",
            "Điện thoại: không hai không năm ba tám bảy không hai một một, không chín tám sáu một hai ba bốn năm sáu",
        ),
    ],
)
def test_notice_furniture(text: str, spoken: str) -> None:
    """Signature blocks, comparison signs and two phone numbers joined by a dash, as notices are typed."""
    assert normalise_line(text) == spoken
