"""Horn loudspeaker shaping, measured on decoded MP3s: energy outside 300 Hz-5 kHz drops, quiet syllables
come closer to loud ones, the programme still meets the loudness target; on by default for emergencies."""

from __future__ import annotations

from typing import Any

import numpy as np

from broadcast.audio import AudioSettings
from broadcast.audio.horn import compress
from broadcast.render import render_speech
from broadcast.synth import Pcm, VoiceProfile, load_profiles
from tests.synth.support import decode_mp3

RATE = 22050


class BroadbandEngine:
    """Speech-like test signal: pink-ish noise bursts (syllables) with a rumble and hiss outside the band,
    alternating loud and quiet syllables."""

    name = "espeak"

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        rng = np.random.default_rng(len(sentence))
        pieces = []
        for index in range(8):
            n = int(0.18 * RATE)
            t = np.arange(n) / RATE
            voiced = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 1200 * t) + 0.3 * rng.standard_normal(n)
            rumble = 0.8 * np.sin(2 * np.pi * 70 * t)
            hiss = np.convolve(rng.standard_normal(n), [1, -1], mode="same") * 0.4  # energy high up
            level = 0.35 if index % 2 == 0 else 0.035  # quiet syllables 20 dB down
            window = np.hanning(n)
            pieces += [level * window * (voiced + rumble + hiss), np.zeros(int(0.06 * RATE))]
        return Pcm.from_float(np.concatenate(pieces).astype(np.float32), RATE)

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return {}


def band_shares(samples: np.ndarray, rate: int) -> tuple[float, float]:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    total = spectrum.sum()
    return float(spectrum[freqs < 200].sum() / total), float(spectrum[freqs > 6000].sum() / total)


def render(horn: bool) -> np.ndarray:
    profile = load_profiles()["mien-bac"].model_copy(update={"horn": horn, "intro": None, "outro": None})
    audio = render_speech([["Câu thứ nhất.", "Câu thứ hai dài hơn một chút."]], profile,
                          {"espeak": BroadbandEngine()}, None, AudioSettings())
    assert abs(audio.lufs + 16) < 1.0 and audio.true_peak_dbtp <= -1.5
    samples, rate, _ = decode_mp3(audio.mp3)
    assert rate == RATE
    return samples.reshape(-1)


def test_shaping_removes_energy_outside_the_horn_band() -> None:
    plain_low, plain_high = band_shares(render(False), RATE)
    horn_low, horn_high = band_shares(render(True), RATE)
    assert plain_low > 0.05 and plain_high > 0.02, (plain_low, plain_high)  # the test signal has both
    assert horn_low < plain_low / 10, (horn_low, plain_low)
    assert horn_high < plain_high / 5, (horn_high, plain_high)


def test_compression_brings_quiet_syllables_closer() -> None:
    n = int(0.4 * RATE)  # long enough for the release to settle: measure the second half of each
    t = np.arange(n) / RATE
    tone = np.sin(2 * np.pi * 800 * t).astype(np.float32)
    signal = np.concatenate([0.5 * tone, 0.05 * tone, 0.5 * tone, 0.05 * tone])
    out = compress(signal, RATE)

    def spread(x: np.ndarray) -> float:
        loud = np.sqrt(np.mean(np.square(x[n // 2: n])))
        quiet = np.sqrt(np.mean(np.square(x[n + n // 2: 2 * n])))
        return 20 * np.log10(loud / quiet)

    assert abs(spread(signal) - 20) < 0.5
    assert 10 < spread(out) < 16  # 20 dB squeezed, but gently (ratio 2.5 above the threshold)


def test_emergency_voice_is_shaped_by_default() -> None:
    profiles = load_profiles()
    assert profiles["khan-cap"].horn is True
    assert profiles["mien-bac"].horn is False
