"""Uploaded files for bulletins: Word documents and plain text become bulletin text; audio is a recording.

Officials write in Word, so ``.docx`` is read with python-docx (paragraphs and table rows, in order; the
cells of a row are separated by tabs, which the normaliser's cleaner reads as comma pauses, and each row
ends like a sentence; the first Title/Heading 1 paragraph is offered as the bulletin's title). ``.txt`` may
be in any common Vietnamese encoding (UTF-8, UTF-16, Windows-1258; detected with charset-normalizer) and
``.pdf`` must have a text layer (read with pypdf; a scanned page has none).
Everything is checked before anything is stored: the kind of file, its size and, for ``.docx``, the
uncompressed size of the archive (a small zip can unpack to gigabytes). Messages are in Vietnamese
because they are shown to staff as they are.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from broadcast.errors import InvalidInput
from broadcast.messages import decimal, say

DOCUMENT_SUFFIXES = (".docx", ".txt", ".pdf")
MAX_PDF_PAGES = 500
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # binary, not text
#: Encodings a Vietnamese .txt file comes in (Python codec names), tried by charset-normalizer.
TXT_ENCODINGS = ["utf_8", "utf_16", "utf_32", "cp1258"]
AUDIO_SUFFIXES = (".mp3", ".wav", ".m4a", ".ogg", ".opus")
MAX_DOCX_UNPACKED = 64 * 1024 * 1024


class UploadKind(StrEnum):
    document = "document"
    audio = "audio"


def suffix_of(filename: str) -> str:
    return PurePath(filename or "").suffix.lower()


def classify(filename: str) -> UploadKind:
    """Decide what an upload is from its name; refuse anything that is neither a document nor audio."""
    suffix = suffix_of(filename)
    if suffix in DOCUMENT_SUFFIXES:
        return UploadKind.document
    if suffix in AUDIO_SUFFIXES:
        return UploadKind.audio
    allowed = ", ".join(DOCUMENT_SUFFIXES + AUDIO_SUFFIXES)
    raise InvalidInput(say("upload_kind_refused", name=PurePath(filename or "").name or "?", allowed=allowed))


def check_size(data: bytes, limit_bytes: int) -> None:
    if len(data) > limit_bytes:
        raise InvalidInput(say("upload_too_large", size=decimal(len(data) / 1048576, 1),
                               limit=decimal(limit_bytes / 1048576, 0)))
    if not data:
        raise InvalidInput(say("upload_empty"))


def extract_text(data: bytes, filename: str) -> str:
    """The text of a ``.docx`` or ``.txt`` upload, NFC-normalised, paragraphs separated by newlines."""
    suffix = suffix_of(filename)
    if suffix == ".docx":
        text = _docx_text(data)
    elif suffix == ".txt":
        text = _txt_text(data)
    elif suffix == ".pdf":
        text = _pdf_text(data)
    else:
        raise InvalidInput(say("document_kind_refused"))
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InvalidInput(say("document_no_text"))
    return text


def _txt_text(data: bytes) -> str:
    text = _decode_txt(data)
    if text is None or _CONTROL.search(text):
        raise InvalidInput(say("txt_unreadable"))
    return text


def _decode_txt(data: bytes) -> str | None:
    """UTF-16 with its byte-order mark, UTF-8, else what charset-normalizer finds among Vietnamese encodings."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" not in data:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=TXT_ENCODINGS).best()
    return str(best) if best is not None else None


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    broken = InvalidInput(say("pdf_broken"))
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput(say("pdf_password"))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise InvalidInput(say("pdf_too_long", pages=MAX_PDF_PAGES))
        pages = [page.extract_text() or "" for page in reader.pages]
    except InvalidInput:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError) as exc:
        raise broken from exc
    text = "\n".join(pages)
    if not text.strip():
        raise InvalidInput(say("pdf_no_text"))
    return text


def _docx_text(data: bytes) -> str:
    return read_docx(data).text


_HEADING_STYLES = ("Title", "Heading 1")
_SENTENCE_END = ".!?…:;"
MAX_TITLE = 300


@dataclass(frozen=True)
class Extracted:
    """A document's text and, for Word, its first Title/Heading 1 paragraph (the bulletin's title)."""

    text: str
    title: str | None = None


def extract_document(data: bytes, filename: str) -> Extracted:
    """Like :func:`extract_text`, with the title a Word document gives in its first heading."""
    text = extract_text(data, filename)
    title = read_docx(data).title if suffix_of(filename) == ".docx" else None
    return Extracted(text, title)


def _tag(node: Any) -> str:
    """An element's local name; "" for comments, entity references and processing instructions (their
    ``tag`` is a function in lxml, and a crafted document may put them anywhere)."""
    return node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""


def _run_text(element: Any) -> str:
    """The text of a paragraph: its runs, with line breaks and tabs as spaces (never words glued together)."""
    parts: list[str] = []
    for node in element.iter():
        tag = _tag(node)
        if tag == "t":
            parts.append(node.text or "")
        elif tag in ("br", "cr", "tab"):
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _is_heading(paragraph: Any) -> bool:
    style = paragraph.style
    while style is not None:
        if style.name in _HEADING_STYLES:
            return True
        style = style.base_style
    return False


def _row_line(row: Any) -> str:
    """One table row as one line: cells apart (tabs, read as comma pauses) and the row ending like a
    sentence, so the rows of a table never run together when read."""
    cells: list[str] = []
    for cell in row:
        if _tag(cell) != "tc":
            continue
        paragraphs = [_run_text(p) for p in cell.iter() if _tag(p) == "p"]
        text = ", ".join(p.rstrip(",") for p in paragraphs if p)  # a cell's own lines, apart too
        if text:
            cells.append(text)
    line = "\t".join(cells)
    if line and line[-1] not in _SENTENCE_END:
        line += "."
    return line


def read_docx(data: bytes) -> Extracted:
    """A Word document's paragraphs and table rows in order, and its first heading (Title / Heading 1)."""
    from docx import Document
    from docx.text.paragraph import Paragraph

    broken = InvalidInput(say("docx_broken"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNPACKED:
                raise InvalidInput(say("docx_too_large"))
            if "word/document.xml" not in archive.namelist():
                raise broken
        document = Document(io.BytesIO(data))
    except InvalidInput:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds for a damaged file
        raise broken from exc
    lines: list[str] = []
    title: str | None = None
    for child in document.element.body.iterchildren():
        tag = _tag(child)
        if tag == "p":
            line = _run_text(child)
            if title is None and line and _is_heading(Paragraph(child, document.part)):
                title = line[:MAX_TITLE]
            lines.append(line)
        elif tag == "tbl":
            for row in child.iterchildren():
                if _tag(row) == "tr":
                    lines.append(_row_line(row))
    # Collapse runs of empty paragraphs (Word spacing) into one paragraph break.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return Extracted("\n".join(out), title)
