"""Recorded bulletins over the API: accepted recordings are levelled; bad ones leave nothing behind."""

from __future__ import annotations

import io
import math
import struct
import wave

from fastapi.testclient import TestClient

from broadcast.audio import measure_mp3
from tests.conftest import World, login


def voice_like_wav(seconds: float = 3.0, rate: int = 16000) -> bytes:
    """A syllable-like tone burst pattern (not silence, not constant), as 16-bit mono WAV."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        t = n / rate
        envelope = 0.5 * (1 + math.sin(2 * math.pi * 3 * t))
        sample = envelope * (0.3 * math.sin(2 * math.pi * 220 * t) + 0.1 * math.sin(2 * math.pi * 660 * t))
        frames += struct.pack("<h", int(sample * 32767))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def _media_files(runtime) -> list:  # type: ignore[no-untyped-def]
    return [p for p in runtime.media.root.rglob("*") if p.is_file()]


def test_recording_becomes_a_levelled_bulletin(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor, approver = login(app_client, world.editor), login(app_client, world.approver)
    reply = app_client.post("/api/v1/bulletins/recording", headers=editor,
                            data={"title": "Thông báo tiếng Tày", "stations": ["xa-a"], "submit": "true"},
                            files={"file": ("thong-bao.wav", voice_like_wav(), "audio/wav")})
    assert reply.status_code == 201, reply.text
    bulletin = reply.json()
    assert bulletin["source"] == "recording" and bulletin["status"] == "submitted"
    assert bulletin["review_audio"]["sha256"], "a recording is its own audio: the reviewer listens to it"
    approved = app_client.post(f"/api/v1/bulletins/{bulletin['id']}/approve", headers=approver,
                               json={"version_id": bulletin["version_id"]}).json()
    assert approved["audio"]["sha256"] == bulletin["review_audio"]["sha256"]
    assert approved["status"] == "ready"
    audio = app_client.get(approved["audio"]["url"]).content
    measured = measure_mp3(audio)
    assert abs(measured.duration_s - 3.0) < 0.3
    assert abs(measured.lufs - (-16.0)) <= 1.0 and measured.true_peak_dbtp <= -1.5


def test_bad_uploads_are_refused_and_nothing_is_stored(app_client: TestClient, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    editor = login(app_client, world.editor)
    silent = io.BytesIO()
    with wave.open(silent, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000 * 3)
    cases = {
        "text renamed": ("ban-tin.mp3", "Đây không phải âm thanh.\n".encode() * 50),
        "truncated": ("cat.wav", voice_like_wav()[:300]),
        "silence": ("im-lang.wav", silent.getvalue()),
    }
    for name, (filename, data) in cases.items():
        reply = app_client.post("/api/v1/bulletins/recording", headers=editor,
                                data={"title": "Thử", "stations": ["xa-a"]}, files={"file": (filename, data)})
        assert 400 <= reply.status_code < 500, (name, reply.status_code)
        assert reply.json()["detail"].startswith("recording refused"), name
    assert _media_files(runtime) == []
    assert app_client.get("/api/v1/bulletins", headers=editor).json() == []
