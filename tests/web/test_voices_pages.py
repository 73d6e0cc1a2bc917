"""Voices by name in the staff app (in-process, both database backends): labels and no codes on the
pages, a sample per voice at a speed, the bulletin's speed and the stations' default voice, and the
bulletin page saying who spoke and why a fallback voice read it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from broadcast.app import create_app
from broadcast.audio import measure_mp3
from broadcast.config import Settings
from broadcast.db import session_scope
from broadcast.services.voices import set_station_voice
from broadcast.synth import load_profiles
from tests.conftest import World, login
from tests.synth.flow import make_and_approve
from tests.synth.support import silent_server
from tests.web.conftest import web_login


class _Visible(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


VOICE_CODES = sorted(load_profiles())


def assert_no_voice_code(html: str) -> None:
    text = visible_text(html)
    found = [code for code in VOICE_CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]
    assert not found, f"voice codes visible on the page: {found}"


def test_form_shows_labels_and_the_sample_speaks(app_client: TestClient, world: World, web_client) -> None:  # type: ignore[no-untyped-def]
    client, _ = web_client(world.editor)
    page = client.get("/bulletins/new")
    assert page.status_code == 200
    text = visible_text(page.text)
    for profile in load_profiles().values():
        assert profile.label in text
    assert "Nghe thử" in text and "Tốc độ đọc" in text and "Không cần Internet" in text
    # no FPT.AI key in this service: the voice says it will be read by the fallback voice
    assert "Giọng nữ miền Bắc (FPT.AI, trực tuyến) Miền Bắc · Nữ · Trực tuyến, cần Internet Chưa sẵn sàng, sẽ đọc " \
           "bằng giọng dự phòng eSpeak NG" in text
    assert_no_voice_code(page.text)

    slow = client.get("/voices/sample.mp3", params={"voice": "mien-nam", "speed": -2})
    fast = client.get("/voices/sample.mp3", params={"voice": "mien-nam", "speed": 2})
    assert slow.status_code == fast.status_code == 200 and slow.headers["content-type"] == "audio/mpeg"
    slow_s, fast_s = measure_mp3(slow.content).duration_s, measure_mp3(fast.content).duration_s
    assert fast_s < slow_s * 0.85, (slow_s, fast_s)
    assert client.get("/voices/sample.mp3", params={"voice": "khong-co"}).status_code == 404
    assert client.get("/voices/sample.mp3", params={"voice": "mien-nam", "speed": 3}).status_code == 422
    reviewer, _ = web_client(world.approver)
    emergency = reviewer.get("/emergency")
    assert emergency.status_code == 200 and "Nghe thử giọng khẩn cấp" in emergency.text
    for path in ("/emergency", "/bulletins", "/", "/week"):
        reply = reviewer.get(path)
        assert reply.status_code == 200, path
        assert_no_voice_code(reply.text)
    anonymous = TestClient(app_client.app)
    assert anonymous.get("/voices/sample.mp3", params={"voice": "mien-nam"},
                         follow_redirects=False).status_code in (303, 401)


def test_speed_and_station_default_voice(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    with session_scope(runtime.engine) as session:
        set_station_voice(session, "xa-a", "mien-trung")
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    made = app_client.post("/api/v1/bulletins", headers=editor, json={
        "title": "Mặc định của đài", "text": "Kính thưa bà con.", "stations": ["xa-a"]})
    assert made.status_code == 201 and made.json()["voice"] == "mien-trung"
    mixed = app_client.post("/api/v1/bulletins", headers=editor, json={
        "title": "Hai đài", "text": "Kính thưa bà con.", "stations": ["xa-a", "xa-b"]})
    assert mixed.json()["voice"] == runtime.speaker.default_voice  # the province's when they differ
    bad = app_client.post("/api/v1/bulletins", headers=editor, json={
        "title": "x", "text": "Kính thưa bà con.", "stations": ["xa-a"], "speed": 5})
    assert bad.status_code == 422

    durations = {}
    for speed in (-2, 2):
        created = app_client.post("/api/v1/bulletins", headers=editor, json={
            "title": f"Tốc độ {speed}", "text": "Kính thưa toàn thể bà con nhân dân trong xã. Xin cảm ơn bà con.",
            "stations": ["xa-b"], "voice": "mien-bac", "speed": speed, "submit": True}).json()
        assert created["speed"] == speed
        durations[speed] = make_and_approve(app_client, runtime, created["id"], approver)["audio"]["duration_s"]
    assert durations[2] < durations[-2] * 0.9, durations


@pytest.fixture
def unanswering_fpt(tmp_path: Path, db_url: str) -> Iterator[TestClient]:
    with silent_server() as url:
        settings = Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                            fpt_api_key="sk-never-shown", fpt_url=url, cloud_tts_timeout_s=1.0,
                            _env_file=None)  # type: ignore[call-arg]
        with TestClient(create_app(settings, start_jobs=False)) as client:
            yield client


def test_detail_page_says_who_spoke_and_why(unanswering_fpt: TestClient) -> None:
    from broadcast.models import Role
    from broadcast.services.accounts import create_user
    from broadcast.services.stations import create_station
    from tests.conftest import PASSWORD

    client = unanswering_fpt
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    with session_scope(runtime.engine) as session:
        create_station(session, "xa-a", "Xã A", province="Lạng Sơn", district="Văn Lãng")
        create_user(session, "editor", PASSWORD, Role.editor, station_codes=["xa-a"])
        create_user(session, "approver", PASSWORD, Role.approver, station_codes=["xa-a"])
    editor, approver = login(client, "editor"), login(client, "approver")
    created = client.post("/api/v1/bulletins", headers=editor, json={
        "title": "Giọng FPT", "text": "Kính thưa bà con. Xin cảm ơn.", "stations": ["xa-a"],
        "voice": "fpt-banmai", "submit": True}).json()
    make_and_approve(client, runtime, created["id"], approver)

    web_login(client, "editor")
    page = client.get(f"/bulletins/{created['id']}")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Đọc bằng giọng dự phòng eSpeak NG vì FPT.AI không trả lời." in text
    assert "Giọng đã đọc: eSpeak NG: 2 câu" in text
    assert "Giọng nữ miền Bắc (FPT.AI, trực tuyến)" in text
    assert "sk-never-shown" not in page.text
    assert_no_voice_code(page.text)


def test_cli_sets_and_clears_a_station_default_voice(world: World, runtime, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from broadcast.models import Station
    from tests.foundation.test_cli import run_cli

    env = {"BROADCAST_DATABASE_URL": db_url}
    data_dir = runtime.settings.data_dir
    done = run_cli("voices", "default", "mien-nam", "--station", "xa-b", data_dir=data_dir, env=env)
    assert done.returncode == 0, done.stderr
    with Session(runtime.engine) as session:
        assert session.exec(select(Station.default_voice).where(Station.code == "xa-b")).one() == "mien-nam"
    unknown = run_cli("voices", "default", "khong-co", "--station", "xa-b", data_dir=data_dir, env=env)
    assert unknown.returncode != 0 and "unknown voice" in unknown.stderr
    nowhere = run_cli("voices", "default", "mien-nam", "--station", "xa-zz", data_dir=data_dir, env=env)
    assert nowhere.returncode != 0 and "xa-zz" in nowhere.stderr and "Traceback" not in nowhere.stderr
    cleared = run_cli("voices", "default", "none", "--station", "xa-b", data_dir=data_dir, env=env)
    assert cleared.returncode == 0
    with Session(runtime.engine) as session:
        assert session.exec(select(Station.default_voice).where(Station.code == "xa-b")).one() is None


def test_voices_api_and_station_default_voice_by_admins_only(app_client: TestClient, world: World) -> None:
    editor, admin = login(app_client, world.editor), login(app_client, world.admin)
    assert app_client.get("/api/v1/voices").status_code == 401
    voices = {v["name"]: v for v in app_client.get("/api/v1/voices", headers=editor).json()}
    assert voices["mien-nam"]["label"] == "Giọng nữ miền Nam" and voices["mien-nam"]["region"] == "nam"
    assert voices["mien-nam"]["usable"] and not voices["mien-nam"]["online"]
    assert voices["fpt-banmai"]["online"] and not voices["fpt-banmai"]["usable"]
    assert "BROADCAST_FPT_API_KEY" in voices["fpt-banmai"]["unavailable_reason"]
    low, high = voices["mien-bac"]["rate_range"]
    assert low < 1.0 < high

    url = "/api/v1/stations/xa-a/default-voice"
    assert app_client.put(url, json={"voice": "mien-nam"}, headers=editor).status_code == 403
    assert app_client.put(url, json={"voice": "khong-co"}, headers=admin).status_code == 422
    assert app_client.put("/api/v1/stations/xa-zz/default-voice", json={"voice": "mien-nam"},
                          headers=admin).status_code == 404
    done = app_client.put(url, json={"voice": "mien-nam"}, headers=admin)
    assert done.status_code == 200 and done.json() == {"station": "xa-a", "default_voice": "mien-nam"}
    made = app_client.post("/api/v1/bulletins", headers=editor, json={
        "title": "Mặc định", "text": "Kính thưa bà con.", "stations": ["xa-a"]})
    assert made.json()["voice"] == "mien-nam"
    assert app_client.put(url, json={"voice": None}, headers=admin).json()["default_voice"] is None


def test_admin_sets_a_station_default_voice_on_the_stations_page(app_client: TestClient, world: World,
                                                                   web_client, runtime) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session, select

    from broadcast.models import Station

    admin, admin_csrf = web_client(world.admin)
    page = admin.get("/admin/stations")
    assert page.status_code == 200 and "Giọng đọc mặc định của đài" in page.text
    assert "Theo giọng mặc định của tỉnh (Giọng nữ miền Bắc)" in visible_text(page.text)
    assert_no_voice_code(page.text)
    saved = admin.post("/admin/stations/xa-a/voice", data={"voice": "mien-trung", "csrf_token": admin_csrf},
                       follow_redirects=False)
    assert saved.status_code == 303
    with Session(runtime.engine) as session:
        assert session.exec(select(Station.default_voice).where(Station.code == "xa-a")).one() == "mien-trung"
    editor, editor_csrf = web_client(world.editor)
    refused = editor.post("/admin/stations/xa-a/voice", data={"voice": "mien-nam", "csrf_token": editor_csrf},
                          follow_redirects=False)
    assert refused.status_code == 403
    no_csrf = admin.post("/admin/stations/xa-a/voice", data={"voice": "mien-nam"}, follow_redirects=False)
    assert no_csrf.status_code in (400, 403)
    unknown = admin.post("/admin/stations/xa-a/voice", data={"voice": "khong-co", "csrf_token": admin_csrf})
    assert unknown.status_code == 422
    cleared = admin.post("/admin/stations/xa-a/voice", data={"voice": "", "csrf_token": admin_csrf},
                         follow_redirects=False)
    assert cleared.status_code == 303
    with Session(runtime.engine) as session:
        assert session.exec(select(Station.default_voice).where(Station.code == "xa-a")).one() is None
    editor_page = editor.get("/bulletins/new")  # the editor's stations differ: the province's voice is chosen
    assert 'value="mien-bac" selected' in editor_page.text
