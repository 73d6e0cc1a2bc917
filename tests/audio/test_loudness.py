"""Our loudness, true-peak and limiter maths against independent references."""

from __future__ import annotations

import math

import numpy as np
import pytest

from broadcast.audio.dynamics import SilentAudio, normalise
from broadcast.audio.loudness import integrated_loudness, peak_envelope, true_peak, true_peak_dbtp
from broadcast.synth import EspeakEngine, load_profiles
from tests.synth.support import SENTENCES, reference_loudness, reference_true_peak_db

RATE = 22050


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    profile = load_profiles()["mien-bac"]
    engine = EspeakEngine()
    return np.concatenate([engine.synthesize(s, profile).to_float() for s in SENTENCES[:6]])


def test_integrated_loudness_matches_pyloudnorm(speech: np.ndarray) -> None:
    rng = np.random.default_rng(5)
    noise = (rng.standard_normal(RATE * 5) * 0.05).astype(np.float32)
    for signal in (speech, noise, speech * 0.1):
        assert integrated_loudness(signal, RATE) == pytest.approx(reference_loudness(signal, RATE), abs=0.05)
    stereo = np.column_stack([speech, speech * 0.5])
    assert integrated_loudness(stereo, RATE) == pytest.approx(reference_loudness(stereo, RATE), abs=0.05)
    assert integrated_loudness(np.zeros(RATE * 2, np.float32), RATE) == -math.inf
    assert integrated_loudness(np.ones(100, np.float32), RATE) == -math.inf  # shorter than one block


def test_true_peak_finds_inter_sample_peaks() -> None:
    t = np.arange(RATE) / RATE
    quarter = np.sin(2 * np.pi * (RATE / 4) * t + np.pi / 4).astype(np.float32)
    assert np.abs(quarter).max() == pytest.approx(0.7071, abs=1e-3)  # sample peak -3 dB ...
    assert true_peak_dbtp(quarter) == pytest.approx(0.0, abs=0.15)  # ... true peak 0 dB


def test_true_peak_agrees_with_oversampling_reference(speech: np.ndarray) -> None:
    loud = speech * 2.5
    assert true_peak_dbtp(loud) == pytest.approx(reference_true_peak_db(loud), abs=0.02)
    envelope = peak_envelope(loud, threshold=0.5)  # the limiter's 4x grid: close below the fine value
    assert 0.94 * true_peak(loud) <= envelope.max() <= true_peak(loud)
    assert np.all(envelope >= np.abs(loud))


def test_normalise_hits_target_without_exceeding_the_ceiling(speech: np.ndarray) -> None:
    raw_plr = true_peak_dbtp(speech) - integrated_loudness(speech, RATE)
    assert raw_plr > 15  # espeak is peaky: plain gain to -16 LUFS would clip
    out, predicted = normalise(speech, RATE, -16.0, -2.5)
    assert reference_loudness(out, RATE) == pytest.approx(-16.0, abs=0.2)
    assert predicted == pytest.approx(-16.0, abs=0.2)
    assert reference_true_peak_db(out) <= -2.5 + 0.1
    # quiet input is raised, loud input lowered, both to the target
    for scale in (0.05, 3.0):
        level, _ = normalise(speech * scale, RATE, -16.0, -2.5)
        assert integrated_loudness(level, RATE) == pytest.approx(-16.0, abs=0.2)
    with pytest.raises(SilentAudio):
        normalise(np.zeros(RATE * 3, np.float32), RATE, -16.0, -2.5)
