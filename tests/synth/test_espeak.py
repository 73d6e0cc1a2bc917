"""espeak-ng through ctypes: real synthesis, voices, rate, errors, thread safety."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from broadcast.synth import EngineError, EspeakEngine, load_profiles
from tests.synth.support import SENTENCES

SENTENCE = SENTENCES[2]


@pytest.fixture(scope="module")
def profiles():  # type: ignore[no-untyped-def]
    return load_profiles()


def test_speaks_a_sentence_as_mono_16_bit_22050(profiles) -> None:  # type: ignore[no-untyped-def]
    pcm = EspeakEngine().synthesize(SENTENCE, profiles["mien-bac"])
    assert pcm.sample_rate == 22050
    assert pcm.samples.dtype == np.int16 and pcm.samples.ndim == 1
    words = len(SENTENCE.split())
    assert 0.2 * words < pcm.duration_s < 0.7 * words
    assert np.abs(pcm.samples.astype(np.int32)).max() < 32767  # engine volume leaves headroom: no clipping
    rms = np.sqrt(np.mean(pcm.samples.astype(np.float64) ** 2))
    assert rms > 500  # it is speech, not silence


def test_voices_differ_and_rate_changes_duration(profiles) -> None:  # type: ignore[no-untyped-def]
    engine = EspeakEngine()
    north = engine.synthesize(SENTENCE, profiles["mien-bac"])
    south = engine.synthesize(SENTENCE, profiles["mien-nam"])
    central = engine.synthesize(SENTENCE, profiles["mien-trung"])
    assert len({north.samples.tobytes(), south.samples.tobytes(), central.samples.tobytes()}) == 3
    uncalibrated = profiles["mien-bac"].model_copy(update={"syllables_per_minute": None})
    normal = engine.synthesize(SENTENCE, uncalibrated)
    slow = engine.synthesize(SENTENCE, uncalibrated.model_copy(update={"rate": 0.6}))
    assert slow.duration_s > normal.duration_s * 1.3
    slower = engine.synthesize(SENTENCE, profiles["mien-bac"].model_copy(update={"syllables_per_minute": 125}))
    assert slower.duration_s > north.duration_s * 1.3
    # espeak-ng is not bit-exact between calls (random breath noise, state carried from the previous
    # utterance): the sentence cache, not the engine, makes re-renders identical
    again = engine.synthesize(SENTENCE, profiles["mien-bac"])
    assert abs(again.duration_s - north.duration_s) < 0.05
    assert envelope_similarity(again, north) > 0.95


def test_errors_are_engine_errors(profiles) -> None:  # type: ignore[no-untyped-def]
    engine = EspeakEngine()
    with pytest.raises(EngineError, match="empty"):
        engine.synthesize("  \n ", profiles["mien-bac"])
    with pytest.raises(EngineError, match="no voice"):
        engine.synthesize(SENTENCE, profiles["mien-bac"].model_copy(update={"voice": "zz-none", "variant": None}))
    # a failed voice switch leaves the engine usable
    assert engine.synthesize(SENTENCE, profiles["mien-bac"]).duration_s > 1


def test_concurrent_callers_get_the_same_audio_as_serial_ones(profiles) -> None:  # type: ignore[no-untyped-def]
    engine = EspeakEngine()
    jobs = [(SENTENCES[i % 5], profiles[("mien-bac", "mien-nam", "khan-cap")[i % 3]]) for i in range(12)]
    serial = [engine.synthesize(text, profile) for text, profile in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda job: engine.synthesize(*job), jobs))
    for one, other in zip(serial, parallel, strict=True):
        assert abs(one.duration_s - other.duration_s) < 0.05
        assert envelope_similarity(one, other) > 0.95  # not interleaved or garbled


def envelope_similarity(a, b) -> float:  # type: ignore[no-untyped-def]
    """Correlation of the 20 ms RMS envelopes of two takes of the same sentence."""
    frame = 441
    n = min(len(a.samples), len(b.samples)) // frame * frame
    env = [np.sqrt(np.mean(x.samples[:n].astype(np.float64).reshape(-1, frame) ** 2, axis=1)) for x in (a, b)]
    return float(np.corrcoef(env[0], env[1])[0, 1])
