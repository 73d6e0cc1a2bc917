"""Item 9: a refused upload leaves no media file and no row (API and web, SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import func, select

from broadcast.db import session_scope
from broadcast.models import AudioAsset, Bulletin
from tests.conftest import PASSWORD, World, login
from tests.hardening.test_fuzz_routes import _tiny_wav
from tests.web.conftest import web_login


def _media_files(runtime) -> set[Path]:  # type: ignore[no-untyped-def]
    root = Path(runtime.media.root)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _rows(runtime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        return (session.exec(select(func.count()).select_from(Bulletin)).one(),
                session.exec(select(func.count()).select_from(AudioAsset)).one())


def test_each_refusal_leaves_the_media_dir_unchanged(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    wav = _tiny_wav()
    before_files, before_rows = _media_files(runtime), _rows(runtime)
    editor = login(app_client, world.editor)
    api_cases = [
        ({"title": "Ghi âm", "stations": ["xa-c"]}, "a station the editor is not assigned to"),
        ({"title": "Ghi\x00âm", "stations": ["xa-a"]}, "a NUL only the database guard sees"),
        ({"title": " ", "stations": ["xa-a"]}, "an empty title"),
    ]
    for fields, why in api_cases:
        reply = app_client.post("/api/v1/bulletins/recording", headers=editor, data=fields,
                                files={"file": ("ghi-am.wav", wav, "audio/wav")})
        assert 400 <= reply.status_code < 500, (why, reply.status_code, reply.text)
        assert _media_files(runtime) == before_files, why
        assert _rows(runtime) == before_rows, why

    web = TestClient(app_client.app)
    csrf = web_login(web, world.editor)
    reply = web.post("/bulletins", data={"title": "T" * 400, "stations": ["xa-a"], "csrf_token": csrf},
                     files={"file": ("ghi-am.wav", wav, "audio/wav")})
    assert reply.status_code == 422, reply.text[:300]
    assert _media_files(runtime) == before_files and _rows(runtime) == before_rows

    approver = TestClient(app_client.app)
    csrf = web_login(approver, world.approver)
    # The audio is made and stored before the emergency is started; the start is refused (NUL in the title
    # reaches the database), so the file written for it has to go again.
    reply = approver.post("/emergency", data={"title": "Khẩn\x00cấp", "stations": ["xa-a"], "confirm": "1",
                                              "password": PASSWORD, "csrf_token": csrf},
                          files={"file": ("ghi-am.wav", wav, "audio/wav")})
    assert 400 <= reply.status_code < 500, reply.text[:300]
    assert _media_files(runtime) == before_files and _rows(runtime) == before_rows

    # The same upload, accepted, does store its file (the checks above are not vacuous).
    ok = app_client.post("/api/v1/bulletins/recording", headers=editor, data={"title": "Ghi âm", "stations": ["xa-a"]},
                         files={"file": ("ghi-am.wav", wav, "audio/wav")})
    assert ok.status_code == 201, ok.text
    assert len(_media_files(runtime) - before_files) == 1
