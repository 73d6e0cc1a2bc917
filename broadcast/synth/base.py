"""What an engine is: something that speaks one sentence for a voice profile."""

from __future__ import annotations

import functools
import importlib.metadata
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from broadcast.synth.pcm import Pcm
    from broadcast.synth.profiles import VoiceProfile


@functools.cache
def package_version(distribution: str) -> str:
    """An installed distribution's version ("unknown" when not installed): a new library may speak
    differently, so engines put it in their cache keys."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


class EngineError(RuntimeError):
    """An engine could not speak a sentence; the fallback chain moves on to the next engine."""


@runtime_checkable
class Engine(Protocol):
    """Turns one sentence of already-normalised spoken text into mono PCM.

    ``settings_key`` returns the profile settings that change this engine's output (and the engine's own
    version); the sentence cache keys on them, so editing a pause does not re-synthesise anything while
    editing the rate does.
    """

    name: str

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm: ...

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]: ...
