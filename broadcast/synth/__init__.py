"""Speech engines: one sentence of spoken text in, mono PCM out.

* :class:`EspeakEngine` - espeak-ng in-process through ctypes; offline, the default.
* :class:`GttsEngine` - Google Translate's voice; online, with timeout, retries and a circuit breaker.
* :class:`PiperEngine` - Piper neural voices (ONNX) in-process; offline, needs the ``piper`` extra.
* :class:`FptEngine`, :class:`ViettelEngine`, :class:`ZaloEngine` - Vietnamese cloud voices (API keys).
* :func:`speak_all` - the per-profile fallback chain, with the :class:`SentenceCache` in front of it.

Voice profiles (``voices/*.toml``) are parsed in :mod:`broadcast.synth.profiles` and loaded (validated
against the engines and sound files) by :mod:`broadcast.synth.voices`.
"""

from __future__ import annotations

from collections.abc import Mapping

from broadcast.synth.base import Engine, EngineError
from broadcast.synth.cache import SentenceCache, cache_key
from broadcast.synth.chain import ChainState, Spoken, iter_spoken, speak_all, speak_sentence
from broadcast.synth.cloud import CloudConfig, FptEngine, ViettelEngine, ZaloEngine
from broadcast.synth.espeak import EspeakEngine
from broadcast.synth.gtts_engine import GttsEngine
from broadcast.synth.pcm import Pcm
from broadcast.synth.piper_engine import PiperEngine
from broadcast.synth.profiles import ENGINE_NAMES, ProfileError, VoiceProfile, default_voices_dir
from broadcast.synth.voices import load_profile, load_profiles


def build_engines(gtts_timeout: float = 8.0, gtts_retries: int = 1,
                  cloud: Mapping[str, CloudConfig] | None = None) -> dict[str, Engine]:
    """One engine per name a profile may use. Cheap: espeak-ng and Piper models load on first use, the
    online engines connect per call. ``cloud`` holds the FPT.AI/Viettel/Zalo settings (unset: unusable)."""
    cloud = cloud or {}
    engines: dict[str, Engine] = {
        "espeak": EspeakEngine(),
        "gtts": GttsEngine(timeout=gtts_timeout, retries=gtts_retries),
        "piper": PiperEngine(),
    }
    for adapter in (FptEngine, ViettelEngine, ZaloEngine):
        engines[adapter.name] = adapter(cloud.get(adapter.name) or CloudConfig(key=None, url=""))
    assert set(engines) == set(ENGINE_NAMES)
    return engines


__all__ = [
    "ENGINE_NAMES",
    "ChainState",
    "CloudConfig",
    "FptEngine",
    "ViettelEngine",
    "ZaloEngine",
    "Engine",
    "EngineError",
    "EspeakEngine",
    "GttsEngine",
    "Pcm",
    "PiperEngine",
    "ProfileError",
    "SentenceCache",
    "Spoken",
    "VoiceProfile",
    "build_engines",
    "cache_key",
    "default_voices_dir",
    "iter_spoken",
    "load_profile",
    "load_profiles",
    "speak_all",
    "speak_sentence",
]
