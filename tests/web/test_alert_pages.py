"""The CAP warning pages: upload (approvers and admins), refusals in Vietnamese, the approver's page with
the original fields and an SVG map, the banner and the notification, and "approve and play now"."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, func, select

from broadcast.db import session_scope
from broadcast.models import CapAlertRecord, ItemStatus, Notification, PlaylistItem, utcnow
from broadcast.services import notifications, synthesis
from tests.alerts import cap_samples as samples
from tests.alerts.geo_fixtures import place_demo_communes
from tests.conftest import World
from tests.web.test_browser_staff import SCAN
from tests.web.test_voices_pages import visible_text

FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def located(runtime, world: World) -> World:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        place_demo_communes(session, ["xa-a", "xa-b", "xa-c"])
    return world


def _no_english(html: str) -> None:
    words = SCAN.findall(visible_text(html))
    assert not words, f"English words or codes on the page: {sorted(set(words))}"


def _upload(client, csrf: str, body: bytes, name: str = "canh-bao.xml"):  # type: ignore[no-untyped-def]
    return client.post("/alerts/upload", data={"csrf_token": csrf}, files={"file": (name, body, "application/xml")})


def test_editors_cannot_see_or_upload_warnings(web_client, located: World) -> None:  # type: ignore[no-untyped-def]
    editor, csrf = web_client(located.editor)
    assert editor.get("/alerts").status_code == 403
    assert _upload(editor, csrf, samples.flood_warning()).status_code == 403
    assert 'href="/alerts"' not in editor.get("/").text


def test_refused_files_come_back_in_vietnamese_with_nothing_stored(web_client, located: World, runtime) -> None:  # type: ignore[no-untyped-def]
    approver, csrf = web_client(located.approver)
    for body, words in ((samples.XXE, "DOCTYPE"), (samples.BAD_SEVERITY, "không phải cảnh báo CAP 1.2 hợp lệ"),
                        (b"not xml", "không phải XML")):
        page = _upload(approver, csrf, body)
        assert page.status_code == 422 and words in visible_text(page.text)
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(CapAlertRecord)).one() == 0


def test_upload_review_page_map_banner_notification_and_approve_and_play_now(  # type: ignore[no-untyped-def]
        web_client, located: World, runtime) -> None:
    approver, csrf = web_client(located.approver)
    listing = approver.get("/alerts")
    assert listing.status_code == 200 and "Nhận cảnh báo" in listing.text
    _no_english(listing.text)
    page = _upload(approver, csrf, samples.flood_warning("VN-WEB-1", english_too=True))
    assert page.status_code == 200 and page.url.path.startswith("/alerts/")
    text = visible_text(page.text)
    assert "Đã nhận cảnh báo." in text
    assert "Xã A — nằm trong vùng cảnh báo" in text and "Xã B — nằm trong vùng cảnh báo" in text
    assert "Xã C — " not in text
    assert "Mức nguy hiểm Đặc biệt nguy hiểm" in text and "Mức khẩn Ngay lập tức" in text
    assert "Bà con khẩn trương di chuyển" in text  # the instruction, as sent
    assert "Đang tạo âm thanh" in text  # nothing to approve before the audio exists
    svg = re.search(r"<svg class=\"alert-map\".*?</svg>", page.text, re.S)
    assert svg and svg.group(0).count('fill="#1c7ed6"') >= 4 and 'fill="#d9480f"' in svg.group(0)
    assert "<script" not in page.text.split("<main", 1)[-1].split("</main>", 1)[0]
    _no_english(page.text)
    alert_id = int(page.url.path.rsplit("/", 1)[1])
    assert approver.get(f"/alerts/{alert_id}/xml").text.startswith("<?xml")

    # the banner on the approver's home page, and one notification for them
    home = approver.get("/")
    assert "CẢNH BÁO THIÊN TAI CHỜ DUYỆT" in home.text and f'href="/alerts/{alert_id}"' in home.text
    with session_scope(runtime.engine) as session:
        notifications.collect(session, runtime.settings, utcnow())
    with Session(runtime.engine) as session:
        kinds = session.exec(select(Notification.kind, Notification.link)).all()
        assert ("alert", f"/alerts/{alert_id}") in kinds

    # a duplicate upload changes nothing
    again = _upload(approver, csrf, samples.flood_warning("VN-WEB-1", english_too=True))
    assert "đã nhận trước đó" in visible_text(again.text) and again.url.path == f"/alerts/{alert_id}"

    synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    review = approver.get(f"/alerts/{alert_id}")
    assert "DUYỆT VÀ PHÁT NGAY" in review.text and 'id="alert-audio"' in review.text
    _no_english(review.text)
    form = re.search(r'<form method="post" action="/alerts/\d+/approve".*?</form>', review.text, re.S)
    assert form is not None
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    placed = approver.post(f"/alerts/{alert_id}/approve", data=fields)
    assert placed.status_code == 200 and placed.url.path.startswith("/placements/"), placed.text[:500]
    with Session(runtime.engine) as session:
        items = session.exec(select(PlaylistItem)).all()
        assert len(items) == 2 and {i.status for i in items} == {ItemStatus.scheduled}
    assert "CẢNH BÁO THIÊN TAI CHỜ DUYỆT" not in approver.get("/").text
    after = approver.get(f"/alerts/{alert_id}")
    assert "Đã duyệt và phát" in visible_text(after.text)
    assert visible_text(after.text).count("Đã xếp lịch") == 2  # what airs: one occurrence per covered station
    _no_english(after.text)
    _no_english(approver.get("/alerts").text)
    admin, _ = web_client(located.admin)
    _no_english(admin.get("/admin/audit").text)


def test_a_warning_without_vietnamese_says_so(web_client, located: World) -> None:  # type: ignore[no-untyped-def]
    admin, csrf = web_client(located.admin)
    page = _upload(admin, csrf, samples.THUNDERSTORM)
    assert "không có phần tiếng Việt" in visible_text(page.text)
    assert "Đã hết hiệu lực" in visible_text(page.text)


def test_an_intake_machine_account_has_no_web_pages(app_client, runtime, world: World) -> None:  # type: ignore[no-untyped-def]
    from broadcast.models import Role
    from broadcast.services.accounts import create_user
    from tests.conftest import PASSWORD

    with session_scope(runtime.engine) as session:
        create_user(session, "kttv-may", PASSWORD, Role.intake)
    token = FORM_CSRF.search(app_client.get("/login").text)
    assert token is not None
    reply = app_client.post("/login", data={"username": "kttv-may", "password": PASSWORD,
                                            "csrf_token": token.group(1), "next": "/"})
    assert reply.status_code == 403 and "Không được phép" in reply.text
    assert app_client.get("/alerts").status_code == 403
