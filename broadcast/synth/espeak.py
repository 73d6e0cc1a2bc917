"""espeak-ng, the offline default engine, called in-process through ctypes.

The library comes from the ``espeakng-loader`` wheel, so nothing needs installing on the host. It keeps
global state (current voice, parameters, the synth callback), so every call goes through one module-wide
lock; it is loaded on first use, not at import time. Synthesis runs synchronously
(``AUDIO_OUTPUT_SYNCHRONOUS``) and the samples arrive through a callback into a Python list.
"""

from __future__ import annotations

import ctypes
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from broadcast.synth.base import EngineError, package_version
from broadcast.synth.pacing import Pauses, marked, syllables
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile
from broadcast.synth.respell import letter_syllable, vietnamise, words

# espeak_AUDIO_OUTPUT, espeak_PARAMETER, flags and error codes from speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _VOLUME, _PITCH = 1, 2, 3
_EE_OK = 0

#: espeak-ng's normal speed in words per minute; ``profile.rate`` multiplies it.
NORMAL_WPM = 175
#: espeak-ng's own volume (0-200, default 100). At 100 its Vietnamese voices clip internally on stressed
#: syllables (samples pinned at ±32767); 60 leaves ~3 dB of headroom and the assembler sets the final level.
ENGINE_VOLUME = 60
#: Callback buffer length in ms: fewer, larger callbacks into Python.
_BUFFER_MS = 1000

_PHONEMES_IPA = 0x02
_SSML = 0x10
#: Read at the profile's rate to calibrate the speed (about 70 syllables, three commas, like a bulletin).
CALIBRATION_TEXT = (
    "Theo thông báo của Ủy ban nhân dân xã, từ ngày mai các thôn tổ chức ra quân làm đường giao thông nông thôn, "
    "đề nghị bà con mang theo cuốc xẻng và có mặt tại nhà văn hóa thôn lúc bảy giờ sáng, "
    "mọi hộ gia đình cử ít nhất một người tham gia để hoàn thành công việc đúng thời hạn."
)
#: Syllables a minute espeak-ng's Vietnamese voice speaks at its normal setting (for profiles without a target).
CALIBRATION_SPM_AT_NORMAL = 237
_SWITCH_MARK = re.compile(r"\([a-z]{2,3}(?:-[a-z]+)?\)")  # "(en)…(vi)" around a word read by another voice
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_LOCK = threading.Lock()
_library: _Library | None = None


def data_path() -> Path:
    import espeakng_loader

    return Path(espeakng_loader.get_data_path())


class _Library:
    """The loaded libespeak-ng and its callback; use only while holding ``_LOCK``."""

    def __init__(self) -> None:
        import espeakng_loader

        try:
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
        except OSError as exc:  # pragma: no cover - broken wheel
            raise EngineError(f"cannot load libespeak-ng: {exc}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Synchronize.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p

        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, str(data_path()).encode(), _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise EngineError(f"espeak_Initialize failed ({rate})")
        self.lib = lib
        self.sample_rate = rate
        self.version = (lib.espeak_Info(None) or b"?").decode()
        self.chunks: list[bytes] = []
        self.callback = _CALLBACK(self._on_samples)  # keep a reference: the library holds the pointer
        lib.espeak_SetSynthCallback(self.callback)
        if hasattr(lib, "espeak_ng_SetRandSeed"):  # breath noise: same run, same sequence of audio
            lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
            lib.espeak_ng_SetRandSeed(20_240_501)
        self.voice: str | None = None
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.switching: dict[tuple[str, str], bool] = {}
        self.calibrated: dict[tuple[str, int, int, int], int] = {}

    def _on_samples(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0 and wav:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0  # 0 = go on

    def set_voice(self, name: str) -> bool:
        if name != self.voice:
            if self.lib.espeak_SetVoiceByName(name.encode()) != _EE_OK:
                self.voice = None
                return False
            self.voice = name
        return True

    def phonemes(self, text: str) -> str:
        """espeak-ng's phonemes for ``text`` in the current voice; a language switch shows as "(en)"."""
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        parts: list[str] = []
        while pointer.value:
            found = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_IPA)
            parts.append((found or b"").decode("utf-8", "replace"))
        return " ".join(parts)

    def switches_language(self, word: str) -> bool:
        """True if espeak-ng would read ``word`` with another language's voice (asked once per word)."""
        voice = self.voice or ""
        key = (voice, word)
        found = self.switching.get(key)
        if found is None:
            found = _SWITCH_MARK.search(self.phonemes(word)) is not None
            if len(self.switching) > 20_000:
                self.switching.clear()
            self.switching[key] = found
        return found

    def keep_language(self, text: str) -> str:
        """Automatic language switching off: a word espeak-ng would hand to an English voice is rewritten
        with Vietnamese letter-to-sound rules instead (there is no engine option for this)."""
        switching = {w for w in words(text) if self.switches_language(w)}
        if not switching:
            return text
        for word in sorted(switching, key=len, reverse=True):
            syllables = vietnamise(word).split() if word.isascii() else [word]
            said = " ".join(
                syllable if not self.switches_language(syllable) else " ".join(map(letter_syllable, syllable))
                for syllable in syllables
            )
            text = re.sub(rf"(?<![\w-]){re.escape(word)}(?![\w-])", said, text)
        return text

    def wpm_for(self, profile: VoiceProfile, pauses: Pauses) -> int:
        """espeak-ng's words-a-minute setting that makes this voice speak ``syllables_per_minute``, measured
        on its own output (a calibration paragraph with its comma pauses), once per voice and setting."""
        target = profile.syllables_per_minute
        if target is None:
            return max(80, min(450, round(NORMAL_WPM * profile.rate)))
        key = (self.voice or "", profile.pitch, target, pauses.comma_ms)
        found = self.calibrated.get(key)
        if found is None:
            text = marked(CALIBRATION_TEXT, pauses)
            count = syllables(CALIBRATION_TEXT)
            found = NORMAL_WPM
            for _ in range(3):  # the rate is nearly proportional to the setting: converges in two steps
                seconds = self.speak(text, found, profile.pitch, ssml=True).size / self.sample_rate
                measured = count * 60 / seconds
                found = max(80, min(450, round(found * target / measured)))
            self.calibrated[key] = found
        return found

    def speak(self, text: str, wpm: int, pitch: int, ssml: bool = False) -> np.ndarray:
        lib = self.lib
        lib.espeak_SetParameter(_RATE, wpm, 0)
        lib.espeak_SetParameter(_PITCH, pitch, 0)
        lib.espeak_SetParameter(_VOLUME, ENGINE_VOLUME, 0)
        self.chunks = []
        encoded = text.encode("utf-8")
        flags = _CHARS_UTF8 | (_SSML if ssml else 0)
        status = lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, flags, None, None)
        lib.espeak_Synchronize()
        if status != _EE_OK:
            raise EngineError(f"espeak_Synth failed ({status})")
        data, self.chunks = b"".join(self.chunks), []
        return np.frombuffer(data, dtype=np.int16).copy()


def _get_library() -> _Library:
    """Load the library once; caller holds ``_LOCK``."""
    global _library
    if _library is None:
        _library = _Library()
    return _library


def espeak_voice_exists(voice: str) -> bool:
    """Whether espeak-ng accepts ``voice`` (asks the library itself)."""
    with _LOCK:
        return _get_library().set_voice(voice)


def espeak_variant_exists(variant: str) -> bool:
    """Whether ``variant`` (such as ``f3``) is one of espeak-ng's voice variants."""
    if not re.match(r"^[A-Za-z0-9_-]+$", variant):
        return False
    return (data_path() / "voices" / "!v" / variant).is_file()


def espeak_voice_name(profile: VoiceProfile) -> str:
    return f"{profile.voice}+{profile.variant}" if profile.variant else profile.voice


class EspeakEngine:
    """espeak-ng through ctypes: offline, fast (about 0.002 s per second of speech), 22,050 Hz mono."""

    name = "espeak"

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        text = _CONTROL_RE.sub(" ", sentence).strip()
        if not text:
            raise EngineError("espeak-ng: nothing to speak in an empty sentence")
        voice = espeak_voice_name(profile)
        pauses = _pauses(profile)
        with _LOCK:
            library = _get_library()
            if not library.set_voice(voice):
                raise EngineError(f"espeak-ng has no voice {voice!r}")
            wpm = library.wpm_for(profile, pauses)
            text = library.keep_language(text)
            samples = library.speak(marked(text, pauses), wpm, profile.pitch, ssml=True)
            rate = library.sample_rate
        if samples.size == 0:
            raise EngineError(f"espeak-ng produced no audio for {text[:60]!r}")
        return Pcm(samples, rate)

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return {
            "voice": espeak_voice_name(profile),
            "rate": profile.rate,
            "pitch": profile.pitch,
            "volume": ENGINE_VOLUME,
            "library": package_version("espeakng-loader"),  # a new library may speak differently
            "language_switching": "off",
            "pacing": [profile.syllables_per_minute, profile.comma_pause_ms, profile.breath_pause_ms],
        }


def _pauses(profile: VoiceProfile) -> Pauses:
    rate = profile.syllables_per_minute or round(CALIBRATION_SPM_AT_NORMAL * profile.rate)
    return Pauses(comma_ms=profile.comma_pause_ms, breath_ms=profile.breath_pause_ms, syllables_per_minute=rate)
