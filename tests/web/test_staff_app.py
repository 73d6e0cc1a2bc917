"""Issue 14 in-process: what an official relies on (listen before approving, delivery status, as-run log,
notifications, safe defaults), on both databases."""

from __future__ import annotations

import io
import re
import select as io_select
import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import imageio_ffmpeg
import pytest
from sqlmodel import Session, select

from broadcast.models import (
    Bulletin,
    BulletinStatus,
    ItemStatus,
    Notification,
    Placement,
    PlaylistItem,
    Priority,
    Receiver,
    Station,
    User,
    utcnow,
)
from broadcast.services import notifications
from tests.conftest import World, free_port
from tests.distribute.support import ready_bulletin


def tone(path: Path, seconds: int = 3) -> bytes:
    """A real recording, as a phone would upload it."""
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-ar", "22050", str(path)], check=True)
    return path.read_bytes()


def test_approver_can_listen_to_a_recording_before_approving(web_client, world: World, runtime, tmp_path) -> None:
    editor, csrf = web_client("editor")
    reply = editor.post("/bulletins", data={"title": "Ghi âm của chủ tịch", "stations": ["xa-a"],
                                            "csrf_token": csrf, "action": "submit"},
                        files={"file": ("chu-tich.wav", tone(tmp_path / "t.wav"), "audio/wav")})
    assert reply.status_code == 200, reply.text[:500]
    with Session(runtime.engine) as session:
        bulletin = session.exec(select(Bulletin)).one()
    assert bulletin.status == BulletinStatus.submitted
    approver, _ = web_client("approver")
    page = approver.get(f"/bulletins/{bulletin.id}").text
    assert "Nghe trước khi duyệt" in page
    player = re.search(r'<audio[^>]*src="(/api/v1/media/[0-9a-f]{64}\.mp3)"[^>]*id="bulletin-audio"', page)
    assert player, page
    assert re.search(r'id="audio-duration">0:03<', page)
    assert 'id="approve-button"' in page
    mp3 = approver.get(player.group(1))
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg" and len(mp3.content) > 10_000
    assert re.search(r"độ to trung bình -?\d+,\d dB", page)  # a decimal comma, no LUFS code


def _no_quiet_hours(runtime) -> None:  # type: ignore[no-untyped-def]
    """Tests place "now" at whatever hour they run."""
    with Session(runtime.engine) as session:
        for station in session.exec(select(Station)).all():
            station.quiet_start = station.quiet_end = "00:00"
            session.add(station)
        session.commit()


def _report(client, token: str, *events: dict) -> None:  # type: ignore[no-untyped-def]
    reply = client.post("/api/v1/receiver/reports", headers={"Authorization": f"Bearer {token}"},
                        json={"events": list(events), "heartbeat": None})
    assert reply.status_code == 200 and not reply.json()["ignored"], reply.text


def _event(event_id: str, item_id: int, kind: str, detail: str = "") -> dict:
    return {"event_id": event_id, "item_id": item_id, "kind": kind, "at": utcnow().isoformat(), "detail": detail}


def _items(runtime) -> dict[str, PlaylistItem]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        rows = session.exec(select(PlaylistItem, Station.code).join(Station)).all()
    return {code: item for item, code in rows}


def test_play_now_shows_each_cluster_truthfully(web_client, app_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Thông báo họp dân", ["xa-a", "xa-b"], seconds=5)
    approver, csrf = web_client("approver")
    token_a = world.receiver_tokens["xa-a"]
    assert app_client.get("/api/v1/receiver/playlist", headers={"Authorization": f"Bearer {token_a}"}).status_code \
        == 200  # xa-a's cluster has been heard; xa-b's never
    with Session(runtime.engine) as session:  # the batched last-seen write, done now
        receiver = session.exec(select(Receiver).join(Station).where(Station.code == "xa-a")).one()
        receiver.last_seen_at = utcnow()
        session.add(receiver)
        session.commit()
    placed = approver.post(f"/bulletins/{bulletin_id}/schedule",
                           data={"csrf_token": csrf, "stations": ["xa-a", "xa-b"], "mode": "now"})
    assert placed.status_code == 200 and "/delivery" in placed.url.path, placed.text[:500]
    page = placed.text
    assert "Đã gửi lệnh phát ngay" in page and "Cụm loa đang trực tuyến: <strong>1/2</strong>" in page
    assert "Xã A: 1/1; Xã B: 0/1" in page
    assert re.search(r'data-state="waiting"', page) and re.search(r'data-state="never"', page)
    assert "Chưa từng nhận tín hiệu" in page
    live = placed.url.path + "/live"
    items = _items(runtime)

    _report(app_client, token_a, _event("d1", items["xa-a"].id or 0, "downloaded"))
    assert 'data-state="playing"' in approver.get(live).text
    _report(app_client, token_a, _event("p1", items["xa-a"].id or 0, "played",
                                        "played 5.0 s, started 0.4 s after its time"))
    part = approver.get(live).text
    assert 'data-state="played"' in part and 'data-state="never"' in part
    assert "Đã phát" in part and "Chưa từng nhận tín hiệu" in part


def test_a_failure_report_changes_the_occurrence_at_once(web_client, app_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Lịch cắt điện", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    placed = approver.post(f"/bulletins/{bulletin_id}/schedule",
                           data={"csrf_token": csrf, "stations": ["xa-a"], "mode": "now"})
    assert "Chưa phát được ở đâu cả" in placed.text  # no cluster is online
    item = _items(runtime)["xa-a"]
    token = world.receiver_tokens["xa-a"]
    # A download failure is not final: the receiver fetches again.
    _report(app_client, token, _event("f0", item.id or 0, "failed",
                                      "download of 0123456789ab failed (HTTP 503); not kept, will fetch again "
                                      "(attempt 1)"))
    assert _items(runtime)["xa-a"].status == ItemStatus.scheduled
    _report(app_client, token, _event("f1", item.id or 0, "failed",
                                      "the player exited with status 1 after 0.2 s: ALSA lib: cannot open device"))
    assert _items(runtime)["xa-a"].status == ItemStatus.failed  # at once, not at expiry
    part = approver.get(placed.url.path + "/live").text
    assert 'data-state="failed"' in part and "Lỗi phát" in part
    assert "Máy phát âm thanh của cụm loa dừng bất thường (mã 1) sau 0,2 giây." in part
    assert "player" not in part and "ALSA" not in part
    assert 'data-finished="1"' in part


def test_editor_cannot_see_another_stations_delivery(web_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin xã A", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    placed = approver.post(f"/bulletins/{bulletin_id}/schedule",
                           data={"csrf_token": csrf, "stations": ["xa-a"], "mode": "now"})
    other, _ = web_client("editor-c")
    assert other.get(placed.url.path).status_code == 404
    assert other.get(placed.url.path + "/live").status_code == 404


def test_as_run_log_filters_and_exports(web_client, app_client, world: World, runtime) -> None:
    from openpyxl import load_workbook

    _no_quiet_hours(runtime)
    first = ready_bulletin(runtime.engine, runtime.media, "Tin tiêm phòng", ["xa-a", "xa-b"], seconds=90)
    second = ready_bulletin(runtime.engine, runtime.media, "Tin khẩn lũ", ["xa-a"], seconds=30, frequency=500,
                            priority=Priority.emergency)
    approver, csrf = web_client("approver")
    for bulletin_id, stations in ((first, ["xa-a", "xa-b"]), (second, ["xa-a"])):
        placed = approver.post(f"/bulletins/{bulletin_id}/schedule",
                               data={"csrf_token": csrf, "stations": stations, "mode": "now"})
        assert placed.status_code == 200, placed.text[:300]
    with Session(runtime.engine) as session:
        items = {(i.bulletin_id, code): i.id for i, code in
                 session.exec(select(PlaylistItem, Station.code).join(Station)).all()}
    _report(app_client, world.receiver_tokens["xa-a"], _event("a1", items[(first, "xa-a")], "played"),
            _event("a2", items[(second, "xa-a")], "played"))
    _report(app_client, world.receiver_tokens["xa-b"],
            _event("b1", items[(first, "xa-b")], "failed", "the player could not start: [Errno 2] mpg123"))

    page = approver.get("/asrun").text
    rows = re.findall(r'<tr data-kind="(\w+)">', page)
    assert sorted(rows) == ["failed", "played", "played"]
    assert "Cụm loa Xã A" in page and "Cụm loa Xã B" in page and "Tin khẩn lũ" in page
    assert "Cụm loa không khởi động được máy phát âm thanh." in page and "mpg123" not in page
    only_b = approver.get("/asrun?station=xa-b").text
    assert re.findall(r'<tr data-kind="(\w+)">', only_b) == ["failed"]
    only_second = approver.get(f"/asrun?bulletin={second}").text
    assert re.findall(r'<tr data-kind="(\w+)">', only_second) == ["played"]
    with Session(runtime.engine) as session:
        receiver_b = session.exec(select(Receiver).join(Station).where(Station.code == "xa-b")).one()
    assert "Tin tiêm phòng" in approver.get(f"/asrun?receiver={receiver_b.id}").text
    tomorrow = (utcnow() + timedelta(days=2)).strftime("%d/%m/%Y")
    assert "Chưa có cụm loa nào báo cáo" in approver.get(f"/asrun?since={tomorrow}&until={tomorrow}").text
    assert approver.get("/asrun?since=31/02/2025").status_code == 422

    csv_reply = approver.get("/asrun.csv")
    assert csv_reply.content.startswith(b"\xef\xbb\xbf") and ".csv" in csv_reply.headers["content-disposition"]
    lines = csv_reply.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Đài,Huyện,Cụm loa,Bản tin,Mức ưu tiên,Giờ dự kiến,Giờ báo cáo,Kết quả,Thời lượng")
    assert len(lines) == 4 and any("Tin tiêm phòng" in line and "1,5" in line for line in lines)

    xlsx = approver.get("/asrun.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxml")
    book = load_workbook(io.BytesIO(xlsx.content))
    summary = book["Tổng hợp"]
    header = [c.value for c in summary[2]]
    assert header[:3] == ["Đài", "Huyện", "Tháng"] and "Số phút – Khẩn cấp" in header
    month = [c.value for c in summary[3]]
    assert month[0] == "Xã A" and month[3:6] == [1, 0, 1] and month[6:10] == [1.5, 0, 0.5, 2.0], month
    assert len(summary._charts) == 1  # the minutes-by-priority chart
    log = book["Nhật ký phát"]
    assert log.max_row == 4 and {row[7] for row in log.iter_rows(min_row=2, values_only=True)} == {
        "Đã phát", "Phát lỗi"}
    # numbers stay numbers (Excel writes them with the reader's decimal comma), shown with a fixed format
    minutes = [row[8] for row in log.iter_rows(min_row=2) if row[7].value == "Đã phát"]
    assert minutes and all(c.data_type == "n" and isinstance(c.value, float) and c.number_format == "0.00"
                           for c in minutes)
    assert all(c.data_type == "n" and c.number_format == "0.0" for c in summary[3][6:10])

    other, _ = web_client("editor-c")  # another district's editor sees none of it
    assert "<tr data-kind" not in other.get("/asrun").text
    assert other.get("/asrun?station=xa-a").status_code == 404
    assert other.get(f"/asrun.csv?bulletin={first}").status_code == 404


class Mailbox:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[tuple[list[str], EmailMessage]] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
                parsed = BytesParser(policy=default_policy).parsebytes(envelope.original_content)
                mailbox.messages.append((list(envelope.rcpt_tos), parsed))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.controller.start()
        self.port = self.controller.port

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.stop()


def _use_smtp(runtime, port: int) -> None:  # type: ignore[no-untyped-def]
    runtime.settings.smtp_host, runtime.settings.smtp_port, runtime.settings.smtp_tls = "127.0.0.1", port, "none"
    runtime.settings.public_url = "http://truyenthanh.example"
    with Session(runtime.engine) as session:
        for user in session.exec(select(User)).all():
            user.email = f"{user.username}@xa.example.vn"
            session.add(user)
        session.commit()


def test_notifications_inbox_and_email(web_client, world: World, runtime, mailbox: Mailbox) -> None:
    _use_smtp(runtime, mailbox.port)
    editor, csrf = web_client("editor")
    approver, approver_csrf = web_client("approver")
    other, _ = web_client("editor-c")
    reply = editor.post("/bulletins", data={"title": "Lịch tiêm phòng dại", "text": "Tiêm phòng dại cho chó mèo.",
                                            "stations": ["xa-a"], "csrf_token": csrf, "action": "submit"})
    bulletin_id = int(reply.url.path.rsplit("/", 1)[1])
    home = approver.get("/").text
    assert re.search(r'id="bell-count">1<', home)
    inbox = approver.get("/notifications").text
    assert "Chờ duyệt: Lịch tiêm phòng dại" in inbox and 'data-kind="submitted"' in inbox
    assert 'id="bell-count"' not in other.get("/").text  # another station's editor hears nothing
    assert 'id="bell-count"' not in editor.get("/").text  # nor the author

    assert notifications.send_pending(runtime.engine, runtime.settings) == 1
    (to, message), = mailbox.messages
    assert to == ["approver@xa.example.vn"]
    assert message["Subject"] == "[Truyền thanh cơ sở] Chờ duyệt: Lịch tiêm phòng dại"
    assert f"http://truyenthanh.example/bulletins/{bulletin_id}" in message.get_content()
    assert notifications.send_pending(runtime.engine, runtime.settings) == 0  # each e-mail once

    opened = approver.get(re.search(r'href="(/notifications/\d+)"', inbox).group(1))  # type: ignore[union-attr]
    assert opened.url.path == f"/bulletins/{bulletin_id}" and 'id="bell-count"' not in opened.text

    approver.post(f"/bulletins/{bulletin_id}/reject", data={"csrf_token": approver_csrf,
                                                            "comment": "Thiếu giờ tiêm cụ thể."})
    assert "Bị từ chối: Lịch tiêm phòng dại" in editor.get("/notifications").text
    assert "Lý do: Thiếu giờ tiêm cụ thể." in editor.get("/notifications").text
    assert notifications.send_pending(runtime.engine, runtime.settings) == 1
    assert mailbox.messages[-1][0] == ["editor@xa.example.vn"]


def test_failed_plays_and_silent_clusters_are_notified(web_client, app_client, world: World, runtime) -> None:
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin mất điện", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    approver.post(f"/bulletins/{bulletin_id}/schedule", data={"csrf_token": csrf, "stations": ["xa-a"],
                                                              "mode": "now"})
    item = _items(runtime)["xa-a"]
    _report(app_client, world.receiver_tokens["xa-a"],
            _event("x", item.id or 0, "failed", "the player could not start: no such file"))
    with Session(runtime.engine) as session:
        receiver = session.exec(select(Receiver).join(Station).where(Station.code == "xa-b")).one()
        receiver.last_seen_at = utcnow() - timedelta(hours=1)
        session.add(receiver)
        session.commit()
    added, sent = notifications.run(runtime.engine, runtime.settings, utcnow())
    assert added >= 3 and sent == 0  # SMTP not configured: inbox only
    assert notifications.run(runtime.engine, runtime.settings, utcnow()) == (0, 0)  # once per event
    inbox = approver.get("/notifications").text
    assert "Không phát được: Tin mất điện" in inbox and "Xã A phát lỗi" in inbox
    assert "Cụm loa mất tín hiệu: Cụm loa Xã B" in inbox
    editor, _ = web_client("editor")  # the author hears of the failure too
    assert "Không phát được: Tin mất điện" in editor.get("/notifications").text
    other, _ = web_client("editor-c")
    assert "Cụm loa Xã B" not in other.get("/notifications").text


def test_email_never_blocks_and_waits_for_a_server(web_client, world: World, runtime) -> None:
    # A server that takes connections into its backlog and never answers: a request that mailed by itself
    # would connect here (and then hang on the greeting). Told by the socket, not by a stopwatch.
    silent = socket.create_server(("127.0.0.1", 0))
    _use_smtp(runtime, silent.getsockname()[1])
    editor, csrf = web_client("editor")
    with silent:
        editor.post("/bulletins", data={"title": "Tin thử", "text": "Nội dung.", "stations": ["xa-a"],
                                        "csrf_token": csrf, "action": "submit"})
        assert io_select.select([silent], [], [], 0)[0] == [], "the request connected to the SMTP server itself"
    # nothing listens there now
    assert notifications.send_pending(runtime.engine, runtime.settings) == 0
    with Session(runtime.engine) as session:
        assert {n.email_status for n in session.exec(select(Notification)).all()} == {"pending"}


def test_risky_defaults_are_safe(web_client, world: World, runtime) -> None:
    admin, csrf = web_client(world.admin)
    page = admin.get("/admin/users").text
    role_select = page.split('name="role">', 1)[1].split("</select>", 1)[0]
    assert re.match(r'<option value="editor" selected>', role_select)  # least privilege preselected
    assert 'data-confirm="Khóa tài khoản' in page
    created = admin.post("/admin/users", data={"csrf_token": csrf, "username": "mai.lt", "stations": ["xa-a"],
                                               "email": "mai@xa.example.vn"})
    assert created.status_code == 200 and "mai.lt" in created.text
    bad = admin.post("/admin/users/editor/email", data={"csrf_token": csrf, "email": "không phải thư"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.text
    with Session(runtime.engine) as session:
        user = session.exec(select(User).where(User.username == "mai.lt")).one()
    assert user.role.value == "editor" and user.email == "mai@xa.example.vn"


def test_audit_details_and_formats_in_vietnamese() -> None:
    from broadcast.web import i18n

    names = {"xa-hoang-dong": "Xã Hoàng Đồng", "xa-b": "Xã B"}
    cases = {
        "slot on xa-hoang-dong: 1 occurrence(s); queued after clashing content":
            "theo khung giờ trên Xã Hoàng Đồng: 1 lượt phát; xếp sau nội dung trùng giờ",
        "now on xa-hoang-dong, xa-b: 2 occurrence(s); replaced #4, #5":
            "phát ngay trên Xã Hoàng Đồng, Xã B: 2 lượt phát; thay thế 2 lượt phát",
        "demo bulletin, approved by the seed": "bản tin mẫu, được duyệt sẵn khi tạo dữ liệu mẫu",
        "web, from 127.0.0.1": "trên trang web, từ máy 127.0.0.1",
        "version 2": "phiên bản 2",
        "version 3, audio 0123456789ab: Đồng ý": "phiên bản 3: Đồng ý",
        "emergency self-approval: author and approver, confirmed with password":
            "tự duyệt khi phát khẩn cấp: vừa là tác giả vừa là người duyệt, đã xác nhận bằng mật khẩu",
        "placement 7 on xa-b": "trên Xã B",
        "placement 7: 1 occurrence(s) cancelled. emergency cancelled": "hủy 1 lượt phát: hủy phát khẩn cấp",
        "lan.vh (editor)": "lan.vh (Biên tập)",
    }
    for english, vietnamese in cases.items():
        assert i18n.audit_sentence(english, names) == vietnamese
    assert i18n.receiver_sentence("the player exited with status 1 after 0.3 s: x") == \
        "Máy phát âm thanh của cụm loa dừng bất thường (mã 1) sau 0,3 giây."
    assert i18n.receiver_sentence("too late: 1200 s after its time, beyond the grace") == \
        "Quá muộn: đã trễ 1200 giây so với giờ phát."
    assert i18n.decimal(0.3) == "0,3" and i18n.decimal(-16.25, 1) == "-16,2" and i18n.decimal(1234.5) == "1.234,5"
    assert i18n.parse_day("5/3/2025").isoformat() == "2025-03-05" and i18n.day_vi(i18n.parse_day("2025-03-05")) \
        == "05/03/2025"
    with pytest.raises(i18n.InvalidDay):
        i18n.parse_day("31/02/2025")
    assert i18n.receiver_sentence("2026-11-28T04:51:31Z failed: the player could not start: [Errno 2]") == \
        "Cụm loa không khởi động được máy phát âm thanh."
    assert i18n.health_sentence("Cụm loa A: not seen since 2026-11-28T04:51:31+00:00, last error: 2026-11-28T04:51:"
                                "31Z failed: the player exited with status 1 after 0.3 s: x") == \
        "Cụm loa A: mất tín hiệu, lỗi gần nhất: Máy phát âm thanh của cụm loa dừng bất thường (mã 1) sau 0,3 giây"


def test_reports_use_vietnamese_formats(web_client, world: World, runtime) -> None:
    approver, _ = web_client("approver")
    page = approver.get("/reports").text
    assert 'id="fig-minutes">0,0<' in page and "quá 20 phút sau giờ phát" in page  # 15 min grace + 5 to report
    assert "Giờ hiển thị theo giờ Việt Nam (GMT+7)." in page and "Asia/Ho_Chi_Minh" not in page
    header = approver.get("/reports.csv").content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Mã đài,Tên đài,Huyện,Từ ngày,Đến ngày,Số bản tin đã phát")
    assert "chưa từng nhận tín hiệu" in approver.get("/receivers").text


def test_rejecting_without_a_reason_is_said_on_the_form(web_client, world: World, runtime, tmp_path) -> None:
    editor, csrf = web_client("editor")
    reply = editor.post("/bulletins", data={"title": "Tin cần lý do", "stations": ["xa-a"], "csrf_token": csrf,
                                            "action": "submit"},
                        files={"file": ("ghi-am.wav", tone(tmp_path / "t.wav"), "audio/wav")})
    bulletin_id = int(reply.url.path.rsplit("/", 1)[1])
    approver, approver_csrf = web_client("approver")
    refused = approver.post(f"/bulletins/{bulletin_id}/reject", data={"csrf_token": approver_csrf, "comment": " "})
    assert refused.status_code == 422
    assert 'id="review-error"' in refused.text and "Hãy ghi lý do từ chối" in refused.text
    assert 'id="review-form"' in refused.text and "<h1>Tin cần lý do</h1>" in refused.text  # the same page
    with Session(runtime.engine) as session:
        assert session.get(Bulletin, bulletin_id).status == BulletinStatus.submitted  # type: ignore[union-attr]


def test_first_run_checklist_until_done(web_client, app_client, world: World, runtime) -> None:
    admin, _ = web_client(world.admin)
    home = admin.get("/").text
    assert 'id="first-run"' in home
    done = dict(re.findall(r'<li data-step="(\w+)" class="(done|)"', home))
    assert done == {"users": "done", "stations": "done", "receivers": "", "test": ""}
    assert "chưa từng nhận tín hiệu" in home  # silent stations never heard
    _no_quiet_hours(runtime)
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Phát thử", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    approver.post(f"/bulletins/{bulletin_id}/schedule", data={"csrf_token": csrf, "stations": ["xa-a"], "mode": "now"})
    _report(app_client, world.receiver_tokens["xa-a"], _event("t", _items(runtime)["xa-a"].id or 0, "played"))
    assert 'id="first-run"' not in admin.get("/").text  # everything done: the checklist goes away
    assert 'id="first-run"' not in approver.get("/").text  # only admins ever see it


def test_slot_checkboxes_show_their_times(web_client, world: World, runtime) -> None:
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin khung giờ", ["xa-a"], seconds=5)
    approver, _ = web_client("approver")
    page = approver.get(f"/bulletins/{bulletin_id}/schedule").text
    labels = re.findall(r'name="slots" value="([^"]+)"[^>]*> [^<]+<span class="muted small">\((\d\d:\d\d–\d\d:\d\d)',
                        page)
    assert len(labels) >= 2, page[:2000]


def test_placing_the_same_bulletin_twice_in_a_slot_warns(web_client, world: World, runtime) -> None:
    bulletin_id = ready_bulletin(runtime.engine, runtime.media, "Tin đặt hai lần", ["xa-a"], seconds=5)
    approver, csrf = web_client("approver")
    day = (utcnow().astimezone(runtime.settings.tz) + timedelta(days=1)).date().isoformat()
    form = {"csrf_token": csrf, "stations": ["xa-a"], "mode": "slot", "date_from": day, "date_to": day,
            "slots": ["sáng"], "on_clash": "queue"}
    first = approver.post(f"/bulletins/{bulletin_id}/schedule", data=form)
    assert first.status_code == 200 and "m=placed" in str(first.url) and "hai lần liền nhau" not in first.text
    second = approver.post(f"/bulletins/{bulletin_id}/schedule", data=form)
    assert second.status_code == 200 and "hai lần liền nhau" in second.text, second.text[:1500]


def test_a_full_slot_is_said_with_its_name_and_time_without_ids_or_english(web_client, world: World,
                                                                           runtime) -> None:
    """Finding 8: a slot with no room left is reported in Vietnamese, by the slot's name and the bulletin's
    title, with no internal #ids, station codes or the English word "slot"."""
    long_one = ready_bulletin(runtime.engine, runtime.media, "Thông báo dài về đất đai", ["xa-a"], seconds=1000)
    second = ready_bulletin(runtime.engine, runtime.media, "Tin thứ hai", ["xa-a"], seconds=1000)
    approver, csrf = web_client("approver")
    day = (utcnow().astimezone(runtime.settings.tz) + timedelta(days=1)).date().isoformat()
    form = {"csrf_token": csrf, "stations": ["xa-a"], "mode": "slot", "date_from": day, "date_to": day,
            "slots": ["sáng"]}
    first = approver.post(f"/bulletins/{long_one}/schedule", data=form)
    assert first.status_code == 200 and "m=placed" in str(first.url), first.text[:1500]
    full = approver.post(f"/bulletins/{second}/schedule", data=form)  # 1000 s more do not fit in 06:00–06:30
    assert full.status_code == 409, full.text[:1500]
    alert = full.text.split('class="alert error"', 1)[1].split("</div>", 1)[0]
    assert "Thông báo dài về đất đai" in alert and "khung giờ sáng" in alert, alert
    assert not re.search(r"#\d|\bslot\b|xa-a|occurrence|on_clash", alert), alert
    with Session(runtime.engine) as session:  # nothing of the refused placement was written
        assert session.exec(select(Placement).where(Placement.bulletin_id == second)).first() is None


def test_as_run_filter_keeps_an_older_chosen_bulletin(web_client, world: World, runtime, monkeypatch) -> None:
    """The bulletin filter offers the newest bulletins; one chosen further back stays chosen and named."""
    from broadcast.web import asrun as asrun_page

    older = ready_bulletin(runtime.engine, runtime.media, "Tin cũ hơn về lịch họp", ["xa-a"], seconds=5)
    newer = ready_bulletin(runtime.engine, runtime.media, "Tin mới hơn", ["xa-a"], seconds=5)
    monkeypatch.setattr(asrun_page, "RECENT_BULLETINS", 1)
    approver, _ = web_client("approver")
    page = approver.get(f"/asrun?bulletin={older}").text
    offered = re.findall(r'name="bulletin" value="(\d*)"( checked)?', page)
    assert offered == [("", ""), (str(newer), ""), (str(older), " checked")], offered
    assert 'id="asrun-bulletin-chosen">Tin cũ hơn về lịch họp<' in page
    assert re.findall(r'name="bulletin" value="(\d*)"( checked)?', approver.get("/asrun").text) == [
        ("", " checked"), (str(newer), "")]
