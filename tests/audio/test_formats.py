"""Small pieces: MP3 frame headers, settings validation, generated sounds, trimming, engine summary."""

from __future__ import annotations

import numpy as np
import pytest

from broadcast.audio import AudioSettings, RenderedAudio
from broadcast.audio.mp3info import scan, valid_bitrates
from broadcast.audio.silence import trim
from broadcast.audio.sounds import GENERATORS, attention, chime, levelled_sound
from broadcast.synth.profiles import BUILTIN_SOUNDS
from tests.audio.silence import leading_trailing_silence, longest_internal_silence
from tests.synth.support import encode_pcm, reference_loudness


@pytest.mark.parametrize(("rate", "channels", "kbps"), [(22050, 1, 64), (24000, 1, 32), (44100, 2, 128)])
def test_frame_headers_give_rate_channels_and_bitrate(rate: int, channels: int, kbps: int) -> None:
    t = np.arange(rate) / rate
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    samples = tone if channels == 1 else np.column_stack([tone, tone])
    mp3 = encode_pcm(samples, rate, ["-c:a", "libmp3lame", "-b:a", f"{kbps}k"], "mp3", channels=channels)
    info = scan(mp3)
    assert info is not None
    assert (info.sample_rate, info.channels, info.bitrate_kbps) == (rate, channels, kbps)
    assert info.constant_bitrate and not info.truncated
    assert info.duration_s == pytest.approx(1.0, abs=0.1)
    cut = scan(mp3[: len(mp3) - 7])
    assert cut is not None and cut.truncated
    assert scan(b"hello world" * 100) is None


def test_settings_are_validated() -> None:
    assert 64 in valid_bitrates(22050) and 8 not in valid_bitrates(44100)
    with pytest.raises(ValueError, match="not an MP3 sample rate"):
        AudioSettings(sample_rate=20000)
    with pytest.raises(ValueError, match="choose one of"):
        AudioSettings(bitrate_kbps=320)  # MPEG-2 at 22,050 Hz stops at 160
    with pytest.raises(ValueError):
        AudioSettings(channels=3)
    assert AudioSettings(sample_rate=44100, bitrate_kbps=320).bitrate_kbps == 320


def test_generated_sounds() -> None:
    assert set(GENERATORS) == set(BUILTIN_SOUNDS)
    rate = 22050
    for make in (chime, attention):
        sound = make(rate)
        assert sound.dtype == np.float32 and 1.0 < sound.shape[0] / rate < 2.0
        assert np.abs(sound).max() <= 0.5 + 1e-6
        assert abs(sound[0]) < 1e-3 and abs(sound[-1]) < 1e-3  # no clicks
        assert longest_internal_silence(sound, rate) < 0.3
    levelled = levelled_sound("chime", rate, -16.0, -3.0)
    assert reference_loudness(levelled, rate) == pytest.approx(-19.0, abs=0.5)  # 3 LU under the speech
    assert not levelled.flags.writeable  # cached and shared: read-only


def test_trim_and_silence_helpers() -> None:
    rate = 22050
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    padded = np.concatenate([np.zeros(rate // 2), tone, np.zeros(rate // 4), tone, np.zeros(rate)]).astype(np.float32)
    trimmed = trim(padded, rate)
    assert trimmed.shape[0] / rate == pytest.approx(2.25, abs=0.05)
    lead, tail = leading_trailing_silence(padded, rate)
    assert lead == pytest.approx(0.5, abs=0.02) and tail == pytest.approx(1.0, abs=0.02)
    assert longest_internal_silence(padded, rate) == pytest.approx(0.25, abs=0.02)
    assert trim(np.zeros(rate, np.float32), rate).size == 0


def test_engine_summary() -> None:
    audio = RenderedAudio(b"", "0" * 64, 1.0, -16.0, -2.0, 22050, 1, 64, ["gtts", "gtts", "espeak", "gtts"])
    assert audio.engine_summary == "gtts+espeak"
    assert audio.size == 0
