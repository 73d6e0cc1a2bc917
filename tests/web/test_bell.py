"""Issue 14, the notifications bell: drawn as an inline picture, so the header never shows an empty box on
an office computer without a colour-emoji font (Chromium without one drew the 🔔 as a blank square)."""

from __future__ import annotations

import re

from tests.conftest import World


def test_the_bell_is_drawn_not_an_emoji(web_client, world: World, runtime) -> None:
    editor, csrf = web_client("editor")
    editor.post(
        "/bulletins",
        data={
            "title": "Tin chờ duyệt",
            "text": "Nội dung.",
            "stations": ["xa-a"],
            "csrf_token": csrf,
            "action": "submit",
        },
    )
    approver, _ = web_client("approver")
    bell = re.search(r'<a href="/notifications" class="bell" id="bell"[^>]*>(.*?)</a>', approver.get("/").text, re.S)
    assert bell, "no bell in the header"
    assert "<svg" in bell.group(1) and 'aria-hidden="true"' in bell.group(1)
    assert not re.search(r"[\U0001F300-\U0001FAFF]", bell.group(1))  # no emoji to fall back on a font for
    assert re.search(r'id="bell-count">1<', bell.group(1))
