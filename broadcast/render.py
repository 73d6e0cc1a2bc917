"""Synthesised bulletins: sentences through the engine chain, assembled with pauses, then mastered.

Assembly sits above both the engines (:mod:`broadcast.synth`, which return PCM) and the audio toolkit
(:mod:`broadcast.audio`: analysis, levelling, encoding), beside :mod:`broadcast.speech`; neither of those
imports it.

While the engine speaks sentence n+1, worker threads trim, high-pass and analyse sentence n (numpy
and libespeak-ng both release the GIL), so on two cores the analysis costs little wall time.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import numpy as np

from broadcast.audio.dynamics import Analysed, analyse, join, silence_samples
from broadcast.audio.ffmpeg import resample
from broadcast.audio.horn import shape_for_horn
from broadcast.audio.master import Programme, master
from broadcast.audio.settings import AudioSettings, RenderedAudio
from broadcast.audio.silence import trim
from broadcast.synth.base import Engine
from broadcast.synth.cache import SentenceCache
from broadcast.synth.chain import ChainState, Spoken, iter_spoken
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile

#: Threads analysing sentences: one keeps up with espeak-ng; two help when sentences come from the cache.
ANALYSIS_WORKERS = 2


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


def render_speech(
    paragraphs: list[list[str]],
    profile: VoiceProfile,
    engines: Mapping[str, Engine],
    cache: SentenceCache | None,
    settings: AudioSettings,
) -> RenderedAudio:
    """Speak already-normalised sentences (grouped in paragraphs) and master them into an MP3.

    Raises ValueError when there is nothing to speak and ``EngineError`` when no engine of the chain
    could speak a sentence.
    """
    texts = [[s.strip() for s in paragraph if s and s.strip()] for paragraph in paragraphs]
    texts = [paragraph for paragraph in texts if paragraph]
    flat = [sentence for paragraph in texts for sentence in paragraph]
    if not flat:
        raise ValueError("nothing to speak: no sentences")
    rate = settings.sample_rate
    spoken: list[Spoken] = []
    state = ChainState()
    with ThreadPoolExecutor(max_workers=ANALYSIS_WORKERS, thread_name_prefix="analyse") as analyser:
        futures: list[Future[Analysed | None]] = []
        for item in iter_spoken(flat, profile, engines, cache, state):
            spoken.append(item)
            futures.append(analyser.submit(prepare_sentence, item.pcm, rate, profile.horn))
        prepared = iter([future.result() for future in futures])
    grouped = [[next(prepared) for _ in paragraph] for paragraph in texts]
    speech = assemble(grouped, rate, profile.sentence_pause_ms, profile.paragraph_pause_ms)
    if speech.size == 0:
        raise ValueError("the engines produced no audible speech")
    programme = Programme(
        speech=speech,
        intro=profile.sound_source("intro"),
        outro=profile.sound_source("outro"),
        gap_s=profile.gap_after_intro_ms / 1000,
    )
    rendered = master(programme, settings, [item.engine for item in spoken])
    return replace(rendered, speakers=[item.speaker() for item in spoken], fallbacks=dict(state.reasons))
