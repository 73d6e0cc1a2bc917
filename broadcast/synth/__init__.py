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

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from broadcast.synth.base import Engine, EngineError
from broadcast.synth.cache import SentenceCache, cache_key
from broadcast.synth.chain import ChainState, Spoken, iter_spoken, speak_all, speak_sentence
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import ENGINE_NAMES, ProfileError, VoiceProfile, default_voices_dir
from broadcast.synth.voices import load_profile, load_profiles

if TYPE_CHECKING:
    from broadcast.synth.cloud import CloudConfig, FptEngine, ViettelEngine, ZaloEngine
    from broadcast.synth.espeak import EspeakEngine
    from broadcast.synth.gtts_engine import GttsEngine
    from broadcast.synth.piper_engine import PiperEngine

#: Where each engine lives: (module, class). Modules are imported when an engine is first asked for, so a
#: process that only speaks espeak-ng never imports requests, and ``import broadcast.synth`` stays cheap.
ENGINE_CLASSES: dict[str, tuple[str, str]] = {
    "espeak": ("broadcast.synth.espeak", "EspeakEngine"),
    "gtts": ("broadcast.synth.gtts_engine", "GttsEngine"),
    "piper": ("broadcast.synth.piper_engine", "PiperEngine"),
    "fpt": ("broadcast.synth.cloud", "FptEngine"),
    "viettel": ("broadcast.synth.cloud", "ViettelEngine"),
    "zalo": ("broadcast.synth.cloud", "ZaloEngine"),
}
_LAZY_NAMES = {cls: module for module, cls in ENGINE_CLASSES.values()} | {"CloudConfig": "broadcast.synth.cloud"}


def __getattr__(name: str) -> Any:
    """The engine classes, imported on first use (``from broadcast.synth import EspeakEngine`` still works)."""
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


class Engines(Mapping[str, Engine]):
    """One engine per name a profile may use, each built (and its module imported) on first lookup."""

    def __init__(self, gtts_timeout: float, gtts_retries: int, cloud: Mapping[str, CloudConfig] | None,
                 settings: Any = None) -> None:
        self._gtts = {"timeout": gtts_timeout, "retries": gtts_retries}
        self._cloud = cloud
        self._settings = settings
        self._built: dict[str, Engine] = {}

    def _build(self, name: str) -> Engine:
        module, cls = ENGINE_CLASSES[name]
        factory = getattr(importlib.import_module(module), cls)
        if name == "gtts":
            return factory(**self._gtts)  # type: ignore[no-any-return]
        if module == "broadcast.synth.cloud":
            if self._cloud is None:
                from broadcast.synth.cloud import cloud_configs

                self._cloud = cloud_configs(self._settings) if self._settings is not None else {}
            config = self._cloud.get(name) or __getattr__("CloudConfig")(key=None, url="")
            return factory(config)  # type: ignore[no-any-return]
        return factory()  # type: ignore[no-any-return]

    def __getitem__(self, name: str) -> Engine:
        if name not in ENGINE_CLASSES:
            raise KeyError(name)
        if name not in self._built:  # a race builds two, one is kept: engines are cheap until first use
            self._built.setdefault(name, self._build(name))
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(ENGINE_CLASSES)

    def __len__(self) -> int:
        return len(ENGINE_CLASSES)


def build_engines(gtts_timeout: float = 8.0, gtts_retries: int = 1,
                  cloud: Mapping[str, CloudConfig] | None = None, settings: Any = None) -> Engines:
    """One engine per name a profile may use. Cheap: each engine's module is imported and the engine made
    when a profile first needs it; espeak-ng and Piper models load on first use, the online engines connect
    per call. ``cloud`` holds the FPT.AI/Viettel/Zalo settings, else they are read from ``settings``
    (:class:`broadcast.config.Settings`) when a cloud engine is first needed; neither: unusable."""
    assert set(ENGINE_CLASSES) == set(ENGINE_NAMES)
    return Engines(gtts_timeout, gtts_retries, cloud, settings)


__all__ = [
    "ENGINE_CLASSES",
    "ENGINE_NAMES",
    "ChainState",
    "CloudConfig",
    "FptEngine",
    "ViettelEngine",
    "ZaloEngine",
    "Engine",
    "EngineError",
    "Engines",
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
