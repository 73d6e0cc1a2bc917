"""The batch page in a real Chromium against a real ``broadcast serve``: choose several documents, watch them
convert, download the zip of MP3s (issue 11)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from broadcast.audio import measure_mp3
from tests.foundation.test_say_documents import cp1258, make_docx, make_pdf
from tests.web.conftest import SCREENSHOTS, Site
from tests.web.test_browser import Staff

pytestmark = pytest.mark.browser


@pytest.fixture
def editor(browser, site: Site) -> Iterator[Staff]:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff = Staff(browser, site, "editor")
    staff.login("editor")
    yield staff
    staff.close()


def test_batch_page_converts_documents_and_downloads_a_zip(editor: Staff, tmp_path: Path) -> None:
    docs = [make_docx(tmp_path / "thong-bao-tiem-chung.docx"), make_pdf(tmp_path / "lich-hop.pdf",
            "Thôn Nà Cạn họp dân lúc 8 giờ 00 sáng Chủ nhật tại nhà văn hóa."),
            tmp_path / "ret-dam.txt", tmp_path / "hong.docx"]
    docs[2].write_bytes(cp1258("Theo KTTV, đêm nay trời rét đậm, bà con chú ý giữ ấm cho trâu bò."))
    docs[3].write_bytes(b"PK\x03\x04 damaged")
    editor.goto("/batch", "batch")
    page = editor.page
    page.set_input_files("#batch-files", [str(p) for p in docs])
    page.click("#batch-form button[type=submit]")
    page.wait_for_url("**/batch/*")
    page.wait_for_selector("#batch-download:not([hidden])", timeout=120_000)
    statuses = page.locator("td.status").evaluate_all("cells => cells.map(c => c.dataset.status)")
    assert statuses == ["done", "done", "done", "refused"]
    assert "bị hỏng" in page.locator("tr[data-index='3'] .reason").inner_text()
    assert page.locator("#batch-done").inner_text() == "3"
    assert page.locator("tr[data-index='0'] .status").inner_text().startswith("Xong")
    editor.shoot("batch-finished")

    with page.expect_download() as info:
        page.click("#batch-download")
    download = info.value
    archive = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        assert sorted(zipped.namelist()) == ["lich-hop.mp3", "ret-dam.mp3", "thong-bao-tiem-chung.mp3"]
        for name in zipped.namelist():
            assert measure_mp3(zipped.read(name)).duration_s > 2
    editor.goto("/batch")
    assert "3 xong, 1 không chuyển được" in editor.text()
