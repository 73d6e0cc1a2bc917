"""The in-process MP3 decoder that measures every encoded bulletin agrees with ffmpeg's decoder."""

from __future__ import annotations

import io
import subprocess
import wave

import numpy as np
import pytest
import soundfile

from broadcast.audio.ffmpeg import decode, encode_mp3, ffmpeg_exe
from broadcast.audio.mp3decode import decode_mp3

RATE = 22050


def _speechlike(seconds: float, channels: int = 1) -> np.ndarray:
    """Noise bursts under a syllable-rate envelope with pauses: the bit reservoir works as it does on speech."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * RATE)) / RATE
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) * (np.sin(2 * np.pi * 0.3 * t) > -0.5)
    voice = 0.3 * np.sin(2 * np.pi * 180.0 * t) + 0.1 * rng.standard_normal(t.size)
    mono = (envelope * voice).astype(np.float32)
    return mono if channels == 1 else np.column_stack([mono, 0.5 * mono]).astype(np.float32)


@pytest.mark.parametrize("channels", [1, 2])
def test_same_samples_and_length_as_ffmpeg(channels: int, capfd: pytest.CaptureFixture[str]) -> None:
    mp3 = encode_mp3(_speechlike(75.0, channels), RATE, 64, 7)
    ours, rate = decode_mp3(mp3)
    theirs, _ = decode(mp3, sample_rate=RATE, channels=channels, input_format="mp3")
    theirs = theirs.reshape(-1, channels)
    assert rate == RATE
    assert ours.shape == theirs.shape
    assert ours.shape[0] >= 75.0 * RATE  # the encoder's priming and padding are kept, as ffmpeg keeps them
    assert float(np.max(np.abs(ours - theirs))) < 1e-4
    assert float(np.sqrt(np.mean(np.square(ours)))) > 0.05
    assert capfd.readouterr().err == ""  # mpg123 said nothing (block-wise reads make it report errors)


def test_refuses_what_is_not_an_mp3() -> None:
    wav = io.BytesIO()
    with wave.open(wav, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"\0\0" * RATE)
    for data in (b"", b"not audio at all" * 100, wav.getvalue()):
        with pytest.raises(ValueError, match="not an MP3 stream"):
            decode_mp3(data)


def test_vbr_stream_longer_than_libsndfile_estimates_is_decoded_whole() -> None:
    """A VBR MP3 without an index that starts quietly: libsndfile's length estimate (from the first, small
    frame) is about half the real length; the decoder must still return all of it."""
    quiet = 0.001 * np.sin(2 * np.pi * 200.0 * np.arange(2 * RATE) / RATE)
    loud = 0.3 * np.random.default_rng(3).standard_normal(18 * RATE)
    samples = np.concatenate([quiet, loud]).astype(np.float32)
    vbr = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
         "-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3", "pipe:1"],
        input=samples.tobytes(), capture_output=True, check=True,
    ).stdout  # fmt: skip
    with soundfile.SoundFile(io.BytesIO(vbr)) as stream:
        assert stream.frames < 15 * RATE  # the case this test is about: a short estimate
    decoded, rate = decode_mp3(vbr)
    assert rate == RATE
    assert 20 * RATE <= decoded.shape[0] < 20.2 * RATE
    assert float(np.sqrt(np.mean(np.square(decoded[-RATE:])))) > 0.1  # the loud end is there
