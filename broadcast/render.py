"""Synthesised bulletins: sentences through the engine chain, assembled with pauses, then mastered.

Assembly sits above both the engines (:mod:`broadcast.synth`, which return PCM) and the audio toolkit
(:mod:`broadcast.audio`: analysis, levelling, encoding), beside :mod:`broadcast.speech`; neither of those
imports it.

While the engine speaks sentence n+1, worker threads trim, high-pass and analyse sentence n and write it
to the sentence cache (numpy, fsync and libespeak-ng all release the GIL); while the engine speaks part
n+1 of a long bulletin, two other threads level, encode and measure parts n and n-1 (the ffmpeg encoder
is a process of its own; numpy and libsndfile's decoder release the GIL). On two cores the analysis and
the mastering so cost little wall time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from broadcast.audio.dynamics import Analysed, analyse, join, silence_samples
from broadcast.audio.ffmpeg import resample
from broadcast.audio.horn import shape_for_horn
from broadcast.audio.master import Programme, codec_gain_db, join_parts, master
from broadcast.audio.settings import AudioSettings, RenderedAudio
from broadcast.audio.silence import trim
from broadcast.reading_time import estimate_seconds
from broadcast.synth.base import Engine
from broadcast.synth.cache import SentenceCache
from broadcast.synth.chain import ChainState, iter_spoken
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile

#: Threads analysing sentences: one keeps up with espeak-ng; two help when sentences come from the cache.
ANALYSIS_WORKERS = 2
#: Parts mastered at once: two keep both cores busy while the engine speaks (`broadcast say` of the
#: 841-word bench notice: 1.21x the raw baseline with two, 1.31x with one; bench/startup_bench.py).
MASTERING_WORKERS = 2


def to_rate(pcm: Pcm, sample_rate: int) -> np.ndarray:
    """Float32 samples at ``sample_rate`` (ffmpeg resamples when the engine's rate differs: only online or
    neural voices, whose synthesis costs far more than the extra process)."""
    if pcm.sample_rate == sample_rate:
        return pcm.to_float()
    return resample(pcm.samples, pcm.sample_rate, sample_rate)


def prepare_sentence(pcm: Pcm, sample_rate: int, horn: bool = False) -> Analysed | None:
    """Resample, trim the ends, shape for horns if asked, and analyse one sentence; None if it holds no sound."""
    trimmed = trim(to_rate(pcm, sample_rate), sample_rate)
    if horn and trimmed.size:
        trimmed = shape_for_horn(trimmed, sample_rate)
    return analyse(trimmed, sample_rate) if trimmed.size else None


def assemble(
    paragraphs: list[list[Analysed | None]], sample_rate: int, sentence_pause_ms: int, paragraph_pause_ms: int
) -> Analysed:
    """Join sentences with exact pauses: the sentence pause inside a paragraph, the paragraph pause between."""
    sentence_gap = silence_samples(sentence_pause_ms / 1000, sample_rate)
    paragraph_gap = silence_samples(paragraph_pause_ms / 1000, sample_rate)
    pieces: list[Analysed | int] = []
    for paragraph in paragraphs:
        sentences = [s for s in paragraph if s is not None and s.size]
        if not sentences:
            continue
        if pieces:
            pieces.append(paragraph_gap)
        for index, sentence in enumerate(sentences):
            if index:
                pieces.append(sentence_gap)
            pieces.append(sentence)
    return join(pieces, sample_rate)


#: Long bulletins are rendered in parts of about this much audio, cut at paragraph (else sentence)
#: boundaries: memory then stays bounded whatever the length, and the parts' MP3 frames are joined into one
#: stream. A part's working set is several float copies of it, and up to three parts are in work at once
#: (one spoken, two mastered): peak RSS of a whole `broadcast say` of 77,000 characters (115 minutes) is
#: 321 MB (bench/memory_bench.py; the limit is 400 MB). Each part costs one more encoder process.
PART_SECONDS = 60.0


def split_into_parts(
    paragraphs: list[list[str]], profile: VoiceProfile, part_seconds: float = PART_SECONDS
) -> list[list[list[str]]]:
    """Consecutive groups of paragraphs of at most ``part_seconds`` estimated audio each (a paragraph longer
    than that is cut between sentences)."""

    def seconds(group: list[list[str]]) -> float:
        return estimate_seconds(
            group, profile.syllables_per_minute, profile.sentence_pause_ms, profile.paragraph_pause_ms
        )

    # equal-sized parts (no short tail part): n parts of total / n each
    part_seconds = seconds(paragraphs) / max(1, -(-seconds(paragraphs) // part_seconds)) * 1.02
    parts: list[list[list[str]]] = [[]]
    for paragraph in paragraphs:
        pieces = [paragraph]
        if seconds([paragraph]) > part_seconds:  # one very long paragraph: cut it between sentences
            pieces, current = [], []
            for sentence in paragraph:
                if current and seconds([[*current, sentence]]) > part_seconds:
                    pieces.append(current)
                    current = []
                current.append(sentence)
            pieces.append(current)
        for piece in pieces:
            if parts[-1] and seconds([*parts[-1], piece]) > part_seconds:
                parts.append([])
            parts[-1].append(piece)
    if len(parts) > 1 and seconds(parts[-1]) < part_seconds / 4:  # no short tail part: it joins the one before
        parts[-2] += parts.pop()
    return parts


def _speak_part(texts: list[list[str]], profile: VoiceProfile, engines: Mapping[str, Engine],
                cache: SentenceCache | None, state: ChainState,
                rate: int) -> tuple[list[list[Analysed | None]], list[str], list[dict[str, str]]]:
    """Speak and analyse one part's sentences (the engine speaks sentence n+1 while n is analysed)."""
    flat = [sentence for paragraph in texts for sentence in paragraph]
    engine_names: list[str] = []
    speakers: list[dict[str, str]] = []
    with ThreadPoolExecutor(max_workers=ANALYSIS_WORKERS, thread_name_prefix="analyse") as analyser:
        futures: list[Future[Analysed | None]] = []
        writes: list[Future[object]] = []

        def store(key: str, pcm: Pcm) -> None:  # cache writes (fsync) off the engine's path
            assert cache is not None
            writes.append(analyser.submit(cache.put, key, pcm))

        for item in iter_spoken(flat, profile, engines, cache, state, store):
            engine_names.append(item.engine)
            speakers.append(item.speaker())
            futures.append(analyser.submit(prepare_sentence, item.pcm, rate, profile.horn))
        prepared = iter([future.result() for future in futures])
        for write in writes:
            write.result()  # a failed write (disk full) fails the render, as it did in the engine's thread
    return [[next(prepared) for _ in paragraph] for paragraph in texts], engine_names, speakers


def render_speech(
    paragraphs: list[list[str]],
    profile: VoiceProfile,
    engines: Mapping[str, Engine],
    cache: SentenceCache | None,
    settings: AudioSettings,
    part_seconds: float = PART_SECONDS,
) -> RenderedAudio:
    """Speak already-normalised sentences (grouped in paragraphs) and master them into an MP3.

    A bulletin longer than ``part_seconds`` is spoken, levelled and encoded part by part (each part meets
    the loudness target and the true-peak ceiling on its own, the intro before the first and the outro
    after the last), and the MP3 streams are joined; the whole is measured from the parts' decoded audio.

    Raises ValueError when there is nothing to speak and ``EngineError`` when no engine of the chain
    could speak a sentence.
    """
    texts = [[s.strip() for s in paragraph if s and s.strip()] for paragraph in paragraphs]
    texts = [paragraph for paragraph in texts if paragraph]
    if not texts:
        raise ValueError("nothing to speak: no sentences")
    rate = settings.sample_rate
    state = ChainState()
    parts = split_into_parts(texts, profile, part_seconds)
    rendered: list[RenderedAudio] = []
    mp3 = bytearray()
    step_energy: list[np.ndarray] = []
    speakers: list[dict[str, str]] = []

    def collect(done: tuple[Future[RenderedAudio], list[np.ndarray]]) -> None:
        future, steps = done
        part_audio = future.result()
        mp3.extend(part_audio.mp3)  # keep the bytes once, the figures without them
        rendered.append(replace(part_audio, mp3=b""))
        step_energy.extend(steps)

    # parts are levelled, encoded and measured (MASTERING_WORKERS at a time, ffmpeg in its own process)
    # while the next part is spoken; results are collected in order, so memory holds at most
    # MASTERING_WORKERS + 1 parts
    with ThreadPoolExecutor(max_workers=MASTERING_WORKERS, thread_name_prefix="master") as mastering:
        # the codec's level calibration (one short encode, once per process) while the first part is spoken
        mastering.submit(codec_gain_db, rate, settings.bitrate_kbps, settings.mp3_quality, settings.channels)
        pending: deque[tuple[Future[RenderedAudio], list[np.ndarray]]] = deque()
        for index, part in enumerate(parts):
            grouped, engine_names, part_speakers = _speak_part(part, profile, engines, cache, state, rate)
            speakers += part_speakers
            speech = assemble(grouped, rate, profile.sentence_pause_ms, profile.paragraph_pause_ms)
            del grouped
            if speech.size == 0:
                if len(parts) == 1:
                    raise ValueError("the engines produced no audible speech")
                continue
            last = index == len(parts) - 1
            if not last:  # the paragraph pause that joins this part to the next
                speech = join([speech, silence_samples(profile.paragraph_pause_ms / 1000, rate)], rate)
            programme = Programme(
                speech=speech,
                intro=profile.sound_source("intro") if index == 0 else None,
                outro=profile.sound_source("outro") if last else None,
                gap_s=profile.gap_after_intro_ms / 1000,
            )
            if len(pending) >= MASTERING_WORKERS:
                collect(pending.popleft())
            steps: list[np.ndarray] = []
            pending.append((mastering.submit(master, programme, settings, engine_names, steps), steps))
            del speech, programme
        while pending:
            collect(pending.popleft())
    if not rendered:
        raise ValueError("the engines produced no audible speech")
    if len(rendered) == 1:
        whole = replace(rendered[0], mp3=bytes(mp3))
    else:
        whole = join_parts(mp3, rendered, step_energy, settings)
    return replace(whole, speakers=speakers, fallbacks=dict(state.reasons))
