"""Pure pieces of the web app: document import, Vietnamese messages, highlighting, station selection."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from broadcast.errors import InvalidInput
from broadcast.models import Station
from broadcast.normalise import default_lexicon, normalise
from broadcast.services import documents
from broadcast.services.directory import by_district, expand_selection
from broadcast.web.highlight import expansion_list, highlighted
from broadcast.web.i18n import translate


def test_classify_uploads() -> None:
    assert documents.classify("Thông báo.DOCX") == documents.UploadKind.document
    assert documents.classify("a.txt") == documents.UploadKind.document
    assert documents.classify("van-ban.pdf") == documents.UploadKind.document
    assert documents.classify("chu-tich.m4a") == documents.UploadKind.audio
    for bad in ("a.doc", "a.odt", "a", "", "a.docx.exe"):
        with pytest.raises(InvalidInput, match="chỉ nhận tệp"):
            documents.classify(bad)


def test_size_limits() -> None:
    documents.check_size(b"x" * 10, 10)
    with pytest.raises(InvalidInput, match="Tệp quá lớn"):
        documents.check_size(b"x" * 11, 10)
    with pytest.raises(InvalidInput, match="rỗng"):
        documents.check_size(b"", 10)


def test_text_encodings() -> None:
    assert documents.extract_text("Xin chào bà con".encode(), "a.txt") == "Xin chào bà con"
    assert documents.extract_text("\ufeffXin chào".encode(), "a.txt") == "Xin chào"
    assert documents.extract_text("Xin chào".encode("utf-16"), "a.txt") == "Xin chào"
    # Windows-1258 writes tones as combining marks; the text comes back composed (NFC).
    assert documents.extract_text("Thông báo".encode("cp1258"), "a.txt") == "Thông báo"
    with pytest.raises(InvalidInput, match="không có nội dung"):
        documents.extract_text(b"   \n  ", "a.txt")


def test_docx_paragraphs_and_tables() -> None:
    document = Document()
    document.add_paragraph("UBND XÃ HOÀNG ĐỒNG")
    document.add_paragraph("")
    document.add_paragraph("")
    document.add_paragraph("Thông báo lịch tiêm chủng.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Thôn", "Giờ"
    table.cell(1, 0).text, table.cell(1, 1).text = "Nà Pàn", "7h30"
    buffer = io.BytesIO()
    document.save(buffer)
    text = documents.extract_text(buffer.getvalue(), "x.docx")
    assert text == "UBND XÃ HOÀNG ĐỒNG\n\nThông báo lịch tiêm chủng.\nThôn\tGiờ.\nNà Pàn\t7h30."  # cells: comma pauses


def test_docx_heading_is_the_title_and_table_rows_are_read_apart() -> None:
    """Issue 14: the first Heading 1/Title paragraph becomes the bulletin's title; each table row is read as
    its own sentence with its cells apart (a one-column table, a cell of two lines, a line break too)."""
    from broadcast.normalise import normalise

    document = Document()
    document.add_paragraph("UBND XÃ HOÀNG ĐỒNG")
    document.add_heading("Lịch tiêm phòng dại cho chó mèo", level=1)
    document.add_heading("Đối tượng", level=2)
    document.add_paragraph("Các hộ nuôi chó mèo")
    grid = document.add_table(rows=2, cols=2)
    grid.cell(0, 0).text, grid.cell(0, 1).text = "Thôn Nà Pàn", "Sáng thứ bảy"
    grid.cell(1, 0).text = "Thôn Khòn Khoang"
    grid.cell(1, 1).paragraphs[0].text = "Chiều thứ bảy"
    grid.cell(1, 1).add_paragraph("tại nhà văn hóa")
    column = document.add_table(rows=2, cols=1)
    column.cell(0, 0).text, column.cell(1, 0).text = "Mang theo sổ tiêm", "Xích chó cẩn thận"
    broken = document.add_paragraph("Liên hệ")
    broken.runs[0].add_break()
    broken.add_run("trưởng thôn")
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()

    extracted = documents.extract_document(data, "lich-tiem.docx")
    assert extracted.title == "Lịch tiêm phòng dại cho chó mèo"
    assert extracted.text == documents.extract_text(data, "lich-tiem.docx")
    lines = extracted.text.split("\n")
    assert lines[4:8] == ["Thôn Nà Pàn\tSáng thứ bảy.", "Thôn Khòn Khoang\tChiều thứ bảy, tại nhà văn hóa.",
                          "Mang theo sổ tiêm.", "Xích chó cẩn thận."]
    assert lines[8] == "Liên hệ trưởng thôn"
    spoken = normalise(extracted.text).paragraphs
    rows = [" ".join(p) for p in spoken[4:8]]
    assert rows == ["Thôn Nà Pàn, Sáng thứ bảy.", "Thôn Khòn Khoang, Chiều thứ bảy, tại nhà văn hóa.",
                    "Mang theo sổ tiêm.", "Xích chó cẩn thận."]

    titled = Document()
    titled.add_paragraph("Kính gửi bà con")
    titled.add_heading("Thông báo mất điện", level=0)  # the Title style
    buffer = io.BytesIO()
    titled.save(buffer)
    assert documents.extract_document(buffer.getvalue(), "x.docx").title == "Thông báo mất điện"
    plain = Document()
    plain.add_paragraph("Không có đề mục")
    buffer = io.BytesIO()
    plain.save(buffer)
    assert documents.extract_document(buffer.getvalue(), "x.docx").title is None
    assert documents.extract_document("Chào bà con".encode(), "x.txt") == documents.Extracted("Chào bà con")


def test_docx_refuses_damaged_and_bombs() -> None:
    with pytest.raises(InvalidInput, match="bị hỏng"):
        documents.extract_text(b"PK\x03\x04junk", "x.docx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (documents.MAX_DOCX_UNPACKED + 1))
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(InvalidInput, match="quá lớn khi giải nén"):
        documents.extract_text(buffer.getvalue(), "x.docx")


@pytest.mark.parametrize(("english", "vietnamese"), [
    ("the author cannot approve or reject their own bulletin", "Tác giả không được tự duyệt"),
    ("only a submitted bulletin can be reviewed (this one is draft)", "(bản tin này: “Nháp”)"),
    ("this falls in quiet hours, when only emergencies may play: xa-a at 22:00 21/11 (quiet hours 21:00–05:30)",
     "xa-a lúc 22:00 21/11 (giờ yên tĩnh 21:00–05:30)"),
    ("station xa-b has no upcoming slot on the chosen dates", "Đài xa-b không còn khung giờ phát"),
    ("Tệp quá lớn (2.0 MB); giới hạn là 1 MB.", "Tệp quá lớn (2.0 MB)"),
])
def test_translate(english: str, vietnamese: str) -> None:
    message = translate(english)
    assert vietnamese in message.text and not message.detail


def test_untranslated_messages_keep_the_english_detail() -> None:
    message = translate("the scheduler lease is held by another process")
    assert message.text == "Không thực hiện được yêu cầu."
    assert message.detail == "the scheduler lease is held by another process"


def test_highlight_marks_every_expansion_and_escapes() -> None:
    text = "<b>UBND</b> hỗ trợ 2.500.000 đồng/hộ."
    spoken = normalise(text, default_lexicon())
    html = "".join(highlighted(text, spoken.changes))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'data-written="UBND"' in html and ">Ủy ban nhân dân</mark>" in html
    assert "đồng <mark" in html and "</mark> hộ" in html  # spaces the spoken form needs
    assert [c.original for c in expansion_list(spoken.changes)][:2] == ["UBND", "2.500.000"]


def test_station_selection_by_district_and_province() -> None:
    stations = [Station(id=1, code="xa-a", name="A", district="Văn Lãng", province="Lạng Sơn"),
                Station(id=2, code="xa-b", name="B", district="Văn Lãng", province="Lạng Sơn"),
                Station(id=3, code="xa-c", name="C", district="Lộc Bình", province="Lạng Sơn")]
    assert list(by_district(stations)) == ["Văn Lãng, Lạng Sơn", "Lộc Bình, Lạng Sơn"]
    assert expand_selection(stations, ["xa-c"], ["Văn Lãng, Lạng Sơn"], False) == ["xa-a", "xa-b", "xa-c"]
    assert expand_selection(stations, [], [], True) == ["xa-a", "xa-b", "xa-c"]
    # A code the user may not use is kept, so the service refuses it by name instead of dropping it silently.
    assert expand_selection(stations, ["xa-z"], [], False) == ["xa-z"]
