"""The web batch page (issue 11): many documents in, one MP3 each, followed and downloaded as a zip; a job is
visible to the person who started it only."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from broadcast.audio import measure_mp3
from tests.conftest import World
from tests.foundation.test_say_documents import cp1258, make_docx


def _wait_finished(client, job: str, timeout_s: float = 120) -> dict:  # type: ignore[no-untyped-def,type-arg]
    deadline = time.monotonic() + timeout_s
    while True:
        state = client.get(f"/batch/{job}/status").json()
        if state["finished"]:
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.2)


def test_batch_converts_reports_and_zips(web_client, world: World, tmp_path: Path) -> None:
    client, csrf = web_client("editor")
    page = client.get("/batch")
    assert page.status_code == 200 and "Chuyển nhiều văn bản" in page.text
    files = [
        ("files", ("thong-bao.docx", make_docx(tmp_path / "a.docx").read_bytes(), "application/octet-stream")),
        ("files", ("ret-dam.txt", cp1258("Theo KTTV, đêm nay trời rét đậm. Bà con chú ý giữ ấm."), "text/plain")),
        ("files", ("hong.docx", b"PK\x03\x04 not a Word file", "application/octet-stream")),
    ]
    started = client.post("/batch", data={"csrf_token": csrf, "voice": "mien-bac"}, files=files,
                          follow_redirects=False)
    assert started.status_code == 303, started.text[:500]
    job = started.headers["location"].rsplit("/", 1)[1]
    state = _wait_finished(client, job)
    assert [(i["name"], i["status"]) for i in state["items"]] == [
        ("thong-bao.docx", "done"), ("ret-dam.txt", "done"), ("hong.docx", "refused")]
    assert "bị hỏng" in state["items"][2]["reason"]
    assert state["done"] == 2 and state["refused"] == 1

    shown = client.get(f"/batch/{job}")
    assert shown.status_code == 200 and "hong.docx" in shown.text and "/static/batch.js" in shown.text
    archive = client.get(f"/batch/{job}/mp3.zip")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert sorted(zipped.namelist()) == ["ret-dam.mp3", "thong-bao.mp3"]
        for name in zipped.namelist():
            assert measure_mp3(zipped.read(name)).duration_s > 2

    other, _ = web_client("approver")  # someone else's job does not exist for them
    for path in (f"/batch/{job}", f"/batch/{job}/status", f"/batch/{job}/mp3.zip"):
        assert other.get(path).status_code == 404
    assert job not in other.get("/batch").text


def test_batch_refuses_before_converting(web_client, world: World) -> None:
    client, csrf = web_client("editor")
    nothing = client.post("/batch", data={"csrf_token": csrf})
    assert nothing.status_code == 422 and "ít nhất một tệp" in nothing.text
    audio = client.post("/batch", data={"csrf_token": csrf},
                        files=[("files", ("loa.mp3", b"\xff\xfb" * 100, "audio/mpeg"))])
    assert audio.status_code == 422 and "chỉ nhận văn bản" in audio.text
    voice = client.post("/batch", data={"csrf_token": csrf, "voice": "khong-co"},
                        files=[("files", ("a.txt", "Xin chào bà con.".encode(), "text/plain"))])
    assert voice.status_code == 422 and "khong-co" in voice.text
    no_csrf = client.post("/batch", files=[("files", ("a.txt", b"Xin chao", "text/plain"))])
    assert no_csrf.status_code == 403
