"""Issue 14 journeys in a real Chromium against a real ``broadcast serve``: listening before approving,
live delivery status, the as-run log, notifications."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.web.conftest import Site
from tests.web.test_browser import Staff, _bulletin_id, people  # noqa: F401  (the fixture is used by name)
from tests.web.test_staff_app import tone

pytestmark = pytest.mark.browser


def test_upload_recording_approver_listens_then_approves(people, site: Site, tmp_path: Path) -> None:  # noqa: F811
    editor: Staff = people("editor")
    editor.goto("/bulletins/new")
    page = editor.page
    page.fill("input[name=title]", "Lời kêu gọi của chủ tịch xã")
    page.check("input[name=stations][value=xa-a]")
    tone(tmp_path / "loi-keu-goi.wav", 4)
    page.set_input_files("#upload", str(tmp_path / "loi-keu-goi.wav"))
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/bulletins/\d+\?m=submitted"), timeout=60_000)
    bulletin_id = _bulletin_id(editor)

    approver: Staff = people("approver")
    approver.goto(f"/bulletins/{bulletin_id}", "recording-review")
    review = approver.page
    assert "Nghe trước khi duyệt" in approver.text()
    assert approver.text("#audio-duration") == "0:04"
    review.wait_for_function("() => document.querySelector('#bulletin-audio').readyState >= 1", timeout=30_000)
    duration = review.evaluate("document.querySelector('#bulletin-audio').duration")
    assert 3.5 < duration < 4.5, duration
    review.evaluate("document.querySelector('#bulletin-audio').play()")
    review.wait_for_function("() => document.querySelector('#bulletin-audio').currentTime > 0.3", timeout=15_000)
    review.evaluate("document.querySelector('#bulletin-audio').pause()")
    review.click("#approve-button")
    review.wait_for_url(re.compile(rf"/bulletins/{bulletin_id}\?m=approved"))
    assert "Sẵn sàng phát" in approver.text("#status")
    assert "Âm thanh sẽ phát" in approver.text()
    approver.shoot("recording-approved")
    editor.check_console()
