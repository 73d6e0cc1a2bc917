"""`broadcast say` on documents (issue 11): .docx, .txt in Vietnamese encodings and text-layer .pdf, one file,
several files or a folder, one MP3 each, damaged files reported while the rest convert."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from broadcast.audio import measure_mp3
from broadcast.errors import InvalidInput
from broadcast.services import batch, documents
from tests.foundation.test_cli import run_cli

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
NOTICE = "Ủy ban nhân dân xã thông báo: có 02 xã mất điện ngày 7.10, đề nghị bà con chủ động."
TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Windows editors wrote it: base letters, then combining tone marks."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            nfd = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES))
            out += (base + "".join(c for c in nfd if c in TONES)).encode("cp1258")
    return out


def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("📢 THÔNG BÁO")
    document.add_paragraph("• " + NOTICE)
    table = document.add_table(rows=2, cols=2)
    for (r, c), value in {(0, 0): "Thôn", (0, 1): "Số hộ", (1, 0): "Nà Cạn", (1, 1): "12"}.items():
        table.cell(r, c).text = value
    document.save(path)
    return path


def make_pdf(path: Path, text: str) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=12)
    pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def test_documents_are_read_in_every_common_form(tmp_path: Path) -> None:
    text = documents.extract_text(make_docx(tmp_path / "a.docx").read_bytes(), "a.docx")
    assert "Thôn\tSố hộ" in text and "Nà Cạn\t12" in text  # table cells → comma pauses in the cleaner
    assert documents.extract_text(cp1258(NOTICE), "old.txt") == NOTICE
    assert documents.extract_text(NOTICE.encode("utf-16"), "u16.txt") == NOTICE
    assert documents.extract_text(NOTICE.encode("utf-8"), "u8.txt") == NOTICE
    pdf = documents.extract_text(make_pdf(tmp_path / "c.pdf", NOTICE).read_bytes(), "c.pdf")
    assert " ".join(pdf.split()) == NOTICE
    with pytest.raises(InvalidInput, match="hỏng"):
        documents.extract_text(b"%PDF-1.4 garbage", "x.pdf")
    blank = FPDF()
    blank.add_page()
    blank.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(InvalidInput, match="không có lớp chữ"):
        documents.extract_text((tmp_path / "scan.pdf").read_bytes(), "scan.pdf")


def test_mp3_names_are_distinct() -> None:
    assert batch.mp3_names(["thong-bao.docx", "thong-bao.pdf", "Thong-bao.txt", "a/b:c.txt"]) == [
        "thong-bao.mp3", "thong-bao-2.mp3", "Thong-bao-3.mp3", "b_c.mp3"]


def test_say_one_word_document(tmp_path: Path) -> None:
    out = tmp_path / "notice.mp3"
    result = run_cli("say", "-f", str(make_docx(tmp_path / "notice.docx")), "-o", str(out), data_dir=tmp_path / "v")
    assert result.returncode == 0, result.stderr
    assert measure_mp3(out.read_bytes()).duration_s > 5


def test_say_several_documents_and_a_folder(tmp_path: Path) -> None:
    source = tmp_path / "in"
    (source / "sub").mkdir(parents=True)
    make_docx(source / "a.docx")
    (source / "b.txt").write_bytes(cp1258("Theo KTTV, đêm nay trời rét đậm.\nBà con chú ý giữ ấm cho trâu bò."))
    make_pdf(source / "sub" / "c.pdf", "Trạm y tế xã tổ chức tiêm chủng vào sáng thứ Hai.")
    listed = run_cli("say", "-f", str(source / "a.docx"), str(source / "b.txt"), str(source / "sub" / "c.pdf"),
                     "-o", str(tmp_path / "out1"), data_dir=tmp_path / "v")
    assert listed.returncode == 0, listed.stderr
    assert "3 documents: 3 converted" in listed.stdout
    for name in ("a.mp3", "b.mp3", "c.mp3"):
        assert measure_mp3((tmp_path / "out1" / name).read_bytes()).duration_s > 2

    (source / "broken.docx").write_bytes(b"PK\x03\x04 this is not a Word file")
    (source / "sub" / "only-emoji.txt").write_text("📢📢 ✅", encoding="utf-8")
    (source / "notes.odt").write_bytes(b"ignored inside a folder")
    folder = run_cli("say", "-f", str(source), "-o", str(tmp_path / "out2"), data_dir=tmp_path / "v")
    assert folder.returncode == 1
    assert "5 documents: 3 converted" in folder.stdout and "2 refused" in folder.stdout
    assert "broken.docx: Tệp .docx bị hỏng" in folder.stderr
    assert "only-emoji.txt: nothing to read aloud" in folder.stderr
    assert "Đang chuyển" in folder.stderr  # the progress bar
    assert sorted(p.name for p in (tmp_path / "out2").iterdir()) == ["a.mp3", "b.mp3", "c.mp3"]


def test_say_refuses_a_file_for_many_documents(tmp_path: Path) -> None:
    make_docx(tmp_path / "a.docx")
    make_docx(tmp_path / "b.docx")
    result = run_cli("say", "-f", str(tmp_path / "a.docx"), str(tmp_path / "b.docx"), "-o", str(tmp_path / "x.mp3"),
                     data_dir=tmp_path / "v")
    assert result.returncode != 0 and "output folder" in result.stderr
    damaged = run_cli("say", "-f", str(tmp_path / "a.docx"), "-o", str(tmp_path / "y.mp3"), data_dir=tmp_path / "v")
    assert damaged.returncode == 0
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7\n%broken")
    bad = run_cli("say", "-f", str(tmp_path / "bad.pdf"), "-o", str(tmp_path / "z.mp3"), data_dir=tmp_path / "v")
    assert bad.returncode != 0 and "bad.pdf" in bad.stderr and not (tmp_path / "z.mp3").exists()
