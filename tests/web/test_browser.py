"""The staff journeys in a real Chromium against a real ``broadcast serve``.

Every page visited is checked at 360 px and 1280 px: screenshots go to ci-artifacts/screenshots/, the page
must not scroll sideways on a phone, and the browser console must stay free of errors (pages that answer
with an error status on purpose say so).
"""

from __future__ import annotations

import csv
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from broadcast.api.receiver import LastSeen
from tests.conftest import PASSWORD
from tests.web.conftest import OFFLINE_AFTER_S, SCREENSHOTS, Site

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
TEXT = ("UBND xã thông báo: từ ngày 15/3/2025, 120 hộ dân thôn Nà Pàn được hỗ trợ 2.500.000 đồng/hộ.\n"
        "Đề nghị bà con mang theo CCCD đến nhà văn hóa thôn lúc 7h30 sáng thứ 7.")


class Staff:
    """One person in their own browser context, with console watching and two-width screenshots."""

    def __init__(self, browser, site: Site, name: str) -> None:  # type: ignore[no-untyped-def]
        self.site = site
        self.name = name
        self.context = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: d.accept())

    def goto(self, path: str, shot: str | None = None, status: int = 200) -> None:
        reply = self.page.goto(self.site.url + path)
        assert reply is not None and reply.status == status, (path, reply.status if reply else None)
        if shot:
            self.shoot(shot, expect_error_status=status >= 400)

    def shoot(self, shot: str, expect_error_status: bool = False) -> None:
        """Screenshots at both widths; the phone layout must fit 360 px; no console errors."""
        page = self.page
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(50)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= PHONE["width"], f"{shot}: page is {overflow}px wide on a 360px phone"
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-360.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}-1280.png"), full_page=True)
        self.site.shots.append(shot)
        self.check_console(expect_error_status)

    def check_console(self, expect_error_status: bool = False) -> None:
        errors = self.errors
        if expect_error_status:  # the browser logs the page's own 4xx status as a console error
            errors = [e for e in errors if "status of 4" not in e]
        assert not errors, f"console errors for {self.name}: {errors}"
        self.errors.clear()

    def login(self, username: str, password: str = PASSWORD, shot: str | None = None) -> None:
        self.goto("/login", shot)
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(self.site.url + "/")
        assert self.page.locator("header .who").is_visible()

    def text(self, selector: str = "main") -> str:
        return self.page.locator(selector).inner_text()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def people(browser, site: Site) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    opened: list[Staff] = []

    def open_as(username: str, shot: str | None = None) -> Staff:
        staff = Staff(browser, site, username)
        opened.append(staff)
        staff.login(username, shot=shot)
        return staff

    yield open_as
    for staff in opened:
        staff.close()


def _db(site: Site) -> sqlite3.Connection:
    return sqlite3.connect(site.data_dir / "broadcast.db", timeout=30)


def _wait_for_text(staff: Staff, path: str, needle: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        staff.goto(path)
        if needle in staff.text():
            return
        assert time.monotonic() < deadline, f"{needle!r} never appeared on {path}"
        staff.page.wait_for_timeout(700)


def _bulletin_id(staff: Staff) -> int:
    found = re.search(r"/bulletins/(\d+)", staff.page.url)
    assert found, staff.page.url
    return int(found.group(1))


def test_write_preview_approve_schedule_report(people, site: Site) -> None:
    """Paste → hear → fix a word → submit → approve as someone else → schedule on two stations → week → CSV."""
    editor = people("editor", shot="login")
    editor.shoot("home-editor")
    editor.goto("/bulletins/new", "bulletin-new")
    page = editor.page
    page.fill("input[name=title]", "Hỗ trợ hộ dân thôn Nà Pàn")
    page.fill("textarea[name=text]", TEXT)
    page.check("input[name=stations][value=xa-a]")
    page.check("input[name=stations][value=xa-b]")

    # The preview: every expansion highlighted, and the real MP3 plays in the page.
    page.click("#preview-button")
    page.wait_for_selector("#spoken mark.exp", timeout=60_000)
    marks = page.locator("#spoken mark.exp").all_inner_texts()
    assert "Ủy ban nhân dân" in marks
    assert any("mười lăm tháng ba năm hai nghìn không trăm hai mươi lăm" in m for m in marks)
    assert "một trăm hai mươi" in marks
    assert any("hai triệu năm trăm nghìn" in m for m in marks)
    assert any(m.startswith("bảy giờ ba mươi") for m in marks)
    written = page.locator("#spoken mark.exp").evaluate_all("ms => ms.map(m => m.dataset.written)")
    assert {"UBND", "15/3/2025", "120"} <= set(written)
    src = page.get_attribute("#preview-audio", "src")
    assert src and re.fullmatch(r"/api/v1/media/[0-9a-f]{64}\.mp3", src)
    page.wait_for_function("() => document.querySelector('#preview-audio').readyState >= 1", timeout=30_000)
    duration = page.evaluate("document.querySelector('#preview-audio').duration")
    assert 5 < duration < 60, duration
    page.evaluate("document.querySelector('#preview-audio').play()")
    page.wait_for_function("() => document.querySelector('#preview-audio').currentTime > 0.2", timeout=15_000)
    page.evaluate("document.querySelector('#preview-audio').pause()")
    mp3 = editor.context.request.get(site.url + src)
    assert mp3.ok and mp3.headers["content-type"] == "audio/mpeg"
    head = mp3.body()[:3]
    assert head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0), head
    editor.shoot("bulletin-preview")

    # A misread word is fixed on the spot: the preview is read again with the new entry.
    page.fill("[data-lexicon-fix] input[name=written]", "Nà")
    page.fill("[data-lexicon-fix] input[name=spoken]", "nà thôn")
    page.click("[data-lexicon-fix] [data-lexicon-save]")
    page.wait_for_selector(".lexicon-message.ok-text")
    assert "Đã lưu" in editor.text(".lexicon-message")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#spoken mark.exp')].some(m => m.dataset.written === 'Nà')",
        timeout=60_000)

    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/bulletins/\d+\?m=submitted"))
    bulletin_id = _bulletin_id(editor)
    assert "Chờ duyệt" in editor.text("#status")
    assert page.locator("#review-form").count() == 0  # an editor never reviews
    editor.shoot("bulletin-submitted")

    # Another person listens to the audio made on submit (with the reading fix in it) and approves that.
    approver = people("approver")
    approver.shoot("home-approver")
    assert "Hỗ trợ hộ dân thôn Nà Pàn" in approver.text()
    _wait_for_text(approver, f"/bulletins/{bulletin_id}", "Bạn duyệt phiên bản")
    approver.shoot("bulletin-review")
    assert "nà thôn" in approver.text("#spoken-text").lower()
    offered = approver.page.get_attribute("#bulletin-audio", "data-sha256")
    assert offered and approver.page.input_value("#review-form input[name=audio_sha256]") == offered
    approver.page.wait_for_function("() => document.querySelector('#bulletin-audio').readyState >= 1")
    approver.page.fill("#review-form textarea[name=comment]", "Đồng ý phát.")
    approver.page.click("#approve-button")
    approver.page.wait_for_url(re.compile(rf"/bulletins/{bulletin_id}\?m=approved"))
    assert "Sẵn sàng phát" in approver.text("#status")
    assert approver.page.get_attribute("#bulletin-audio", "src") == f"/api/v1/media/{offered}.mp3"
    approver.shoot("bulletin-ready")

    # Schedule on two stations into tomorrow's slots, then see it in each station's week.
    approver.page.click("text=Xếp lịch phát")
    approver.page.wait_for_url(re.compile(r"/schedule$"))
    approver.shoot("schedule-form")
    assert approver.page.is_checked("input[name=stations][value=xa-a]")
    assert approver.page.is_checked("input[name=stations][value=xa-b]")
    approver.page.click("#schedule-form button[type=submit]")
    approver.page.wait_for_url(re.compile(rf"/bulletins/{bulletin_id}\?m=placed"))
    assert "Đã xếp lịch phát" in approver.text()
    approver.shoot("bulletin-placed")
    local_tomorrow = _local_today() + timedelta(days=1)
    for code in ("xa-a", "xa-b"):
        approver.goto(f"/week?station={code}", f"week-{code}")
        days = approver.page.locator(".week .day")
        assert days.count() == 7
        column = days.nth(1)
        assert local_tomorrow.strftime("%d/%m") in column.locator("h3").inner_text()
        entries = column.locator(".entry").all_inner_texts()
        assert sum("Hỗ trợ hộ dân thôn Nà Pàn" in e for e in entries) == 2, entries  # sáng and chiều
        assert any(e.startswith("06:") for e in entries) and any(e.startswith("17:") for e in entries)

    # Reports: the page and its CSV export.
    approver.goto("/reports", "reports")
    with approver.page.expect_download() as download_info:
        approver.page.click("#csv-link")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    path = Path(download.path())
    content = path.read_text(encoding="utf-8-sig")
    lines = content.strip().splitlines()
    assert lines[0].startswith("Mã đài,Tên đài,Huyện,Từ ngày,Đến ngày,Số bản tin đã phát,Số lượt phát,Số phút phát")
    rows = {row[0]: row for row in csv.reader(lines[1:])}
    assert set(rows) == {"xa-a", "xa-b"}  # the approver's own stations only
    assert all(len(r) == 10 and re.fullmatch(r"\d+,\d", r[7]) for r in rows.values()), rows  # 0,0: decimal comma
    editor.check_console()
    approver.check_console()


def _local_today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def test_emergency_is_confirmed_plays_and_can_be_cancelled(people, site: Site) -> None:
    approver = people("approver")
    approver.goto("/emergency", "emergency-form")
    page = approver.page
    page.check("input[name=stations][value=xa-a]")
    page.fill("input[name=title]", "Cảnh báo lũ quét khẩn cấp")
    page.fill("textarea[name=text]", "Khẩn cấp: mưa lớn, nguy cơ lũ quét tại thôn Nà Pàn. Bà con lên chỗ cao.")
    page.fill("input[name=password]", "wrong password")
    page.check("input[name=confirm]")
    page.click("#emergency-form button[type=submit]")
    assert "Mật khẩu nhập lại không đúng" in approver.text(".alert.error")
    approver.check_console(expect_error_status=True)
    assert page.locator(".emergency-banner").count() == 0  # nothing was stored or played

    page.check("input[name=stations][value=xa-a]")
    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=confirm]")
    page.click("#emergency-form button[type=submit]")
    page.wait_for_url(re.compile(r"/placements/\d+/delivery\?m=emergency"), timeout=60_000)
    banner = page.locator(".emergency-banner")
    assert "Cảnh báo lũ quét khẩn cấp" in banner.inner_text()
    assert "Xã Hoàng Đồng" in banner.inner_text()
    approver.shoot("emergency-playing")

    # It stays visible everywhere (also for others on that station) until played or cancelled.
    editor = people("editor")
    editor.goto("/bulletins")
    assert "Cảnh báo lũ quét khẩn cấp" in editor.text(".emergency-banner")
    with _db(site) as db:
        (count,) = db.execute("SELECT count(*) FROM playlistitem i JOIN placement p ON p.id = i.placement_id "
                              "WHERE p.priority = 'emergency' AND i.status = 'scheduled'").fetchone()
    assert count == 1

    assert editor.page.locator(".emergency-banner button").count() == 0  # an editor cannot cancel it
    approver.goto("/bulletins")
    approver.page.click(".emergency-banner button")
    approver.page.wait_for_url(re.compile(r"m=emergency_cancelled"))
    assert approver.page.locator(".emergency-banner").count() == 0
    assert "Đã hủy phát khẩn cấp" in approver.text()
    editor.goto("/bulletins")
    assert editor.page.locator(".emergency-banner").count() == 0

    admin = people("admin")
    admin.goto("/admin/audit", "audit")
    log = admin.text("#audit-table")
    for action in ("Phát khẩn cấp", "Hủy phát khẩn cấp", "Duyệt", "Hủy lịch phát"):
        assert action in log, action
    assert "tự duyệt khi phát khẩn cấp" in log and "emergency" not in log
    for person in (approver, editor, admin):
        person.check_console()


def test_receiver_goes_offline_on_the_dashboard(people, site: Site) -> None:
    admin = people("admin")
    reply = httpx.get(f"{site.url}/api/v1/receiver/playlist",
                      headers={"Authorization": f"Bearer {site.receiver_tokens['xa-c']}"}, timeout=30)
    assert reply.status_code == 200, reply.text
    deadline = time.monotonic() + 3 * LastSeen.FLUSH_EVERY_S  # last-seen times are written in batches
    while True:
        httpx.get(f"{site.url}/api/v1/receiver/playlist",
                  headers={"Authorization": f"Bearer {site.receiver_tokens['xa-c']}"}, timeout=30)
        admin.goto("/receivers", "receivers-online")
        row = admin.page.locator("[data-station=xa-c] tbody tr").first
        if "Trực tuyến" in row.inner_text() or time.monotonic() > deadline:
            break
        admin.page.wait_for_timeout(500)
    assert "Trực tuyến" in row.inner_text()
    assert "Xã Mẫu Sơn" not in admin.text("#silent-stations")
    # No more polls: wait (generously, the page re-read each second) for the station to be shown offline,
    # rather than sleeping OFFLINE_AFTER_S and hoping the batched last-seen write came in time.
    deadline = time.monotonic() + OFFLINE_AFTER_S + 3 * LastSeen.FLUSH_EVERY_S + 60
    while True:
        admin.goto("/receivers")
        row = admin.page.locator("[data-station=xa-c] tbody tr").first
        if "Mất kết nối" in row.inner_text() or time.monotonic() > deadline:
            break
        admin.page.wait_for_timeout(1000)
    admin.goto("/receivers", "receivers-offline")
    assert "Mất kết nối" in admin.page.locator("[data-station=xa-c] tbody tr").first.inner_text()
    assert "Xã Mẫu Sơn" in admin.text("#silent-stations")
    admin.goto("/", "home-admin")
    assert "đài đang im lặng" in admin.text()
    admin.check_console()


def test_access_rules_and_csrf(people, site: Site) -> None:
    """Editors see only their stations; an author cannot approve; a form without its CSRF token is refused."""
    approver = people("approver")
    page = approver.page
    approver.goto("/bulletins/new")
    page.fill("input[name=title]", "Lịch tiêm chủng tháng này")
    page.fill("textarea[name=text]", "Trạm y tế xã tiêm chủng cho trẻ em vào ngày 20/4.")
    page.check("input[name=stations][value=xa-a]")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/bulletins/\d+\?m=submitted"))
    own_id = _bulletin_id(approver)
    assert "không thể tự duyệt" in approver.text("#self-approval-note")
    assert page.locator("#approve-button").count() == 0
    csrf = page.get_attribute("meta[name=csrf-token]", "content")
    forced = approver.context.request.post(f"{site.url}/bulletins/{own_id}/approve",
                                           form={"csrf_token": csrf or "", "comment": "tự duyệt"})
    assert forced.status == 403
    assert "Tác giả không được tự duyệt" in forced.text()

    # A form posted without its CSRF token (the field removed in the page) is refused, nothing saved.
    approver.goto(f"/bulletins/{own_id}/edit")
    page.fill("input[name=title]", "Tiêu đề đổi trái phép")
    page.evaluate("document.querySelector('#bulletin-form input[name=csrf_token]').remove()")
    page.click("#bulletin-form button[type=submit]")
    page.wait_for_load_state()
    assert "CSRF" in approver.text()
    approver.shoot("csrf-refused", expect_error_status=True)
    approver.goto(f"/bulletins/{own_id}")
    assert "Lịch tiêm chủng tháng này" in approver.text("h1")

    # editor-c works for xa-c only: another station's bulletin is neither listed nor reachable.
    other = people("editor-c")
    other.goto("/bulletins", "bulletins-list")
    assert "Lịch tiêm chủng tháng này" not in other.text()
    other.goto(f"/bulletins/{own_id}", "bulletin-not-found", status=404)
    assert "Không tìm thấy bản tin" in other.text()
    other.goto("/week?station=xa-a", status=404)
    other.check_console(expect_error_status=True)
    approver.check_console()


def test_uploads_are_checked_before_anything_is_stored(people, site: Site, tmp_path: Path) -> None:
    from docx import Document

    editor = people("editor")
    page = editor.page
    with _db(site) as db:
        before = db.execute("SELECT count(*) FROM bulletin").fetchone()[0]
    media_before = sorted(p.name for p in (site.data_dir / "media").rglob("*") if p.is_file())

    def attempt(name: str, data: bytes) -> str:
        editor.goto("/bulletins/new")
        page.fill("input[name=title]", "Tệp thử")
        page.check("input[name=stations][value=xa-a]")
        page.set_input_files("#upload", files=[{"name": name, "mimeType": "application/octet-stream",
                                                  "buffer": data}])
        page.click("button[name=action][value=draft]")
        page.wait_for_load_state()
        message = editor.text(".alert.error")
        editor.check_console(expect_error_status=True)
        return message

    assert "chỉ nhận tệp .docx, .txt" in attempt("virus.exe", b"MZ\x90\x00" * 100)
    assert "Tệp quá lớn" in attempt("ban-tin.txt", "Thông báo. ".encode() * 120_000)
    assert "Tệp quá lớn" in attempt("ghi-am.mp3", b"\xff\xfb" * 600_000)
    assert "Tệp quá lớn" in attempt("ghi-am-dai.mp3", b"\xff\xfb" * 3_000_000)  # refused before it is read
    rejected_audio = attempt("ghi-am.mp3", b"this is not audio at all" * 10)
    assert rejected_audio and re.search(r"[ăâđêôơư]", rejected_audio), rejected_audio
    assert "bị hỏng" in attempt("van-ban.docx", b"PK\x03\x04 not a real word file")
    editor.shoot("upload-refused", expect_error_status=True)
    with _db(site) as db:
        assert db.execute("SELECT count(*) FROM bulletin").fetchone()[0] == before
    assert sorted(p.name for p in (site.data_dir / "media").rglob("*") if p.is_file()) == media_before

    # A Word document is read into the text box (paragraphs and table cells), then saved as a draft.
    document = Document()
    document.add_paragraph("THÔNG BÁO")
    document.add_heading("Thu gom rác thải", level=1)  # the first heading becomes the title
    document.add_paragraph("Về việc thu gom rác thải ngày 05/6/2025.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Thôn Nà Pàn"
    table.cell(0, 1).text = "7h00"
    path = tmp_path / "thong-bao.docx"
    document.save(path)
    editor.goto("/bulletins/new")
    page.check("input[name=stations][value=xa-b]")
    page.set_input_files("#upload", str(path))
    page.wait_for_function("() => document.querySelector('#text').value.includes('thu gom rác')")
    assert page.input_value("#text").splitlines() == ["THÔNG BÁO", "Thu gom rác thải",
                                                      "Về việc thu gom rác thải ngày 05/6/2025.",
                                                      "Thôn Nà Pàn\t7h00."]  # cells: a comma pause; rows end
    assert page.input_value("input[name=title]") == "Thu gom rác thải"
    assert "tiêu đề lấy từ đề mục đầu tiên" in editor.text("#upload-message")
    page.click("button[name=action][value=draft]")
    page.wait_for_url(re.compile(r"/bulletins/\d+\?m=created"))
    assert "Nháp" in editor.text("#status")
    editor.check_console()


def test_admin_pages(people, site: Site) -> None:
    admin = people("admin")
    admin.goto("/admin/lexicon", "lexicon")
    admin.page.fill("#lexicon-form input[name=written]", "HTX")
    admin.page.fill("#lexicon-form input[name=spoken]", "hợp tác xã")
    admin.page.click("#lexicon-form button[type=submit]")
    admin.page.wait_for_url(re.compile(r"m=lexicon"))
    assert "hợp tác xã" in admin.text("#lexicon-table")
    admin.goto("/admin/users", "users")
    admin.goto("/admin/stations", "stations")
    assert "Ed25519" in admin.text()
    admin.goto("/bulletins?status=ready", "bulletins-filtered")
    admin.goto("/week?station=xa-c", "week-xa-c")
    admin.check_console()
