"""Approval versions in the staff pages (issue 13): the quick fix is one bulletin's, the admin sees what a
lexicon change would re-read, the review page offers the version and audio it approves, on both databases."""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from broadcast.models import Bulletin, BulletinStatus, BulletinVersion, LexiconEntry
from broadcast.services import synthesis
from tests.conftest import World
from tests.web.test_pages import _create, approve_on_page

TEXT = "UBND xã Tân Thanh mời bà con họp lúc 7h30 tại nhà văn hóa thôn Nà Pàn."
FETCH = {"X-Requested-With": "fetch"}


def _versions(runtime, bulletin_id: int) -> list[BulletinVersion]:  # type: ignore[no-untyped-def]
    with Session(runtime.engine) as session:
        return list(session.exec(select(BulletinVersion).where(BulletinVersion.bulletin_id == bulletin_id)
                                 .order_by(BulletinVersion.number)).all())


def test_quick_fix_is_for_one_bulletin_and_needs_approval_again(web_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor, csrf = web_client("editor")
    approver, approver_csrf = web_client("approver")
    first = _create(editor, csrf, action="submit", text=TEXT)
    other = _create(editor, csrf, action="submit", text=TEXT, title="Tin khác")
    assert "Đã duyệt bản tin" in approve_on_page(approver, approver_csrf, first, runtime).text
    aired = _versions(runtime, first)[0].audio_sha256

    fixed = editor.post("/lexicon/quick", headers={**FETCH, "X-CSRF-Token": csrf},
                        data={"written": "Pàn", "spoken": "pàn thôn", "bulletin_id": str(first)})
    assert fixed.status_code == 200 and "phiên bản mới (2)" in fixed.json()["message"], fixed.text
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(LexiconEntry)).one() == 0
        bulletin = session.get(Bulletin, first)
        assert bulletin is not None and bulletin.status == BulletinStatus.ready
    assert [v.number for v in _versions(runtime, other)] == [1], "the other bulletin is untouched"
    versions = _versions(runtime, first)
    assert versions[1].lexicon_overrides == '{"Pàn": "pàn thôn"}' and "pàn thôn" in versions[1].spoken_text
    assert versions[0].audio_sha256 == aired

    # The editor who fixed it sees no approve form; the approver sees the difference and the new audio.
    assert 'id="approve-button"' not in editor.get(f"/bulletins/{first}").text
    reply = approve_on_page(approver, approver_csrf, first, runtime)
    assert "Đã duyệt bản tin" in reply.text
    page = approver.get(f"/bulletins/{first}").text
    assert "Phiên bản 2 · Đã duyệt" in page and "Phiên bản 1 · Đã thay bằng phiên bản mới" in page
    new_sha = _versions(runtime, first)[1].audio_sha256
    assert new_sha != aired and f"/api/v1/media/{new_sha}.mp3" in page


def test_review_page_shows_the_spoken_difference_and_refuses_a_stale_version(web_client, world: World,
                                                                            runtime) -> None:  # type: ignore[no-untyped-def]
    editor, csrf = web_client("editor")
    approver, approver_csrf = web_client("approver")
    bulletin_id = _create(editor, csrf, action="submit", text=TEXT)
    approve_on_page(approver, approver_csrf, bulletin_id, runtime)
    editor.post(f"/bulletins/{bulletin_id}/edit", data={"csrf_token": csrf, "title": "Thông báo",
                                                         "text": TEXT.replace("7h30", "8h"), "priority": "normal"})
    synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    page = approver.get(f"/bulletins/{bulletin_id}").text
    diff = page.split('id="spoken-diff">', 1)[1].split("</p>", 1)[0]
    assert "<del>bảy</del> <ins>tám</ins> giờ <del>ba mươi phút</del>" in diff, diff
    fields = dict(re.findall(r'name="(version_id|audio_sha256)" value="([^"]+)"', page))
    editor.post(f"/bulletins/{bulletin_id}/edit", data={"csrf_token": csrf, "title": "Thông báo",
                                                         "text": TEXT.replace("7h30", "9h"), "priority": "normal"})
    stale = approver.post(f"/bulletins/{bulletin_id}/approve", data={"csrf_token": approver_csrf, **fields})
    assert stale.status_code == 409 and "Bản tin đã thay đổi sau khi bạn mở trang" in stale.text


def test_admin_sees_which_bulletins_a_lexicon_change_re_reads(web_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor, csrf = web_client("editor")
    approver, approver_csrf = web_client("approver")
    bulletin_id = _create(editor, csrf, action="submit", text=TEXT)
    approve_on_page(approver, approver_csrf, bulletin_id, runtime)
    refused = editor.post("/admin/lexicon", data={"csrf_token": csrf, "written": "UBND", "spoken": "bọn lừa đảo"})
    assert refused.status_code == 403

    admin, admin_csrf = web_client("province-admin")
    form = {"csrf_token": admin_csrf, "written": "UBND", "spoken": "u bê en đê", "note": ""}
    asked = admin.post("/admin/lexicon", data=form)
    impact = asked.text.split('id="lexicon-impact-list">', 1)[1].split("</ul>", 1)[0]
    assert f"/bulletins/{bulletin_id}" in impact and 'id="lexicon-confirm"' in asked.text
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(LexiconEntry)).one() == 0, "nothing before confirming"
    done = admin.post("/admin/lexicon", data={**form, "confirm": "1"})
    assert done.status_code == 200 and "/admin/lexicon" in done.url.path
    versions = _versions(runtime, bulletin_id)
    assert [(v.number, v.reason, v.state.value) for v in versions] == [(1, "create", "approved"),
                                                                       (2, "lexicon", "pending")]
    # The admin who changed the lexicon made version 2 and cannot approve it.
    synthesis.run_queue(runtime.engine, runtime.speaker, runtime.media)
    assert 'id="approve-button"' not in admin.get(f"/bulletins/{bulletin_id}").text
    # The re-read (still airing) bulletin waits on the approver's dashboard, not on the admin's.
    assert "Chờ bạn duyệt (0)" in admin.get("/").text and "Chờ bạn duyệt (1)" in approver.get("/").text
    assert "Đã duyệt bản tin" in approve_on_page(approver, approver_csrf, bulletin_id, runtime).text
