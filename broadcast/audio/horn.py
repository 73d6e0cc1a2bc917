"""Shaping speech for horn loudspeakers (loa nén), applied per sentence before loudness normalisation.

Commune horn loudspeakers reproduce roughly 300 Hz to 5 kHz; energy outside that band is not heard, yet
it takes headroom from the limiter and, below the band, makes horns rattle. Outdoors the quiet syllables
(Vietnamese falling and low tones, final consonants) are lost under traffic and wind first. So a voice
profile with ``horn = true`` gets:

1. a band-pass (4th-order Butterworth high-pass at :data:`LOW_HZ`, low-pass at :data:`HIGH_HZ`);
2. gentle downward compression on a smoothed RMS envelope (threshold :data:`THRESHOLD_DB` below the
   sentence's own loud level, ratio :data:`RATIO`, fast attack, slow release), which brings loud and
   quiet syllables closer together; loudness normalisation afterwards brings the whole back up.

Pure numpy on float32 mono (filters from :mod:`broadcast.audio.iir`); stateless, so sentences can be
shaped in parallel.
"""

from __future__ import annotations

import functools

import numpy as np

from broadcast.audio.iir import Cascade, butterworth

LOW_HZ = 300.0
HIGH_HZ = 5000.0
#: Compression starts this far below the sentence's loud (95th percentile) envelope level.
THRESHOLD_DB = 12.0
RATIO = 2.5
ATTACK_S = 0.005
RELEASE_S = 0.080
#: Envelope window (RMS over this long).
WINDOW_S = 0.010


@functools.cache
def _band(sample_rate: int) -> Cascade:
    high = min(HIGH_HZ, 0.45 * sample_rate)
    return Cascade(*butterworth(4, LOW_HZ, sample_rate, "highpass"), *butterworth(4, high, sample_rate, "lowpass"))


def band_limit(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    band = _band(sample_rate)
    return band.run(samples, band.initial_state())[0].astype(np.float32)


def _envelope_db(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Smoothed RMS level in dB, fast attack and slow release (one-pole filters on the power)."""
    window = max(1, int(WINDOW_S * sample_rate))
    power = np.convolve(np.square(samples, dtype=np.float64), np.ones(window) / window, mode="same")
    attack = np.exp(-1.0 / (ATTACK_S * sample_rate))
    release = np.exp(-1.0 / (RELEASE_S * sample_rate))
    # Attack/release smoothing on a decimated envelope (every 1 ms) keeps the Python loop short.
    step = max(1, sample_rate // 1000)
    coarse = power[::step]
    smoothed = np.empty_like(coarse)
    level = 0.0
    a_step, r_step = attack ** step, release ** step
    for index, value in enumerate(coarse):
        coefficient = a_step if value > level else r_step
        level = coefficient * level + (1.0 - coefficient) * value
        smoothed[index] = level
    full = np.repeat(smoothed, step)[: samples.size]
    return 10.0 * np.log10(np.maximum(full, 1e-12))


def compress(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Downward compression above a threshold set from the sentence's own loud level."""
    if samples.size == 0:
        return samples
    level_db = _envelope_db(samples, sample_rate)
    audible = level_db[level_db > -70.0]
    if audible.size == 0:
        return samples
    threshold = float(np.percentile(audible, 95)) - THRESHOLD_DB
    over = np.maximum(level_db - threshold, 0.0)
    gain_db = -over * (1.0 - 1.0 / RATIO)
    return (samples * np.power(10.0, gain_db / 20.0)).astype(np.float32)


def shape_for_horn(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Band-limit, then compress gently; the caller normalises loudness afterwards."""
    return compress(band_limit(np.asarray(samples, dtype=np.float32), sample_rate), sample_rate)
