"""Synthesised bulletins: sentences through the engine chain, assembled with pauses, then mastered."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy import signal

from broadcast.audio.master import Programme, master
from broadcast.audio.settings import AudioSettings, RenderedAudio
from broadcast.audio.silence import trim
from broadcast.synth.base import Engine
from broadcast.synth.cache import SentenceCache
from broadcast.synth.chain import Spoken, speak_all
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile


def to_rate(pcm: Pcm, sample_rate: int) -> np.ndarray:
    """Float32 samples at ``sample_rate`` (polyphase resampling when the engine's rate differs)."""
    samples = pcm.to_float()
    if pcm.sample_rate == sample_rate:
        return samples
    common = math.gcd(pcm.sample_rate, sample_rate)
    return signal.resample_poly(samples, sample_rate // common, pcm.sample_rate // common).astype(np.float32)


def assemble(
    paragraphs: list[list[np.ndarray]], sample_rate: int, sentence_pause_ms: int, paragraph_pause_ms: int
) -> np.ndarray:
    """Join trimmed sentences with exact pauses: sentence pause inside a paragraph, paragraph pause between."""
    sentence_gap = np.zeros(int(round(sentence_pause_ms * sample_rate / 1000)), dtype=np.float32)
    paragraph_gap = np.zeros(int(round(paragraph_pause_ms * sample_rate / 1000)), dtype=np.float32)
    pieces: list[np.ndarray] = []
    for paragraph in paragraphs:
        sentences = [s for s in paragraph if s.size]
        if not sentences:
            continue
        if pieces:
            pieces.append(paragraph_gap)
        for index, sentence in enumerate(sentences):
            if index:
                pieces.append(sentence_gap)
            pieces.append(sentence)
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def render_speech(
    paragraphs: list[list[str]],
    profile: VoiceProfile,
    engines: Mapping[str, Engine],
    cache: SentenceCache | None,
    settings: AudioSettings,
) -> RenderedAudio:
    """Speak already-normalised sentences (grouped in paragraphs) and master them into an MP3.

    Raises ValueError when there is nothing to speak, ``EngineError`` when no engine of the chain could
    speak a sentence.
    """
    texts = [[s.strip() for s in paragraph if s and s.strip()] for paragraph in paragraphs]
    texts = [paragraph for paragraph in texts if paragraph]
    flat = [sentence for paragraph in texts for sentence in paragraph]
    if not flat:
        raise ValueError("nothing to speak: no sentences")
    spoken: list[Spoken] = speak_all(flat, profile, engines, cache)
    rate = settings.sample_rate
    trimmed = iter(trim(to_rate(item.pcm, rate), rate) for item in spoken)
    grouped = [[next(trimmed) for _ in paragraph] for paragraph in texts]
    speech = assemble(grouped, rate, profile.sentence_pause_ms, profile.paragraph_pause_ms)
    if speech.size == 0:
        raise ValueError("the engines produced no audible speech")
    programme = Programme(
        speech=speech,
        intro=profile.sound_source("intro"),
        outro=profile.sound_source("outro"),
        gap_s=profile.gap_after_intro_ms / 1000,
    )
    return master(programme, settings, [item.engine for item in spoken])
