"""Piper neural voices (VITS models in ONNX), offline and in-process.

``piper-tts`` is an optional extra (``pip install 'broadcast[piper]'``): it brings onnxruntime and its
own espeak-ng phonemiser. Without it the engine reports itself unusable and the profile's chain falls
back to the next engine, so the default install still serves.

Each model is loaded once per process and shared by every thread: onnxruntime sessions are safe to run
concurrently and piper serialises its phonemiser itself. A model file is checked against the sha256 in
the profile when it is loaded, so a file changed on disk is refused rather than spoken with.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from broadcast.synth.base import EngineError
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile

if TYPE_CHECKING:
    from piper import PiperVoice

#: What an operator is told when the extra is missing.
INSTALL_HINT = "the Piper engine is not installed: run  pip install 'broadcast[piper]'"
#: Inputs every Piper VITS voice takes.
REQUIRED_INPUTS = ("input", "input_lengths", "scales")
#: Piper normalises each sentence to full scale; a little below it leaves the assembler headroom.
ENGINE_VOLUME = 0.9


def piper_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_voice(model: Path, config: Path, shown: tuple[str, str] | None = None) -> PiperVoice:
    """Load a model with its config and check it has a Piper voice's inputs; EngineError otherwise.

    ``shown`` names the two files in messages (an install loads temporary copies).
    """
    try:
        import onnxruntime
        from piper import PiperVoice
    except ImportError as exc:
        raise EngineError(INSTALL_HINT) from exc
    model_name, config_name = shown or (model.name, config.name)
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EngineError(f"the voice config {config_name} is not readable JSON: {exc}") from exc
    from piper.config import PiperConfig

    try:
        piper_config = PiperConfig.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise EngineError(f"the voice config {config_name} is not a Piper voice config (missing or bad {exc})") from exc
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # failures reach the caller as exceptions, not as log lines
    try:
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for unreadable models
        message = _short(exc).replace(str(model), model_name)
        raise EngineError(f"the model {model_name} does not load: {message}") from exc
    voice = PiperVoice(session=session, config=piper_config)
    names = {item.name for item in voice.session.get_inputs()}
    missing = [name for name in REQUIRED_INPUTS if name not in names]
    if missing or not voice.session.get_outputs():
        raise EngineError(f"the model {model_name} is not a Piper voice (inputs {sorted(names)}, "
                          f"missing {missing})")
    return voice


def speak_with(voice: PiperVoice, sentence: str, rate: float = 1.0, speaker: int | None = None) -> Pcm:
    """One sentence through a loaded voice; piper may split it, the pieces are joined."""
    from piper.config import SynthesisConfig

    length_scale = voice.config.length_scale / max(rate, 0.1)
    options = SynthesisConfig(speaker_id=speaker, length_scale=length_scale, volume=ENGINE_VOLUME)
    try:
        chunks = [chunk.audio_float_array for chunk in voice.synthesize(sentence, options)]
    except Exception as exc:  # onnxruntime's errors (a config that does not match the model) and piper's
        raise EngineError(f"piper could not speak (does the config belong to this model?): {_short(exc)}") from exc
    if not chunks:
        raise EngineError("piper produced no audio (nothing it could pronounce)")
    samples = np.concatenate(chunks).astype(np.float32)
    if samples.size == 0 or not np.all(np.isfinite(samples)):
        raise EngineError("piper produced no usable audio")
    return Pcm.from_float(samples, voice.config.sample_rate)


class PiperEngine:
    """Speaks with the profile's local model (``piper_model``/``piper_config``, sha256-addressed)."""

    name = "piper"
    concurrent = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._voices: dict[tuple[Path, Path], PiperVoice] = {}

    def _paths(self, profile: VoiceProfile) -> tuple[Path, Path]:
        if not (profile.piper_model and profile.piper_config):
            raise EngineError(f"voice {profile.name!r} names no Piper model")
        return profile.model_file(profile.piper_model, ".onnx"), profile.model_file(profile.piper_config, ".json")

    def voice(self, profile: VoiceProfile) -> PiperVoice:
        """The shared loaded model of this profile (loaded and checked on first use)."""
        key = self._paths(profile)
        with self._lock:
            loaded = self._voices.get(key)
            if loaded is not None:
                return loaded
            model, config = key
            for path, expected in ((model, profile.piper_model), (config, profile.piper_config)):
                if not path.is_file():
                    raise EngineError(f"model file {path} is missing (reinstall the voice with `broadcast voices add`)")
                if file_sha256(path) != expected:
                    raise EngineError(f"model file {path} does not match its recorded sha256")
            loaded = load_voice(model, config)
            self._voices[key] = loaded
            return loaded

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        return speak_with(self.voice(profile), sentence, profile.rate, profile.piper_speaker)

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return {
            "model": profile.piper_model,
            "config": profile.piper_config,
            "rate": profile.rate,
            "speaker": profile.piper_speaker,
            "volume": ENGINE_VOLUME,
            "piper": _piper_version(),
        }

    def unavailable_reason(self, profile: VoiceProfile) -> str | None:
        """Why this engine cannot speak for ``profile`` right now (None: it can)."""
        if not piper_available():
            return INSTALL_HINT
        try:
            model, config = self._paths(profile)
        except EngineError as exc:
            return str(exc)
        for path in (model, config):
            if not path.is_file():
                return f"model file {path.name} is missing"
        return None

    def model_id(self, profile: VoiceProfile) -> str | None:
        """What identifies the model that speaks (recorded with the audio)."""
        return profile.piper_model


def config_sample_rate(profile: VoiceProfile) -> int | None:
    if not profile.piper_config:
        return None
    try:
        data = json.loads(profile.model_file(profile.piper_config, ".json").read_text(encoding="utf-8"))
        return int(data["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


@functools.cache
def _piper_version() -> str:
    try:
        return importlib.metadata.version("piper-tts")
    except importlib.metadata.PackageNotFoundError:
        return "missing"
