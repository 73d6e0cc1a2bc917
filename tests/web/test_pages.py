"""The staff pages in-process (both database backends): sessions, CSRF, throttling, roles, uploads, reports."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import timedelta
from pathlib import Path

import imageio_ffmpeg
import pytest
from docx import Document
from sqlmodel import Session, func, select

from broadcast.models import (
    AuditLog,
    AuthToken,
    Bulletin,
    BulletinStatus,
    ItemStatus,
    LexiconEntry,
    LoginAttempt,
    Placement,
    PlaylistItem,
    Receiver,
    Station,
    utcnow,
)
from broadcast.services import synthesis
from tests.conftest import PASSWORD, World
from tests.web.conftest import FORM_CSRF
from tests.web.test_staff_app import _no_quiet_hours

TEXT = "UBND xã thông báo: ngày 15/3/2025 có 120 hộ được hỗ trợ."


def _count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def approve_on_page(client, csrf: str, bulletin_id: int, runtime, comment: str = ""):  # type: ignore[no-untyped-def]
    """Make the submitted version's audio, open the page, and approve the version and audio it offers."""
    synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    page = client.get(f"/bulletins/{bulletin_id}").text
    fields = dict(re.findall(r'name="(version_id|audio_sha256)" value="([^"]+)"', page))
    assert set(fields) == {"version_id", "audio_sha256"}, "the page offers no version to approve"
    return client.post(f"/bulletins/{bulletin_id}/approve", data={"csrf_token": csrf, "comment": comment, **fields})


def _create(client, csrf: str, **fields) -> int:  # type: ignore[no-untyped-def]
    data = {"title": "Thông báo", "text": TEXT, "priority": "normal", "voice": "", "stations": ["xa-a"],
            "action": "draft", "csrf_token": csrf, **fields}
    reply = client.post("/bulletins", data=data)
    assert reply.status_code == 200 and "/bulletins/" in reply.url.path, reply.text[:800]
    return int(reply.url.path.rsplit("/", 1)[1])


def test_login_session_cookie_and_logout(app_client, world: World, runtime) -> None:
    assert app_client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    page = app_client.get("/login")
    token = FORM_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    reply = app_client.post("/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token,
                                            "next": "https://evil.example/"}, follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/"  # never off-site
    cookie = reply.headers["set-cookie"]
    assert "bc_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; HTTPS or secure_cookies adds it
    home = app_client.get("/")
    assert home.status_code == 200 and "Bản tin của tôi" in home.text
    csrf = FORM_CSRF.search(home.text).group(1)  # type: ignore[union-attr]
    old_cookie = app_client.cookies.get("bc_session")
    assert app_client.post("/logout", data={"csrf_token": csrf}).url.path == "/login"
    with Session(runtime.engine) as session:
        assert session.exec(select(AuthToken).where(AuthToken.kind == "web")).one().revoked_at is not None
    app_client.cookies.set("bc_session", old_cookie)  # a kept cookie is worthless after logout
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_secure_cookie_over_https(app_client, world: World, runtime) -> None:
    runtime.settings.secure_cookies = True
    page = app_client.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    token = FORM_CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    reply = app_client.post("/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token},
                            follow_redirects=False)
    assert "Secure" in reply.headers["set-cookie"]


def test_login_form_needs_its_csrf_cookie(app_client, world: World) -> None:
    reply = app_client.post("/login", data={"username": "editor", "password": PASSWORD, "csrf_token": "forged"})
    assert reply.status_code == 403 and "Biểu mẫu đăng nhập đã cũ" in reply.text


def test_repeated_failures_are_refused_at_once_and_logged(app_client, world: World, runtime) -> None:
    page = app_client.get("/login")

    def attempt():  # type: ignore[no-untyped-def]
        token = FORM_CSRF.search(page.text).group(1)  # type: ignore[union-attr]  # each page has a fresh token
        return app_client.post("/login", data={"username": "editor", "password": "wrong", "csrf_token": token})

    for _ in range(5):
        page = attempt()
        assert page.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in page.text
    assert "chờ lâu hơn" in page.text
    page = attempt()
    assert page.status_code == 401
    page = attempt()  # the sixth failure in a row blocks the next try: 429 at once (tests/hardening)
    assert page.status_code == 429 and page.headers["retry-after"]
    with Session(runtime.engine) as session:
        attempts = session.exec(select(LoginAttempt).where(LoginAttempt.username == "editor")).all()
        failures = session.exec(select(AuditLog).where(AuditLog.action == "user.login_failed")).all()
    assert len(attempts) == 6 and not any(a.success for a in attempts)
    assert len(failures) == 6 and all(f.detail.startswith("web: editor from ") for f in failures)


def test_every_form_needs_the_csrf_token(web_client, world: World, runtime) -> None:
    client, csrf = web_client("editor")
    reply = client.post("/bulletins", data={"title": "x", "text": TEXT, "stations": ["xa-a"]})
    assert reply.status_code == 403 and "CSRF" in reply.text
    reply = client.post("/bulletins", data={"title": "x", "text": TEXT, "stations": ["xa-a"], "csrf_token": "bad"})
    assert reply.status_code == 403
    assert client.post("/bulletins/preview", data={"text": TEXT}, headers={"X-CSRF-Token": "bad"}).status_code == 403
    assert _count(runtime, Bulletin) == 0
    _create(client, csrf)
    assert _count(runtime, Bulletin) == 1


def test_editor_sees_only_their_stations(web_client, world: World) -> None:
    editor, csrf = web_client("editor")
    bulletin_id = _create(editor, csrf, title="Tin của xã A")
    other, _ = web_client("editor-c")
    assert "Tin của xã A" not in other.get("/bulletins").text
    reply = other.get(f"/bulletins/{bulletin_id}")
    assert reply.status_code == 404 and "Không tìm thấy bản tin" in reply.text
    assert other.get(f"/bulletins/{bulletin_id}/schedule").status_code == 404
    assert other.get("/week?station=xa-a").status_code == 404
    assert other.get("/reports.csv?station=xa-a").status_code == 404
    assert other.get("/admin/audit").status_code == 403
    reports = other.get("/reports.csv").text
    assert "xa-c" in reports and "xa-a" not in reports


def test_author_cannot_approve_and_edit_sends_back(web_client, world: World, runtime) -> None:
    approver, csrf = web_client("approver")
    own = _create(approver, csrf, action="submit")
    page = approver.get(f"/bulletins/{own}")
    assert "không thể tự duyệt" in page.text and 'id="approve-button"' not in page.text
    reply = approver.post(f"/bulletins/{own}/approve", data={"csrf_token": csrf})
    assert reply.status_code == 403 and "Tác giả không được tự duyệt" in reply.text

    editor, editor_csrf = web_client("editor")
    theirs = _create(editor, editor_csrf, action="submit")
    assert approver.post(f"/bulletins/{theirs}/reject", data={"csrf_token": csrf}).status_code == 422
    rejected = approver.post(f"/bulletins/{theirs}/reject", data={"csrf_token": csrf, "comment": "Sai ngày tháng."})
    assert "Đã từ chối bản tin" in rejected.text and "Bị từ chối" in rejected.text
    assert "Lý do từ chối: Sai ngày tháng." in editor.get("/").text
    editor.post(f"/bulletins/{theirs}/submit", data={"csrf_token": editor_csrf})
    reply = approve_on_page(approver, csrf, theirs, runtime, "được")
    assert "Đã duyệt bản tin" in reply.text
    reply = editor.post(f"/bulletins/{theirs}/edit", data={"csrf_token": editor_csrf, "title": "Thông báo (sửa)",
                                                            "text": TEXT + " Bổ sung.", "priority": "normal"})
    assert "phải được duyệt lại" in reply.text
    with Session(runtime.engine) as session:
        bulletin = session.get(Bulletin, theirs)
        assert bulletin is not None and bulletin.status == BulletinStatus.submitted and bulletin.approved_by is None
        actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.object_id == theirs,
                                                                          AuditLog.object_type == "bulletin")
                                                  .order_by(AuditLog.id)).all()]
    assert actions == ["bulletin.create", "bulletin.submit", "bulletin.reject", "bulletin.submit", "bulletin.approve",
                       "bulletin.edit"]


def _docx(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_uploads(web_client, world: World, runtime) -> None:
    runtime.settings.max_upload_mb = 1
    client, csrf = web_client("editor")
    base = {"title": "Tệp", "stations": ["xa-a"], "csrf_token": csrf, "priority": "normal"}
    refused = [
        (("x.odt", b"PK\x03\x04"), "chỉ nhận tệp .docx, .txt, .pdf"),
        (("x.pdf", b"%PDF-1.4"), "bị hỏng"),
        (("x.txt", b"a" * (1024 * 1024 + 1)), "Tệp quá lớn"),
        (("x.docx", b"PK\x03\x04garbage"), "bị hỏng"),
        (("x.txt", b"\x00\x01binary"), "không đọc được"),
        (("x.mp3", b"not audio at all" * 50), ""),
    ]
    for (name, data), message in refused:
        reply = client.post("/bulletins", data=base, files={"file": (name, data, "application/octet-stream")})
        assert reply.status_code == 422, (name, reply.text[:300])
        assert message in reply.text
    huge = client.post("/bulletins", data=base, files={"file": ("big.mp3", b"\xff" * (3 << 20), "audio/mpeg")})
    assert huge.status_code == 413 and "Tệp quá lớn (3,0 MB)" in huge.text  # refused before the body is read
    assert _count(runtime, Bulletin) == 0
    assert not list((runtime.settings.media_dir).rglob("*.mp3"))

    both = client.post("/bulletins", data={**base, "text": "đã dán"},
                       files={"file": ("a.docx", _docx("Nội dung"), "application/octet-stream")})
    assert both.status_code == 422 and "chỉ dùng một cách" in both.text

    reply = client.post("/bulletins", data=base, files={"file": ("a.docx", _docx("Dòng một", "", "", "Dòng hai"),
                                                                  "application/octet-stream")})
    assert reply.status_code == 200, re.findall(r"alert error.{0,300}", reply.text, re.S)
    with Session(runtime.engine) as session:
        assert session.exec(select(Bulletin)).one().text == "Dòng một\n\nDòng hai"

    headed = Document()
    headed.add_heading("Lịch cắt điện tuần này", level=1)
    headed.add_paragraph("Thôn Nà Pàn mất điện sáng thứ hai.")
    buffer = io.BytesIO()
    headed.save(buffer)
    word = {"file": ("c.docx", buffer.getvalue(), "application/octet-stream")}
    offered = client.post("/bulletins/extract", files=word, headers={"X-CSRF-Token": csrf}).json()
    assert offered["title"] == "Lịch cắt điện tuần này" and "tiêu đề lấy từ đề mục" in offered["message"]
    untitled = client.post("/bulletins", data={**base, "title": ""}, files=word)  # no title typed: the heading
    assert "?m=created" in str(untitled.url), re.findall(r"alert error.{0,300}", untitled.text, re.S)
    with Session(runtime.engine) as session:
        assert session.exec(select(Bulletin.title).order_by(Bulletin.id.desc())).first() == \
            "Lịch cắt điện tuần này"

    extracted = client.post("/bulletins/extract", files={"file": ("b.txt", "Xin chào\r\nbà con".encode("utf-16"),
                                                                  "text/plain")}, headers={"X-CSRF-Token": csrf})
    assert extracted.json()["text"] == "Xin chào\r\nbà con".strip()
    bad = client.post("/bulletins/extract", files={"file": ("b.exe", b"MZ", "x")}, headers={"X-CSRF-Token": csrf})
    assert bad.status_code == 422 and "chỉ nhận tệp" in bad.json()["error"]


def _tone(path: Path) -> bytes:
    """A real 3 s recording, as a phone would upload it."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=3", "-ar", "22050", str(path)], check=True)
    return path.read_bytes()


def test_recording_bulletin(web_client, world: World, runtime, tmp_path) -> None:
    wav = tmp_path / "tone.wav"
    _tone(wav)
    client, csrf = web_client("editor")
    reply = client.post("/bulletins", data={"title": "Ghi âm của chủ tịch", "stations": ["xa-a"], "csrf_token": csrf,
                                            "action": "submit"},
                        files={"file": ("chu-tich.wav", wav.read_bytes(), "audio/wav")})
    assert reply.status_code == 200 and "Ghi âm" in reply.text, reply.text[:500]
    with Session(runtime.engine) as session:
        bulletin = session.exec(select(Bulletin)).one()
    assert bulletin.source == "recording" and bulletin.status == BulletinStatus.submitted
    approver, approver_csrf = web_client("approver")
    approve_on_page(approver, approver_csrf, bulletin.id, runtime)
    page = approver.get(f"/bulletins/{bulletin.id}")
    assert "Sẵn sàng phát" in page.text and "/api/v1/media/" in page.text


def test_preview_and_quick_lexicon_fix(web_client, world: World, runtime) -> None:
    client, csrf = web_client("editor")
    headers = {"X-CSRF-Token": csrf, "X-Requested-With": "fetch"}
    reply = client.post("/bulletins/preview", data={"text": "HTX Nà Pàn họp lúc 7h30."}, headers=headers)
    assert reply.status_code == 200 and 'data-written="7h30"' in reply.text
    src = reply.text.split('src="', 1)[1].split('"', 1)[0]
    audio = client.get(src)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg" and len(audio.content) > 1000
    saved = client.post("/lexicon/quick", data={"written": "Pàn", "spoken": "pàn thôn"}, headers=headers)
    assert saved.status_code == 200 and "Đã lưu" in saved.json()["message"]
    # A bulletin being written carries its own readings; the province-wide lexicon is untouched.
    assert _count(runtime, LexiconEntry) == 0
    readings = saved.json()["overrides"]
    again = client.post("/bulletins/preview", data={"text": "HTX Nà Pàn họp lúc 7h30.", "overrides": readings},
                        headers=headers)
    assert 'data-written="Pàn" data-spoken="pàn thôn"' in again.text
    refused = client.post("/lexicon/quick", data={"written": "7h", "spoken": "7 giờ"}, headers=headers)
    assert refused.status_code == 422 and "viết số bằng chữ" in refused.json()["error"]
    empty_fix = client.post("/lexicon/quick", data={"written": "Pàn", "spoken": " "}, headers=headers)
    assert empty_fix.status_code == 422 and "cần có cả chữ viết và cách đọc" in empty_fix.json()["error"]
    empty = client.post("/bulletins/preview", data={"text": "  "}, headers=headers)
    assert empty.status_code == 422 and "Văn bản trống" in empty.text


def test_schedule_quiet_hours_and_clash_messages(web_client, world: World, runtime) -> None:
    editor, editor_csrf = web_client("editor")
    approver, csrf = web_client("approver")
    first = _create(editor, editor_csrf, action="submit", stations=["xa-a", "xa-b"])
    approve_on_page(approver, csrf, first, runtime)
    tomorrow = (utcnow().astimezone(runtime.settings.tz) + timedelta(days=1)).date().isoformat()
    quiet = approver.post(f"/bulletins/{first}/schedule", data={
        "csrf_token": csrf, "stations": ["xa-a"], "mode": "at", "at_date": tomorrow, "at_time": "23:00"})
    assert quiet.status_code == 422 and "giờ yên tĩnh" in quiet.text
    by_district = approver.post(f"/bulletins/{first}/schedule", data={
        "csrf_token": csrf, "districts": ["Văn Lãng, Lạng Sơn"], "mode": "at", "at_date": tomorrow,
        "at_time": "09:00"})
    assert "Đã xếp lịch phát" in by_district.text
    with Session(runtime.engine) as session:
        items = session.exec(select(PlaylistItem)).all()
        assert {session.get(Station, i.station_id).code for i in items} == {"xa-a", "xa-b"}  # type: ignore[union-attr]
    second = _create(editor, editor_csrf, action="submit", title="Tin thứ hai")
    approve_on_page(approver, csrf, second, runtime)
    clash = approver.post(f"/bulletins/{second}/schedule", data={
        "csrf_token": csrf, "stations": ["xa-a"], "mode": "at", "at_date": tomorrow, "at_time": "09:00"})
    assert clash.status_code == 409 and "Trùng giờ với nội dung đã xếp lịch" in clash.text
    alert = clash.text.split('class="alert error"', 1)[1].split("</div>", 1)[0]
    assert not re.search(r"#\d|\bslot\b|xa-a", alert) and "Xã A —" in clash.text  # no ids, codes or English
    queued = approver.post(f"/bulletins/{second}/schedule", data={
        "csrf_token": csrf, "stations": ["xa-a"], "mode": "at", "at_date": tomorrow, "at_time": "09:00",
        "on_clash": "queue"})
    assert "Đã xếp lịch phát" in queued.text
    week = approver.get("/week?station=xa-a").text
    assert week.count("Thông báo") >= 1 and "Tin thứ hai" in week
    with Session(runtime.engine) as session:
        placement = session.exec(select(Placement).where(Placement.bulletin_id == second)).one()
    cancelled = approver.post(f"/placements/{placement.id}/cancel", data={"csrf_token": csrf})
    assert "Đã hủy lịch phát" in cancelled.text
    assert "Tin thứ hai" not in approver.get("/week?station=xa-a").text


def test_emergency_rules(web_client, world: World, runtime) -> None:
    editor, editor_csrf = web_client("editor")
    form = {"title": "Cảnh báo lũ", "text": "Khẩn cấp: lũ quét, bà con lên chỗ cao.", "stations": ["xa-a"],
            "confirm": "1", "password": PASSWORD}
    refused = editor.post("/emergency", data={**form, "csrf_token": editor_csrf})
    assert refused.status_code == 403 and "Chỉ người duyệt tin hoặc quản trị" in refused.text
    approver, csrf = web_client("approver")
    unconfirmed = approver.post("/emergency", data={**form, "confirm": "", "csrf_token": csrf})
    assert unconfirmed.status_code == 422 and "đánh dấu xác nhận" in unconfirmed.text
    assert _count(runtime, Bulletin) == 0 and _count(runtime, Placement) == 0

    started = approver.post("/emergency", data={**form, "csrf_token": csrf})
    # No cluster has ever been heard: the page says so and the banner does not claim it is playing.
    assert "Đã gửi lệnh phát khẩn cấp" in started.text and "Chưa phát được ở đâu cả" in started.text
    assert "KHẨN CẤP CHƯA PHÁT ĐƯỢC" in started.text and "ĐANG PHÁT KHẨN CẤP" not in started.text
    with Session(runtime.engine) as session:
        bulletin = session.exec(select(Bulletin)).one()
        assert bulletin.status == BulletinStatus.ready and bulletin.created_by == bulletin.approved_by
        item = session.exec(select(PlaylistItem)).one()
        assert item.priority.value == "emergency" and item.status == ItemStatus.scheduled
        placement = session.exec(select(Placement)).one()
    assert "KHẨN CẤP CHƯA PHÁT ĐƯỢC" in editor.get("/bulletins").text  # visible to the station's other staff
    other, _ = web_client("editor-c")
    assert "KHẨN CẤP" not in other.get("/").text  # not their station
    with Session(runtime.engine) as session:  # a cluster is heard: now the banner may say it is playing
        receiver = session.exec(select(Receiver).join(Station).where(Station.code == "xa-a")).one()
        receiver.last_seen_at = utcnow()
        session.add(receiver)
        session.commit()
    assert "ĐANG PHÁT KHẨN CẤP" in editor.get("/bulletins").text

    with Session(runtime.engine) as session:  # once played, it is no longer shown as running
        item = session.get(PlaylistItem, item.id)
        item.status = ItemStatus.played  # type: ignore[union-attr]
        session.add(item)
        session.commit()
    assert "ĐANG PHÁT KHẨN CẤP" not in approver.get("/").text
    with Session(runtime.engine) as session:
        item.status = ItemStatus.scheduled  # type: ignore[union-attr]
        session.add(session.merge(item))
        session.commit()
    assert "Hủy phát khẩn cấp</button>" not in editor.get("/bulletins").text  # an editor cannot cancel it
    refused_cancel = editor.post(f"/emergency/{placement.id}/cancel", data={"csrf_token": editor_csrf})
    assert refused_cancel.status_code == 403 and "hủy phát khẩn cấp" in refused_cancel.text
    cancelled = approver.post(f"/emergency/{placement.id}/cancel", data={"csrf_token": csrf})
    assert "Đã hủy phát khẩn cấp" in cancelled.text and "ĐANG PHÁT KHẨN CẤP" not in cancelled.text
    with Session(runtime.engine) as session:
        actions = {a.action for a in session.exec(select(AuditLog)).all()}
    assert {"emergency.start", "emergency.cancel", "bulletin.approve", "placement.create"} <= actions


def test_emergency_from_a_recording(web_client, world: World, runtime, tmp_path) -> None:
    admin, csrf = web_client(world.admin)
    form = {"title": "Lệnh sơ tán", "stations": ["xa-b", "xa-c"], "confirm": "1", "password": PASSWORD,
            "csrf_token": csrf}
    text_doc = admin.post("/emergency", data=form, files={"file": ("lenh.docx", b"PK", "application/octet-stream")})
    assert text_doc.status_code == 422 and "chỉ nhận tệp ghi âm" in text_doc.text
    started = admin.post("/emergency", data=form, files={"file": ("lenh.wav", _tone(tmp_path / "t.wav"), "audio/wav")})
    assert "Đã gửi lệnh phát khẩn cấp" in started.text and "Chưa phát được ở đâu cả" in started.text
    assert 'data-station="xa-b"' in started.text and 'data-station="xa-c"' in started.text
    with Session(runtime.engine) as session:
        bulletin = session.exec(select(Bulletin)).one()
        assert bulletin.source == "recording" and bulletin.status == BulletinStatus.ready
        assert session.exec(select(func.count()).select_from(PlaylistItem)).one() == 2


def test_receivers_and_reports(web_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)  # "Phát ngay" below: the suite runs at any hour, quiet hours included
    approver, csrf = web_client("approver")
    editor, editor_csrf = web_client("editor")
    bulletin_id = _create(editor, editor_csrf, action="submit", stations=["xa-a", "xa-b"])
    approve_on_page(approver, csrf, bulletin_id, runtime)
    approver.post(f"/bulletins/{bulletin_id}/schedule", data={"csrf_token": csrf, "stations": ["xa-a"],
                                                              "mode": "now"})
    now = utcnow()
    with Session(runtime.engine) as session:
        item = session.exec(select(PlaylistItem)).one()
        item.status, item.status_at = ItemStatus.played, now
        session.add(item)
        receivers = {session.get(Station, r.station_id).code: r for r in session.exec(select(Receiver)).all()}  # type: ignore[union-attr]
        receivers["xa-a"].last_seen_at = now
        receivers["xa-a"].last_played_item_id, receivers["xa-a"].last_played_at = item.id, now
        receivers["xa-b"].last_seen_at = now - timedelta(hours=2)
        receivers["xa-b"].last_error = "loa 2 không phản hồi"
        session.add_all(receivers.values())
        session.commit()
    page = approver.get("/receivers").text
    silent = page.split('id="silent-stations"', 1)[1].split("</section>", 1)[0]
    assert "Xã B" in silent and "Xã A" not in silent and "2 giờ trước" in silent
    assert "Trực tuyến" in page and "Mất kết nối" in page and "loa 2 không phản hồi" in page
    assert "Thông báo" in page.split('data-station="xa-a"', 1)[1]  # last played item's title
    csv_text = approver.get("/reports.csv").content.decode("utf-8-sig")
    rows = {row[0]: row for row in csv.reader(io.StringIO(csv_text.strip()))}
    # approval needs the audio, so the aired occurrence has its real length, written with a decimal comma
    assert rows["xa-a"][5:8] == ["1", "1", rows["xa-a"][7]] and re.fullmatch(r"\d+,\d", rows["xa-a"][7])
    assert float(rows["xa-a"][7].replace(",", ".")) > 0.0 and rows["xa-b"][7] == "0,0"
    assert rows["xa-b"][5:7] == ["0", "0"]
    assert re.fullmatch(r"01/\d\d/\d{4}", rows["xa-a"][3]) and re.fullmatch(r"\d\d/\d\d/\d{4}", rows["xa-a"][4])
    report = approver.get("/reports").text
    assert 'id="fig-online">1 / 2' in report
    assert approver.get("/reports?since=2025-02-10&until=2025-01-01").status_code == 422


@pytest.mark.parametrize("path", ["/admin/lexicon", "/admin/audit", "/admin/users", "/admin/stations"])
def test_admin_pages_are_for_admins(web_client, world: World, path: str) -> None:
    editor, _ = web_client("editor")
    assert editor.get(path).status_code == 403
    admin, _ = web_client(world.admin)
    assert admin.get(path).status_code == 200


def test_admin_creates_user_station_and_receiver(web_client, world: World, runtime) -> None:
    admin, csrf = web_client(world.admin)
    reply = admin.post("/admin/users", data={"csrf_token": csrf, "username": "lan.vh", "full_name": "Vi Hồng Lan",
                                             "role": "editor", "stations": ["xa-c"]})
    password = reply.text.split('id="new-password">', 1)[1].split("<", 1)[0]
    assert len(password) >= 12
    newcomer, _ = web_client("lan.vh", password)
    assert "Vi Hồng Lan" in newcomer.get("/").text
    reply = admin.post("/admin/users", data={"csrf_token": csrf, "username": "lan.vh", "password": PASSWORD})
    assert reply.status_code == 409 and "đã có" in reply.text
    reply = admin.post("/admin/stations", data={"csrf_token": csrf, "code": "xa-d", "name": "Xã D",
                                                "district": "Cao Lộc", "template": "daily"})
    assert "Xã D" in reply.text
    reply = admin.post("/admin/stations/xa-d/receivers", data={"csrf_token": csrf, "name": "Cụm loa chợ"})
    token = reply.text.split('id="device-token">', 1)[1].split("<", 1)[0]
    assert token.startswith("rcv_")
    editor, _ = web_client("editor")
    locked = admin.post("/admin/users/editor/active", data={"csrf_token": csrf, "active": "0"})
    assert locked.status_code == 200 and "Đã khóa" in locked.text
    assert editor.get("/", follow_redirects=False).status_code == 303  # a locked account's session ends at once
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(Receiver)).one() == 4
