"""Pasted text in the staff app: the cleaner's work is listed in the preview, decoration-only text is refused in
Vietnamese, and a staff lexicon entry reaches inside document numbers (issue 11)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from broadcast.normalise import NOTHING_TO_SAY
from tests.conftest import World, login

PASTED = "• 📢 Sở Thông tin và Truyền thông (TT&TT) cho biết có 02 xã mất sóng theo Công văn 125/TB-UBND."


def test_preview_lists_what_the_cleaner_dropped(web_client, world: World) -> None:
    client, csrf = web_client("editor")
    headers = {"X-CSRF-Token": csrf, "X-Requested-With": "fetch"}
    reply = client.post("/bulletins/preview", data={"text": PASTED}, headers=headers)
    assert reply.status_code == 200, reply.text
    listed = reply.text.split('class="expansions"', 1)[1]
    assert "<code>(TT&amp;TT)</code> → <em>(không đọc)</em>" in listed
    assert "<code>• 📢</code> → <em>(không đọc)</em>" in listed
    assert "<code>02</code> → <em>hai</em>" in listed
    assert "tê bê u bê en dê" in reply.text

    saved = client.post("/lexicon/quick", data={"written": "TB", "spoken": "thông báo"}, headers=headers)
    assert saved.status_code == 200 and "Đã lưu" in saved.json()["message"]
    readings = saved.json()["overrides"]  # the bulletin's own readings, sent along with the preview
    again = client.post("/bulletins/preview", data={"text": PASTED, "overrides": readings}, headers=headers)
    assert "một trăm hai mươi lăm thông báo u bê en dê" in again.text
    assert "tê bê u bê en dê" not in again.text


def test_decoration_only_text_is_refused_in_vietnamese(web_client, world: World) -> None:
    client, csrf = web_client("editor")
    headers = {"X-CSRF-Token": csrf, "X-Requested-With": "fetch"}
    reply = client.post("/bulletins/preview", data={"text": "📢📢📢\n──────\n* * *"}, headers=headers)
    assert reply.status_code == 422
    assert "Không có gì để đọc" in reply.text


def test_api_refuses_a_bulletin_with_nothing_to_read(app_client: TestClient, world: World) -> None:
    headers = login(app_client, world.editor)
    body = {"title": "Loa", "text": "🔊🔊 ✅✅\n|---|---|", "stations": ["xa-a"]}
    reply = app_client.post("/api/v1/bulletins", json=body, headers=headers)
    assert reply.status_code == 422
    assert reply.json()["detail"] == NOTHING_TO_SAY
    assert app_client.get("/api/v1/bulletins", headers=headers).json() == []
