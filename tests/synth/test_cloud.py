"""FPT.AI, Viettel AI and Zalo AI adapters against a loopback server playing each provider with canned
replies: the request shapes, and every failure (slow reply, 4xx quota message, 5xx, FPT's never-ready
async file, a reply that is not audio) ending in espeak-ng with the reason recorded on the bulletin."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pytest
from fastapi.testclient import TestClient

from broadcast.app import create_app
from broadcast.audio import AudioSettings
from broadcast.config import Settings
from broadcast.render import render_speech
from broadcast.synth import (
    CloudConfig,
    EngineError,
    EspeakEngine,
    FptEngine,
    ViettelEngine,
    ZaloEngine,
    load_profiles,
)
from broadcast.synth.who_spoke import WhoSpoke, failover_note
from tests.conftest import World, login
from tests.synth.flow import make_and_approve
from tests.synth.support import tone_mp3

KEY = "sk-test-0123456789abcdef"

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Provider:
    """A loopback stand-in for a TTS provider: ``routes[(method, path)]`` answers each request."""

    routes: dict[tuple[str, str], Callable[[Seen], Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def hang(self, _: Seen) -> Reply:
        """A reply that does not come (until the test ends)."""
        self.release.wait(30)
        return 200, {"Content-Type": "application/json"}, b"{}"


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(length) if length else b"")
            state.seen.append(seen)
            route = state.routes.get((self.command, self.path))
            status, headers, body = route(seen) if route else (404, {}, b"not found")
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


MP3 = tone_mp3(1.0)
AUDIO = {"Content-Type": "audio/mpeg"}
JSON = {"Content-Type": "application/json"}


def jreply(status: int, value: object) -> Callable[[Seen], Reply]:
    return lambda _: (status, JSON, json.dumps(value, ensure_ascii=False).encode())


def config(provider: Provider, path: str, **overrides: float) -> CloudConfig:
    values: dict[str, Any] = {"timeout": 1.5, "retries": 1, "backoff_s": 0.05, "ready_timeout": 1.0,
                              "poll_interval": 0.1, "cooldown_s": 30.0}
    values.update(overrides)
    return CloudConfig(key=KEY, url=provider.url + path, **values)


def ok_routes(name: str, provider: Provider) -> None:
    """The provider's happy path."""
    if name == "fpt":
        polls = {"n": 0}

        def file(_: Seen) -> Reply:
            polls["n"] += 1
            return (404, JSON, b'{"message":"not ready"}') if polls["n"] < 3 else (200, AUDIO, MP3)

        provider.routes[("POST", "/fpt")] = jreply(200, {"async": provider.url + "/files/a.mp3", "error": 0,
                                                          "message": "The content will be returned after a few "
                                                                     "seconds under the async link."})
        provider.routes[("GET", "/files/a.mp3")] = file
    elif name == "viettel":
        provider.routes[("POST", "/viettel")] = lambda _: (200, AUDIO, MP3)
    else:
        provider.routes[("POST", "/zalo")] = jreply(200, {"error_code": 0, "error_message": "Successful.",
                                                          "data": {"url": provider.url + "/files/z.mp3"}})
        provider.routes[("GET", "/files/z.mp3")] = lambda _: (200, AUDIO, MP3)


ADAPTERS = {"fpt": FptEngine, "viettel": ViettelEngine, "zalo": ZaloEngine}
PROFILES = {"fpt": "fpt-banmai", "viettel": "viettel-quynhanh", "zalo": "zalo-mien-nam"}


@pytest.mark.parametrize("name", ["fpt", "viettel", "zalo"])
def test_request_shape_and_audio(provider: Provider, name: str) -> None:
    ok_routes(name, provider)
    profile = load_profiles()[PROFILES[name]].model_copy(update={"rate": 1.2})
    engine = ADAPTERS[name](config(provider, f"/{name}"))
    pcm = engine.synthesize("Kính thưa bà con.", profile)
    assert 0.9 < pcm.duration_s < 1.2 and np.abs(pcm.samples).max() > 3000
    request = provider.seen[0]
    assert request.method == "POST"
    if name == "fpt":
        assert request.headers["api-key"] == KEY and request.headers["voice"] == "banmai"
        assert request.headers["speed"] == "2" and request.body.decode() == "Kính thưa bà con."
        assert [s.path for s in provider.seen[1:]] == ["/files/a.mp3"] * 3  # polled until ready
    elif name == "viettel":
        body = json.loads(request.body)
        assert body == {"text": "Kính thưa bà con.", "voice": "hn-quynhanh", "speed": 1.2, "tts_return_option": 3,
                        "token": KEY, "without_filter": False}
    else:
        form = parse_qs(request.body.decode())
        assert request.headers["apikey"] == KEY
        assert form == {"input": ["Kính thưa bà con."], "speaker_id": ["1"], "speed": ["1.2"], "encode_type": ["1"]}
    assert KEY not in repr(engine) and KEY not in repr(engine.config)


def fail_routes(name: str, failure: str, provider: Provider) -> None:
    """Set up ``failure`` for provider ``name``."""
    path = f"/{name}"
    if failure == "slow":
        provider.routes[("POST", path)] = provider.hang
    elif failure == "quota":
        messages = {"fpt": {"error": 1, "message": "Quota exceeded: out of characters for this month"},
                    "viettel": {"code": 429, "message": "Quota exceeded"},
                    "zalo": {"error_code": -8, "error_message": "Quota exceeded"}}
        provider.routes[("POST", path)] = jreply(403 if name != "viettel" else 402, messages[name])
    elif failure == "5xx":
        provider.routes[("POST", path)] = jreply(503, {"message": "Service Unavailable"})
    elif failure == "never-ready":
        provider.routes[("POST", path)] = jreply(200, {"async": provider.url + "/files/never.mp3", "error": 0})
        provider.routes[("GET", "/files/never.mp3")] = jreply(404, {"message": "not found"})
    elif failure == "not-audio":
        html = (200, {"Content-Type": "text/html"}, b"<html><body>Maintenance</body></html>")
        if name == "viettel":
            provider.routes[("POST", path)] = lambda _: html
        else:
            ok_routes(name, provider)
            file_path = "/files/a.mp3" if name == "fpt" else "/files/z.mp3"
            provider.routes[("GET", file_path)] = lambda _: html


EXPECTED = {
    "slow": ("no reply", "không trả lời"),
    "quota": ("Quota exceeded", "đã hết hạn mức sử dụng"),
    "5xx": ("HTTP 503", "gặp lỗi máy chủ"),
    "never-ready": ("was not ready", "không trả lời"),
    "not-audio": ("not audio", "trả về dữ liệu không phải âm thanh"),
}
CASES = [(name, failure) for name in ("fpt", "viettel", "zalo") for failure in EXPECTED
         if failure != "never-ready" or name == "fpt"]


@pytest.mark.parametrize(("name", "failure"), CASES)
def test_every_failure_ends_in_espeak_with_the_reason(provider: Provider, name: str, failure: str) -> None:
    fail_routes(name, failure, provider)
    profile = load_profiles()[PROFILES[name]]
    engines = {name: ADAPTERS[name](config(provider, f"/{name}")), "espeak": EspeakEngine()}
    started = time.monotonic()
    audio = render_speech([["Kính thưa bà con.", "Đây là bản tin."], ["Xin cảm ơn."]], profile, engines, None,
                          AudioSettings())
    elapsed = time.monotonic() - started
    assert audio.engines == ["espeak"] * 3
    assert [s["engine"] for s in audio.speakers] == ["espeak"] * 3
    technical, plain = EXPECTED[failure]
    assert technical in audio.fallbacks[name], audio.fallbacks
    note = failover_note(WhoSpoke(audio.speakers, audio.fallbacks))
    title = {"fpt": "FPT.AI", "viettel": "Viettel AI", "zalo": "Zalo AI"}[name]
    assert note == f"Đọc bằng giọng dự phòng eSpeak NG vì {title} {plain}."
    # bounded: sentences are asked in parallel, each at most once more, and none after the cool-down began
    posts = [s for s in provider.seen if s.method == "POST"]
    assert 1 <= len(posts) <= 3 * 2
    if failure == "slow":
        assert elapsed < 1.5 + 10, "a slow provider held the bulletin up for longer than its timeout"
    assert KEY not in json.dumps(audio.fallbacks)


def test_cool_down_skips_a_failed_provider_and_missing_key_is_named(provider: Provider) -> None:
    fail_routes("fpt", "5xx", provider)
    engine = FptEngine(config(provider, "/fpt", retries=0))
    profile = load_profiles()["fpt-banmai"]
    with pytest.raises(EngineError, match="HTTP 503"):
        engine.synthesize("Một.", profile)
    with pytest.raises(EngineError, match="skipped for another"):
        engine.synthesize("Hai.", profile)
    assert len(provider.seen) == 1 and engine.unavailable_reason(profile).startswith("cooling down")
    unset = FptEngine(CloudConfig(key=None, url=provider.url + "/fpt"))
    with pytest.raises(EngineError, match="BROADCAST_FPT_API_KEY is not set"):
        unset.synthesize("Ba.", profile)


@pytest.fixture
def cloud_settings(tmp_path: Path, db_url: str, provider: Provider) -> Settings:
    return Settings(data_dir=tmp_path / "var", database_url=db_url, demo=False, scheduler=False,
                    fpt_api_key=KEY, fpt_url=provider.url + "/fpt", viettel_token=KEY,
                    viettel_url=provider.url + "/viettel", zalo_api_key=KEY, zalo_url=provider.url + "/zalo",
                    cloud_tts_timeout_s=1.5, fpt_ready_timeout_s=1.0, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def cloud_client(cloud_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(cloud_settings, start_jobs=False)) as client:
        yield client


@pytest.mark.parametrize(("name", "failure"), [("fpt", "slow"), ("viettel", "not-audio"), ("zalo", "quota")])
def test_bulletin_records_the_failover(cloud_client: TestClient, provider: Provider, caplog: pytest.LogCaptureFixture,
                                       name: str, failure: str) -> None:
    from broadcast.db import session_scope
    from broadcast.models import Role
    from broadcast.services.accounts import create_user
    from broadcast.services.stations import create_station
    from tests.conftest import PASSWORD

    runtime = cloud_client.app.state.runtime  # type: ignore[attr-defined]
    with session_scope(runtime.engine) as session:
        create_station(session, "xa-a", "Xã A", province="Lạng Sơn", district="Văn Lãng")
        create_user(session, "editor", PASSWORD, Role.editor, station_codes=["xa-a"])
        create_user(session, "approver", PASSWORD, Role.approver, station_codes=["xa-a"])
    world = World("", "editor", "approver", "", ["xa-a"], {})
    fail_routes(name, failure, provider)
    editor, approver = login(cloud_client, world.editor), login(cloud_client, world.approver)
    created = cloud_client.post("/api/v1/bulletins", headers=editor, json={
        "title": "Thông báo", "text": "Kính thưa bà con. Xin cảm ơn.", "stations": ["xa-a"],
        "voice": PROFILES[name], "submit": True})
    assert created.status_code == 201, created.text
    bulletin_id = created.json()["id"]
    with caplog.at_level("DEBUG"):
        audio = make_and_approve(cloud_client, runtime, bulletin_id, approver)["audio"]
    assert audio["engine"] == "espeak"
    assert audio["speakers"] == [{"engine": "espeak", "voice": audio["speakers"][0]["voice"]}] * 2
    assert EXPECTED[failure][0] in audio["fallbacks"][name]
    assert audio["failover"].startswith("Đọc bằng giọng dự phòng eSpeak NG vì ")
    assert EXPECTED[failure][1] in audio["failover"]
    assert KEY not in caplog.text and KEY not in json.dumps(audio)
