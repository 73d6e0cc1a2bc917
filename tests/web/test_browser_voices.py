"""Voices by name in a real Chromium: the picker shows Vietnamese labels (never codes), "Nghe thử" plays
the same sentence per voice, the speed control changes it, the chosen voice and speed are saved; the
emergency form previews the emergency voice."""

from __future__ import annotations

import re
import sqlite3

import pytest

from broadcast.synth import load_profiles
from tests.web.conftest import Site
from tests.web.test_browser import Staff, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser
CODES = sorted(load_profiles())


def no_codes(staff: Staff) -> None:
    text = staff.page.locator("body").inner_text()
    found = [c for c in CODES if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    assert not found, f"voice codes visible: {found}"


def sample_duration(staff: Staff, voice: str) -> float:
    page = staff.page
    with page.expect_response(lambda r: "/voices/sample.mp3" in r.url) as answer:
        page.click(f"[data-voice-sample='{voice}']")
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "audio/mpeg"
    page.wait_for_function("() => { const a = document.getElementById('voice-sample');"
                           " return a && !a.hidden && a.readyState >= 1 && a.duration > 0; }")
    return float(page.evaluate("document.getElementById('voice-sample').duration"))


def test_pick_a_voice_by_name_listen_and_set_the_speed(people, site: Site) -> None:  # noqa: F811
    editor = people("editor")
    editor.goto("/bulletins/new", "voice-picker")
    page = editor.page
    picker = page.locator("#voice-picker").inner_text()
    for label in ("Giọng nữ miền Bắc", "Giọng nữ miền Nam", "Thông báo khẩn cấp",
                  "Giọng nữ miền Bắc (FPT.AI, trực tuyến)"):
        assert label in picker
    assert "Miền Nam · Nữ · Không cần Internet" in picker
    no_codes(editor)

    normal = sample_duration(editor, "mien-nam")
    page.locator("#speed").fill("2")
    assert page.locator("#speed-label").inner_text() == "Nhanh"
    fast = sample_duration(editor, "mien-nam")
    assert fast < normal * 0.95, (normal, fast)

    page.click("[data-voice-choose='mien-nam']")
    assert page.locator("#voice").input_value() == "mien-nam"
    assert "chosen" in (page.locator("[data-voice-card='mien-nam']").get_attribute("class") or "")
    page.fill("input[name=title]", "Giọng miền Nam, đọc nhanh")
    page.fill("#text", "Kính thưa bà con, chiều nay có mưa to.")
    page.check("input[name=stations][value=xa-a]")
    editor.shoot("voice-picker-chosen")
    page.click("button[value=draft], button[name=action][value=draft]")
    page.wait_for_url(re.compile(r".*/bulletins/\d+.*"))
    detail = editor.text()
    assert "Giọng nữ miền Nam · nhanh" in detail
    no_codes(editor)
    bulletin_id = int(re.search(r"/bulletins/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    with sqlite3.connect(site.data_dir / "broadcast.db", timeout=30) as db:
        assert db.execute("SELECT voice, speed FROM bulletin WHERE id = ?", (bulletin_id,)).fetchone() == (
            "mien-nam", 2)
    editor.check_console()


def test_emergency_form_previews_the_emergency_voice(people, site: Site) -> None:  # noqa: F811
    approver = people("approver")
    approver.goto("/emergency")
    page = approver.page
    page.fill("#text", "Khẩn cấp: nước sông đang lên nhanh, bà con di chuyển lên chỗ cao.")
    page.click("#preview-button")
    page.wait_for_selector("#preview-audio")
    page.wait_for_function("() => { const a = document.getElementById('preview-audio');"
                           " return a && a.readyState >= 1 && a.duration > 3; }")
    assert "Piper" not in approver.text() and "eSpeak NG" in approver.text()
    no_codes(approver)
    approver.shoot("emergency-preview")
