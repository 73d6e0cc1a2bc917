"""gTTS against canned batchexecute replies (no test touches the internet)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
import responses

from broadcast.synth import EngineError, GttsEngine, load_profiles
from tests.synth.support import (
    GTTS_URL,
    GTTS_URL_VN,
    batchexecute_reply,
    closed_port,
    silent_server,
    tone_mp3,
)


@pytest.fixture(scope="module")
def profile():  # type: ignore[no-untyped-def]
    return load_profiles()["mien-bac-online"].model_copy(update={"gtts_tld": "com"})


@pytest.fixture(scope="module")
def mp3() -> bytes:
    return tone_mp3(1.0)


@pytest.fixture(autouse=True)
def in_empty_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """gTTS.save() leaves 0-byte files on failure; these tests check that nothing is written at all."""
    monkeypatch.chdir(tmp_path)
    yield
    assert list(tmp_path.iterdir()) == []


@responses.activate
def test_a_canned_reply_becomes_pcm(profile, mp3: bytes) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, body=batchexecute_reply(mp3))
    pcm = GttsEngine(timeout=2, retries=0).synthesize("Xin chào bà con.", profile)
    assert pcm.sample_rate == 24000
    assert 0.9 < pcm.duration_s < 1.2
    assert abs(pcm.samples.astype(int)).max() > 5000
    (call,) = responses.calls
    rpc = json.loads(parse_qs(call.request.body)["f.req"][0])
    assert rpc[0][0][0] == "jQ1olc"
    text, lang, *_ = json.loads(rpc[0][0][1])
    assert (text, lang) == ("Xin chào bà con.", "vi")
    assert call.request.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


@responses.activate
def test_long_sentences_are_sent_in_parts_and_joined(profile, mp3: bytes) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL_VN, body=batchexecute_reply(mp3))
    long = ", ".join(["bà con nông dân cần thường xuyên thăm đồng và phòng trừ sâu bệnh"] * 3) + "."
    pcm = GttsEngine(timeout=2, retries=0).synthesize(long, profile.model_copy(update={"gtts_tld": "com.vn"}))
    assert len(responses.calls) >= 2
    assert pcm.duration_s > 0.9 * len(responses.calls)


@responses.activate
def test_transient_errors_are_retried_then_succeed(profile, mp3: bytes) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, status=503)
    responses.post(GTTS_URL, body=batchexecute_reply(mp3))
    pcm = GttsEngine(timeout=2, retries=1, backoff_s=0).synthesize("Xin chào.", profile)
    assert len(responses.calls) == 2 and pcm.duration_s > 0.9


@responses.activate
def test_persistent_server_errors_give_up_after_bounded_retries(profile) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, status=500)
    engine = GttsEngine(timeout=2, retries=2, backoff_s=0)
    with pytest.raises(EngineError, match=r"HTTP 500.*gave up after 3 attempts"):
        engine.synthesize("Xin chào.", profile)
    assert len(responses.calls) == 3
    # the breaker is open: the next sentence fails at once, without a request
    with pytest.raises(EngineError, match="skipped"):
        engine.synthesize("Câu tiếp theo.", profile)
    assert len(responses.calls) == 3
    engine.reset()
    assert engine.available()


@responses.activate
def test_client_errors_are_not_retried(profile) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, status=403)
    engine = GttsEngine(timeout=2, retries=3, backoff_s=0)
    with pytest.raises(EngineError, match="HTTP 403"):
        engine.synthesize("Xin chào.", profile)
    assert len(responses.calls) == 1 and engine.available()


@responses.activate
def test_a_reply_without_audio_is_an_error(profile) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, body=batchexecute_reply(None))
    with pytest.raises(EngineError, match="no audio"):
        GttsEngine(timeout=2, retries=0).synthesize("Xin chào.", profile)
    responses.replace(responses.POST, GTTS_URL, body=batchexecute_reply(b"this is not an mp3 at all"))
    with pytest.raises(EngineError, match="not MP3"):
        GttsEngine(timeout=2, retries=0).synthesize("Xin chào.", profile)


@responses.activate
def test_a_timeout_is_reported_clearly(profile) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    engine = GttsEngine(timeout=1.5, retries=1, backoff_s=0)
    with pytest.raises(EngineError, match=r"no reply from translate\.google\.com within 1\.5 s.*2 attempts"):
        engine.synthesize("Xin chào.", profile)
    assert len(responses.calls) == 2 and not engine.available()


def test_a_server_that_never_answers_costs_at_most_the_timeout(profile) -> None:  # type: ignore[no-untyped-def]
    with silent_server() as url:
        engine = GttsEngine(timeout=0.5, retries=3, endpoint=url, backoff_s=0)
        started = time.monotonic()
        with pytest.raises(EngineError, match=r"no reply .* within 0\.5 s \(gave up after 1 attempt\)"):
            engine.synthesize("Xin chào.", profile)
        elapsed = time.monotonic() - started
        connections = url.connections
    # The timeout bounds the sentence, retries included: it waited out the one attempt (not less), and no
    # retry was started once the time was up (counted at the server, not guessed from the clock).
    assert elapsed > 0.4 and connections == 1


@responses.activate
def test_the_cool_down_grows_while_failures_continue(profile) -> None:  # type: ignore[no-untyped-def]
    responses.post(GTTS_URL, status=502)
    engine = GttsEngine(timeout=2, retries=0, cooldown_s=10, max_cooldown_s=25)
    for expected in (10, 20, 25):
        with pytest.raises(EngineError, match="HTTP 502"):
            engine.synthesize("Xin chào.", profile)
        assert engine.cooldown_remaining() == pytest.approx(expected, abs=0.5)
        engine._down_until = 0.0  # as if the cool-down had passed
    responses.replace(responses.POST, GTTS_URL, body=batchexecute_reply(tone_mp3(0.5)))
    engine.synthesize("Xin chào.", profile)
    with responses.RequestsMock() as failing:
        failing.post(GTTS_URL, status=502)
        with pytest.raises(EngineError):
            engine.synthesize("Xin chào.", profile)
    assert engine.cooldown_remaining() == pytest.approx(10, abs=0.5)  # success reset the count


def test_an_unreachable_network_fails_fast(profile) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{closed_port()}/batchexecute"
    engine = GttsEngine(timeout=5, retries=1, endpoint=url, backoff_s=0)
    # Fast: it gave up because both attempts were refused, not because its 5 s ran out (then the reason
    # would be "no reply ... within 5.0 s"); told by the engine's own account, not by the clock.
    with pytest.raises(EngineError, match=r"cannot connect .*\(gave up after 2 attempts\)"):
        engine.synthesize("Xin chào.", profile)
    assert not engine.available()


def test_a_mounted_adapter_that_raises_connection_error(profile) -> None:  # type: ignore[no-untyped-def]
    class Offline(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
            raise requests.ConnectionError("Network is unreachable")

    session = requests.Session()
    session.mount("https://", Offline())
    with pytest.raises(EngineError, match="cannot connect.*Network is unreachable"):
        GttsEngine(timeout=1, retries=0, session=session).synthesize("Xin chào.", profile)


def test_constructor_validates_limits() -> None:
    with pytest.raises(ValueError):
        GttsEngine(timeout=0)
    with pytest.raises(ValueError):
        GttsEngine(retries=-1)
    assert os.getcwd()  # (the autouse fixture checks the directory stays empty)
