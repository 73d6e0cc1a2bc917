"""Recorded uploads: accepted formats are mastered like speech; bad files are refused and leave nothing."""

from __future__ import annotations

import struct
import subprocess
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from broadcast.audio import AudioRejected, AudioSettings, RenderedAudio, render_recording
from broadcast.media import MediaStore
from broadcast.synth import EspeakEngine, load_profiles
from tests.synth.support import (
    SENTENCES,
    decode_mp3,
    edge_silence,
    encode_pcm,
    ffmpeg,
    reference_loudness,
    reference_true_peak_db,
)

SETTINGS = AudioSettings()
RATE = 44100


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    """About 7 s of quiet stereo speech at 44.1 kHz with a second of silence at each end."""
    from scipy import signal

    profile = load_profiles()["mien-nam"]
    engine = EspeakEngine()
    speech = np.concatenate([engine.synthesize(s, profile).to_float() for s in SENTENCES[2:4]])
    speech = signal.resample_poly(speech, 2, 1).astype(np.float32) * 0.2  # a quiet recording
    silence = np.zeros(RATE, np.float32)
    mono = np.concatenate([silence, speech, silence])
    return np.column_stack([mono, mono * 0.9])


@pytest.fixture(scope="module")
def files(voice: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The same recording as WAV, MP3 (with a Xing header, as encoders write to files), M4A, Opus, Vorbis."""
    directory = tmp_path_factory.mktemp("uploads")
    (directory / "in.raw").write_bytes(np.ascontiguousarray(voice, dtype="<f4").tobytes())
    source = ["-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", str(directory / "in.raw")]
    out: dict[str, bytes] = {}
    for name, args in {
        "wav": ["-c:a", "pcm_s16le"],
        "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
        "m4a": ["-c:a", "aac", "-b:a", "96k"],
        "opus": ["-c:a", "libopus", "-b:a", "48k"],
        "ogg": ["-c:a", "libvorbis", "-q:a", "3"],
    }.items():
        target = directory / f"out.{name}"
        command = [ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-y", *source, *args, str(target)]
        subprocess.run(command, check=True)
        out[name] = target.read_bytes()
    return out


def ingest(store: MediaStore, data: bytes, filename: str, settings: AudioSettings = SETTINGS) -> RenderedAudio:
    """What the service does with an upload: master it, and store it only if that succeeded."""
    audio = render_recording(data, filename, settings)
    store.put(audio.mp3)
    return audio


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    before = {p.name for p in Path(tempfile.gettempdir()).glob("broadcast-upload-*")}
    media = MediaStore(tmp_path / "media")
    yield media
    after = {p.name for p in Path(tempfile.gettempdir()).glob("broadcast-upload-*")}
    assert after <= before  # the private temporary copies are gone too


@pytest.mark.parametrize("kind", ["wav", "mp3", "m4a", "opus", "ogg"])
def test_accepted_formats_are_mastered_like_speech(kind: str, files: dict[str, bytes], voice, store) -> None:  # type: ignore[no-untyped-def]
    audio = ingest(store, files[kind], f"thong-bao.{kind}")
    assert audio.engines == ["upload"] and audio.engine_summary == "upload"
    samples, rate, channels = decode_mp3(audio.mp3)
    assert (rate, channels) == (22050, 1)
    assert reference_loudness(samples, rate) == pytest.approx(-16.0, abs=1.0)
    assert reference_true_peak_db(samples) <= -1.5
    lead, tail = edge_silence(samples, rate)
    assert lead <= 0.15 and tail <= 0.25  # the second of silence at each end is gone
    speech_s = voice.shape[0] / RATE - 2.0
    assert speech_s - 0.3 < audio.duration_s < speech_s + 0.3
    assert len(list(store.root.rglob("*.mp3"))) == 1


def truncate(data: bytes, fraction: float = 0.4) -> bytes:
    return data[: int(len(data) * fraction)]


def zip_bomb_wav() -> bytes:
    """A 1 KB WAV whose header claims 4 GB of 48 kHz stereo audio (over six hours)."""
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 2, 48000, 48000 * 4, 4, 16)
    data_header = struct.pack("<4sI", b"data", 0xFFFFFFF0)
    body = fmt + data_header + bytes(1024)
    return struct.pack("<4sI4s", b"RIFF", 0xFFFFFFF8, b"WAVE") + body


def silent_wav(seconds: float = 5.0, level: float = 0.0) -> bytes:
    rng = np.random.default_rng(0)
    samples = (rng.standard_normal(int(seconds * 22050)) * level).astype(np.float32)
    return encode_pcm(samples, 22050, ["-c:a", "pcm_s16le"], "wav")


def archive() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("bantin.txt", "Kính thưa bà con")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "filename", "codes", "status"),
    [
        (lambda f: truncate(f["wav"]), "cut.wav", {"truncated"}, 422),
        (lambda f: truncate(f["mp3"]), "cut.mp3", {"truncated"}, 422),
        (lambda f: truncate(f["m4a"]), "cut.m4a", {"truncated", "undecodable"}, 422),
        (lambda f: truncate(f["opus"]), "cut.opus", {"truncated"}, 422),
        (lambda f: "Kính thưa bà con, đây là bản tin.\n".encode() * 50, "bantin.mp3", {"unsupported_format"}, 415),
        (lambda f: b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n", "playlist.mp3", {"unsupported_format"}, 415),
        (lambda f: archive(), "bantin.mp3", {"unsupported_format"}, 415),
        (lambda f: zip_bomb_wav(), "bomb.wav", {"truncated"}, 422),
        (lambda f: silent_wav(), "silence.wav", {"silent"}, 422),
        (lambda f: silent_wav(level=0.0001), "hiss.wav", {"silent"}, 422),
        (lambda f: b"", "empty.mp3", {"empty"}, 400),
        (lambda f: f["wav"][:44] + bytes(20), "header-only.wav", {"truncated", "corrupt"}, 422),
        (lambda f: b"ID3\x04\x00\x00\x00\x00\x00\x10" + bytes(200), "tag-only.mp3", {"unsupported_format"}, 415),
    ],
    ids=["wav-cut", "mp3-cut", "m4a-cut", "opus-cut", "text", "playlist", "zip", "zip-bomb-header",
         "silence", "hiss", "empty", "header-only", "id3-only"],
)  # fmt: skip
def test_bad_uploads_are_refused_and_store_nothing(make, filename, codes, status, files, store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioRejected) as rejected:
        ingest(store, make(files), filename)
    error = rejected.value
    assert error.code in codes and error.status_code == status
    assert error.message and error.message_vi and str(error) == error.message
    assert not store.root.exists() or not any(store.root.rglob("*"))


def test_limits_are_configurable(files: dict[str, bytes], store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AudioRejected) as too_big:
        ingest(store, files["wav"], "big.wav", AudioSettings(max_upload_bytes=100_000))
    assert (too_big.value.code, too_big.value.status_code) == ("too_large", 413)
    assert "MB" in too_big.value.message
    with pytest.raises(AudioRejected) as too_long:
        ingest(store, files["mp3"], "long.mp3", AudioSettings(max_upload_seconds=4))
    assert (too_long.value.code, too_long.value.status_code) == ("too_long", 413)
    t = np.arange(int(0.2 * 22050)) / 22050
    beep = encode_pcm((0.3 * np.sin(2 * np.pi * 700 * t)).astype(np.float32), 22050, ["-c:a", "pcm_s16le"], "wav")
    with pytest.raises(AudioRejected) as too_short:
        ingest(store, beep, "beep.wav")
    assert too_short.value.code == "too_short"
    assert not store.root.exists() or not any(store.root.rglob("*"))
