"""Synthesised bulletins end to end: the produced MP3 is decoded (independently) and checked."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest
import requests
import responses

from broadcast.audio import AudioSettings, RenderedAudio, measure_mp3
from broadcast.audio.mp3info import scan
from broadcast.render import render_speech, split_into_parts
from broadcast.synth import EspeakEngine, GttsEngine, SentenceCache, load_profiles
from broadcast.synth.chain import NETWORK_WORKERS
from tests.synth.support import (
    GTTS_URL_VN,
    PARAGRAPHS,
    CountingEngine,
    batchexecute_reply,
    closed_port,
    decode_mp3,
    edge_silence,
    longest_gap,
    reference_loudness,
    reference_true_peak_db,
    silent_server,
    tone_mp3,
    word_count,
)

SETTINGS = AudioSettings()


@pytest.fixture(scope="module")
def profiles():  # type: ignore[no-untyped-def]
    return load_profiles()


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


@pytest.fixture(scope="module")
def bulletin(profiles, espeak) -> RenderedAudio:  # type: ignore[no-untyped-def]
    return render_speech(PARAGRAPHS, profiles["mien-bac"], {"espeak": espeak}, None, SETTINGS)


def check_broadcast_ready(audio: RenderedAudio, settings: AudioSettings, max_pause_ms: int) -> np.ndarray:
    """The checks every produced file must pass; returns the decoded samples."""
    samples, rate, channels = decode_mp3(audio.mp3)
    assert (rate, channels) == (settings.sample_rate, settings.channels)
    info = scan(audio.mp3)
    assert info is not None and info.constant_bitrate and info.bitrate_kbps == settings.bitrate_kbps
    assert reference_loudness(samples, rate) == pytest.approx(settings.target_lufs, abs=1.0)
    assert reference_true_peak_db(samples) <= settings.true_peak_dbtp
    assert longest_gap(samples, rate) <= max_pause_ms / 1000 + 0.5
    lead, tail = edge_silence(samples, rate)
    assert lead <= 0.15 and tail <= 0.25  # no dead air at either end (tail: encoder padding)
    # what the asset records was measured from this very file
    assert audio.sha256 == hashlib.sha256(audio.mp3).hexdigest()
    assert audio.duration_s == pytest.approx(samples.shape[0] / rate, abs=1e-6)
    assert audio.lufs == pytest.approx(reference_loudness(samples, rate), abs=0.05)
    assert audio.true_peak_dbtp == pytest.approx(reference_true_peak_db(samples), abs=0.05)
    assert (audio.sample_rate, audio.channels, audio.bitrate_kbps) == (rate, channels, settings.bitrate_kbps)
    return samples


def test_a_bulletin_becomes_broadcast_ready_mp3(bulletin: RenderedAudio, profiles) -> None:  # type: ignore[no-untyped-def]
    profile = profiles["mien-bac"]
    samples = check_broadcast_ready(bulletin, SETTINGS, profile.max_pause_ms)
    words = word_count(PARAGRAPHS)
    pauses = 16 * profile.sentence_pause_ms / 1000 + 3 * profile.paragraph_pause_ms / 1000
    framing = 2 * (1.4 + profile.gap_after_intro_ms / 1000)  # chime and gap at each end
    # Vietnamese is read at roughly 3-6 syllables (space-separated words) a second
    assert words / 7 + pauses + framing < bulletin.duration_s < words / 2.5 + pauses + framing
    assert bulletin.engines == ["espeak"] * 20 and bulletin.engine_summary == "espeak"
    assert len(bulletin.mp3) == pytest.approx(bulletin.duration_s * 64000 / 8, rel=0.02)  # CBR 64 kbps
    measured = measure_mp3(bulletin.mp3)
    assert measured.duration_s == bulletin.duration_s
    # 84 s renders in two 60 s parts whose loudness is combined from each part's own decode (no second
    # decode of the joined file): the stated figure agrees with a decode of the whole within 0.05 LU
    assert measured.lufs == pytest.approx(bulletin.lufs, abs=0.05)
    assert (measured.sample_rate, measured.channels, measured.bitrate_kbps) == (22050, 1, 64)
    # the intro chime opens the file: its first note (E5, 659 Hz) dominates the first half second
    head = samples[: int(0.5 * 22050), 0]
    spectrum = np.abs(np.fft.rfft(head * np.hanning(head.size)))
    assert abs(np.fft.rfftfreq(head.size, 1 / 22050)[spectrum.argmax()] - 659) < 10


def test_emergency_profile_has_attention_tones_and_reads_slower(profiles, espeak, bulletin) -> None:  # type: ignore[no-untyped-def]
    profile = profiles["khan-cap"]
    audio = render_speech(PARAGRAPHS, profile, {"espeak": espeak}, None, SETTINGS)
    samples = check_broadcast_ready(audio, SETTINGS, profile.max_pause_ms)[:, 0]
    assert audio.duration_s > bulletin.duration_s * 1.1
    rate = 22050
    for segment in (samples[: int(0.3 * rate)], samples[-int(1.5 * rate) :]):
        spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size)))
        freqs = np.fft.rfftfreq(segment.size, 1 / rate)
        top = freqs[np.argsort(spectrum)[-6:]]
        assert any(abs(f - 853) < 12 for f in top) and any(abs(f - 960) < 12 for f in top)


def test_output_format_is_configurable(profiles, espeak) -> None:  # type: ignore[no-untyped-def]
    settings = AudioSettings(sample_rate=44100, channels=2, bitrate_kbps=96)
    profile = profiles["mien-nam"].model_copy(update={"intro": None, "outro": None})
    audio = render_speech([PARAGRAPHS[0][:3]], profile, {"espeak": espeak}, None, settings)
    check_broadcast_ready(audio, settings, profile.max_pause_ms)
    with pytest.raises(ValueError, match="not valid for MP3 at 22050"):
        AudioSettings(bitrate_kbps=192)
    with pytest.raises(ValueError, match="nothing to speak"):
        render_speech([[], ["  "]], profile, {"espeak": espeak}, None, settings)


def test_editing_one_sentence_of_twenty_speaks_only_that_one(tmp_path: Path, profiles, espeak) -> None:  # type: ignore[no-untyped-def]
    counting = CountingEngine(espeak)
    cache = SentenceCache(tmp_path / "cache", 64 * 1024 * 1024)
    profile = profiles["mien-bac"]
    first = render_speech(PARAGRAPHS, profile, {"espeak": counting}, cache, SETTINGS)
    assert counting.calls == 20
    edited = [list(p) for p in PARAGRAPHS]
    edited[1][2] = "Hộ gia đình ở vùng trũng thấp cần kê cao tài sản và lương thực."
    started = time.perf_counter()
    second = render_speech(edited, profile, {"espeak": counting}, cache, SETTINGS)
    warm = time.perf_counter() - started
    assert counting.calls == 21 and counting.spoken[-1] == edited[1][2]
    assert second.sha256 != first.sha256 and second.duration_s > first.duration_s
    again = render_speech(PARAGRAPHS, profile, {"espeak": counting}, cache, SETTINGS)
    assert counting.calls == 21  # nothing new to say
    assert again.sha256 == first.sha256  # same sentences from the cache: the very same file
    assert warm < 10  # (the bench measures this properly)


def test_offline_network_still_yields_audio_spoken_by_espeak(profiles, espeak) -> None:  # type: ignore[no-untyped-def]
    profile = profiles["mien-bac-online"]
    bulletin = PARAGRAPHS[:2]
    timeout, retries, backoff = 1.5, 1, 0.1
    for endpoint in (f"http://127.0.0.1:{closed_port()}/batchexecute", None):
        with silent_server() as blackhole:  # refused connections, then a host that never answers
            gtts = GttsEngine(timeout=timeout, retries=retries, endpoint=endpoint or blackhole, backoff_s=backoff)
            fetches = count_fetches(gtts)
            audio = render_speech(bulletin, profile, {"gtts": gtts, "espeak": espeak}, None, SETTINGS)
        assert audio.engines == ["espeak"] * 10 and audio.engine_summary == "espeak"
        # gTTS holds the bulletin up by at most its configured timeout, once, not once per sentence: only
        # the first wave of parallel requests reached the network (each bounded by the timeout), every
        # later sentence went straight to espeak-ng (counted at the engine, not guessed from the clock).
        assert 1 <= fetches() <= NETWORK_WORKERS < len(audio.engines) and not gtts.available()
        check_broadcast_ready(audio, SETTINGS, profile.max_pause_ms)


def count_fetches(engine: GttsEngine) -> Callable[[], int]:
    """Counts the engine's network requests (one per text part, retries inside it); returns the reader."""
    inner, lock, calls = engine._fetch, threading.Lock(), [0]

    def fetch(request: requests.PreparedRequest, deadline: float) -> bytes:
        with lock:
            calls[0] += 1
        return inner(request, deadline)

    engine._fetch = fetch  # type: ignore[method-assign]
    return lambda: calls[0]


@responses.activate
def test_gtts_voice_and_a_mid_bulletin_outage(profiles, espeak) -> None:  # type: ignore[no-untyped-def]
    profile = profiles["mien-bac-online"]
    reply = batchexecute_reply(tone_mp3(1.5))

    def answer(request):  # type: ignore[no-untyped-def]
        text = json.loads(json.loads(parse_qs(request.body)["f.req"][0])[0][0][1])[0]
        if "mưa" in text:  # the network drops during the weather paragraph
            raise requests.ConnectionError("Network is unreachable")
        return 200, {}, reply

    responses.add_callback(responses.POST, GTTS_URL_VN, callback=answer)
    gtts = GttsEngine(timeout=1, retries=0)
    online = render_speech([PARAGRAPHS[0]], profile, {"gtts": gtts, "espeak": espeak}, None, SETTINGS)
    assert online.engines == ["gtts"] * 5 and online.engine_summary == "gtts"
    assert online.sample_rate == 22050  # Google's 24 kHz resampled
    check_broadcast_ready(online, SETTINGS, profile.max_pause_ms)
    mixed = render_speech(PARAGRAPHS[:2], profile, {"gtts": gtts, "espeak": espeak}, None, SETTINGS)
    assert mixed.engines[0] == "gtts" and "espeak" in mixed.engines
    assert mixed.engine_summary == "gtts+espeak"


def test_concurrent_renders_from_worker_threads(profiles, espeak) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    jobs = [("mien-bac", PARAGRAPHS[0]), ("mien-nam", PARAGRAPHS[1]), ("khan-cap", PARAGRAPHS[2])]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(lambda job: render_speech([job[1]], profiles[job[0]], {"espeak": espeak}, None, SETTINGS), jobs)
        )
    for (name, _), audio in zip(jobs, results, strict=True):
        check_broadcast_ready(audio, SETTINGS, profiles[name].max_pause_ms)


def test_parts_joined_are_measured_as_the_whole_file(profiles, espeak) -> None:  # type: ignore[no-untyped-def]
    """A bulletin rendered in several parts: its figures, taken from the parts' own decodes, are those of
    the joined file decoded independently."""
    profile = profiles["mien-bac"]
    assert len(split_into_parts(PARAGRAPHS, profile, 12.0)) >= 3
    audio = render_speech(PARAGRAPHS, profile, {"espeak": espeak}, None, SETTINGS, part_seconds=12.0)
    check_broadcast_ready(audio, SETTINGS, profile.max_pause_ms)
    measured = measure_mp3(audio.mp3)
    assert measured.duration_s == pytest.approx(audio.duration_s, abs=1e-6)
    assert measured.lufs == pytest.approx(audio.lufs, abs=0.05)
    assert audio.engines == ["espeak"] * 20
