"""The fallback chain: each sentence is spoken by the first engine of the profile's chain that can.

For every engine in order: a cached sentence from that engine is used as is; otherwise the engine is
asked, unless it already failed during this bulletin (``failed``), in which case the chain moves on
without waiting for it again. So with the network down a gTTS-first profile costs at most one timeout
and the rest of the bulletin comes from espeak-ng, each sentence recording which engine spoke it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from broadcast.synth.base import Engine, EngineError
from broadcast.synth.cache import SentenceCache, cache_key
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile

#: Parallel requests when the chain holds a network engine.
NETWORK_WORKERS = 4


@dataclass(frozen=True)
class Spoken:
    pcm: Pcm
    engine: str
    model: str | None = None  # sha256 of a local model (Piper)
    voice: str | None = None  # the engine's own voice code

    def speaker(self) -> dict[str, str]:
        """Who spoke, as recorded with the audio."""
        record = {"engine": self.engine}
        if self.model:
            record["model"] = self.model
        if self.voice:
            record["voice"] = self.voice
        return record


@dataclass
class ChainState:
    """Per-bulletin memory of engines that failed (thread-safe) and why."""

    failed: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    reasons: dict[str, str] = field(default_factory=dict)  # engine -> its first failure

    def mark_failed(self, name: str, error: str) -> None:
        with self.lock:
            self.failed.add(name)
            self.errors.append(f"{name}: {error}")
            self.reasons.setdefault(name, error)

    def has_failed(self, name: str) -> bool:
        with self.lock:
            return name in self.failed


def speak_sentence(
    sentence: str,
    profile: VoiceProfile,
    engines: Mapping[str, Engine],
    cache: SentenceCache | None,
    state: ChainState | None = None,
    store: Callable[[str, Pcm], object] | None = None,
) -> Spoken:
    """Speak one sentence through the profile's chain; EngineError if no engine could.

    A newly spoken sentence goes into ``cache`` through ``store`` (default ``cache.put``): a caller can
    hand the write, and its fsync, to another thread so the engine goes on speaking meanwhile.

    The profile's respelling table (loanwords: "Zalo" → "da lô") is applied here, just before the engines,
    so every engine of the chain and the cache key see what is actually said.
    """
    sentence = profile.respell(sentence)
    state = state or ChainState()
    problems: list[str] = []
    for name in profile.engines:
        engine = engines.get(name)
        if engine is None:
            problems.append(f"{name}: not configured")
            continue
        key = cache_key(name, engine.settings_key(profile), sentence) if cache is not None else None
        if cache is not None and key is not None:
            hit = cache.get(key)
            if hit is not None:
                return _spoken(hit, name, engine, profile)
        if state.has_failed(name):
            problems.append(f"{name}: failed earlier in this bulletin")
            continue
        try:
            pcm = engine.synthesize(sentence, profile)
        except EngineError as exc:
            state.mark_failed(name, str(exc))
            problems.append(f"{name}: {exc}")
            continue
        if cache is not None and key is not None:
            (store or cache.put)(key, pcm)
        return _spoken(pcm, name, engine, profile)
    raise EngineError(f"no engine could speak {sentence[:60]!r}: " + "; ".join(problems))


def _spoken(pcm: Pcm, name: str, engine: Engine, profile: VoiceProfile) -> Spoken:
    model_id = getattr(engine, "model_id", None)
    voice_code = getattr(engine, "voice_code", None)
    if voice_code is None and name == "espeak":
        voice = profile.voice + (f"+{profile.variant}" if profile.variant else "")
    else:
        voice = voice_code(profile) if voice_code else None
    return Spoken(pcm, name, model_id(profile) if model_id else None, voice)


def iter_spoken(
    sentences: list[str],
    profile: VoiceProfile,
    engines: Mapping[str, Engine],
    cache: SentenceCache | None,
    state: ChainState | None = None,
    store: Callable[[str, Pcm], object] | None = None,
) -> Iterator[Spoken]:
    """Speak sentences, yielding each as soon as it (and all before it) is ready, in order.

    The caller can process a sentence while the next is being spoken; network engines are asked
    several sentences at a time. ``state`` collects the engines that failed and why; ``store`` see
    :func:`speak_sentence`.
    """
    state = state if state is not None else ChainState()
    networked = any(getattr(engines.get(name), "concurrent", False) for name in profile.engines)
    if not networked or len(sentences) < 2:
        for sentence in sentences:
            yield speak_sentence(sentence, profile, engines, cache, state, store)
        return
    with ThreadPoolExecutor(max_workers=NETWORK_WORKERS, thread_name_prefix="tts") as pool:
        yield from pool.map(lambda s: speak_sentence(s, profile, engines, cache, state, store), sentences)


def speak_all(
    sentences: list[str],
    profile: VoiceProfile,
    engines: Mapping[str, Engine],
    cache: SentenceCache | None,
) -> list[Spoken]:
    """Speak sentences in order (see :func:`iter_spoken`)."""
    return list(iter_spoken(sentences, profile, engines, cache))
