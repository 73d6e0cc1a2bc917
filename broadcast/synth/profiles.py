"""Voice profiles: how a bulletin sounds, kept as data in ``voices/*.toml``.

A profile names the engine chain (first engine that succeeds speaks the sentence), the voice settings the
engines use, the pauses the assembler inserts and the intro/outro sounds. This module only parses (plain
data, no engine or audio code); :mod:`broadcast.synth.voices` loads profiles and validates them against
the engines and sound files, at start-up, so a typo in a TOML file stops the service with a message naming
the file and field instead of failing during a broadcast.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

import broadcast
from broadcast.synth.respell import Respelling, load_table

#: Engines a profile may name; ``build_engines`` provides one of each.
ENGINE_NAMES: tuple[str, ...] = ("espeak", "gtts", "piper", "fpt", "viettel", "zalo")
#: Engines that need the internet.
ONLINE_ENGINES: frozenset[str] = frozenset({"gtts", "fpt", "viettel", "zalo"})
#: Sounds generated in code (``broadcast.audio.sounds``); anything else is a file under ``voices/``.
BUILTIN_SOUNDS: tuple[str, ...] = ("chime", "attention")
#: Suffixes accepted for intro/outro files.
SOUND_FILE_SUFFIXES: tuple[str, ...] = (".wav", ".mp3", ".ogg", ".opus", ".m4a", ".flac")

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_NO_SOUND = {"", "none"}


class ProfileError(ValueError):
    """A voice profile file is missing, unreadable or invalid; the message names the file and field."""


def default_voices_dir() -> Path:
    """The ``voices/`` directory shipped next to the package."""
    return Path(broadcast.__file__).resolve().parent.parent / "voices"


class VoiceProfile(BaseModel):
    """One voice: engine chain, engine settings, pauses and intro/outro sounds.

    ``rate`` is a speed multiplier (1.0 = the engine's normal speed; espeak-ng normal is 175 words a
    minute; gTTS only knows normal and slow, used below 0.8). ``pitch`` is espeak-ng's 0–100 scale
    (50 = the voice's own pitch); online engines ignore it. ``voice``/``variant`` are espeak-ng names
    (``vi``, ``vi-vn-x-central``, ``vi-vn-x-south``; variant ``f3`` and so on), ``language`` and
    ``gtts_tld`` are what gTTS gets.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str = Field(min_length=1, max_length=120)
    description: str = ""
    engines: list[str] = Field(min_length=1)
    language: str = "vi"
    voice: str = "vi"
    variant: str | None = None
    gtts_tld: str = "com"
    rate: float = Field(1.0, ge=0.5, le=2.0)
    pitch: int = Field(50, ge=0, le=100)
    sentence_pause_ms: int = Field(450, ge=0, le=5000)
    paragraph_pause_ms: int = Field(900, ge=0, le=10000)
    intro: str | None = None
    outro: str | None = None
    intro_pause_ms: int | None = Field(None, ge=0, le=10000)
    # Issue 12: who the voice is (shown to staff by label, never by code) and local neural models.
    region: Literal["bac", "trung", "nam"] | None = None
    gender: Literal["nu", "nam"] | None = None
    licence: str = Field("", max_length=300)
    piper_model: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="sha256 of the .onnx")
    piper_config: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="sha256 of its JSON config")
    piper_speaker: int | None = Field(None, ge=0)
    voice_ids: dict[str, str] = Field(default_factory=dict, description="cloud engine → its voice code")
    horn: bool = Field(False, description="shape for horn loudspeakers (band-limit + gentle compression)")
    rate_min: float = Field(0.8, ge=0.5, le=2.0, description="rate at speed step -2")
    rate_max: float = Field(1.25, ge=0.5, le=2.0, description="rate at speed step +2")
    # Issue 11: loanword respelling for the engine (a table file under voices/), applied just before synthesis.
    respelling: str | None = Field(None, description="respelling table, relative to the profile's directory")
    # Issue 11: pacing for loudspeakers. When set, the engine's speed is calibrated on its own output to this
    # many syllables a minute (``rate`` then only applies to engines that cannot be calibrated).
    syllables_per_minute: int | None = Field(None, ge=120, le=280)
    comma_pause_ms: int = Field(300, ge=0, le=2000, description="pause at , ; : inside a sentence")
    breath_pause_ms: int = Field(700, ge=0, le=3000, description="breath after ~25 s of speech in one sentence")

    _directory: Path | None = PrivateAttr(default=None)
    _respelling: Respelling | None = PrivateAttr(default=None)

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError("use 1-40 lower-case letters, digits, '-' or '_' (it appears in URLs and the CLI)")
        return value

    @field_validator("engines")
    @classmethod
    def _known_engines(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in ENGINE_NAMES]
        if unknown:
            raise ValueError(f"unknown engine(s) {unknown}; known: {list(ENGINE_NAMES)}")
        if len(set(value)) != len(value):
            raise ValueError("an engine is listed twice")
        return value

    @field_validator("intro", "outro", mode="before")
    @classmethod
    def _none_sound(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in _NO_SOUND:
            return None
        return value

    @field_validator("gtts_tld")
    @classmethod
    def _valid_tld(cls, value: str) -> str:
        if not re.match(r"^[a-z]{2,6}(\.[a-z]{2,6})?$", value):
            raise ValueError("a Google top-level domain such as 'com' or 'com.vn'")
        return value

    @model_validator(mode="after")
    def _piper_has_model(self) -> VoiceProfile:
        if "piper" in self.engines and not (self.piper_model and self.piper_config):
            raise ValueError("a profile using 'piper' names its model: piper_model and piper_config (sha256)")
        return self

    @property
    def online(self) -> bool:
        """Whether the voice's first engine needs the internet."""
        return self.engines[0] in ONLINE_ENGINES

    def at_speed(self, step: int) -> VoiceProfile:
        """The profile read ``step`` steps faster (+) or slower (-): -2 reaches ``rate_min``, +2 ``rate_max``
        (relative to ``rate``); a paced voice's ``syllables_per_minute`` is scaled by the same factor."""
        step = max(-2, min(2, int(step)))
        if step == 0:
            return self
        edge = self.rate_max if step > 0 else self.rate_min
        rate = max(0.5, min(2.0, round(self.rate + (edge - self.rate) * abs(step) / 2, 3)))
        update: dict[str, object] = {"rate": rate}
        if self.syllables_per_minute:  # the paced target moves by the same factor (issue 11's pacing)
            update["syllables_per_minute"] = max(120, min(280, round(self.syllables_per_minute * rate / self.rate)))
        return self.model_copy(update=update)

    @property
    def gap_after_intro_ms(self) -> int:
        """Pause between the intro sound and the first sentence (and before the outro)."""
        return self.paragraph_pause_ms if self.intro_pause_ms is None else self.intro_pause_ms

    @property
    def max_pause_ms(self) -> int:
        """The longest pause the assembler inserts for this profile."""
        return max(self.sentence_pause_ms, self.paragraph_pause_ms, self.gap_after_intro_ms)

    def sound_source(self, which: Literal["intro", "outro"]) -> str | Path | None:
        """The built-in sound name, the resolved file path, or None."""
        ref = self.intro if which == "intro" else self.outro
        if ref is None or ref in BUILTIN_SOUNDS:
            return ref
        base = self._directory or default_voices_dir()
        return (base / ref).resolve()

    def model_file(self, sha256: str, suffix: str) -> Path:
        """A local model file, content-addressed under ``models/`` beside the profile."""
        base = self._directory or default_voices_dir()
        return base / "models" / f"{sha256}{suffix}"

    def respell(self, sentence: str) -> str:
        """The sentence as the engine should get it: table loanwords respelled ("Zalo" → "da lô")."""
        return self._respelling.apply(sentence) if self._respelling is not None else sentence

    def load_respelling(self) -> None:
        """Read the ``respelling`` table beside the profile (raises ValueError naming the problem)."""
        if self.respelling is None:
            return
        base = self._directory or default_voices_dir()
        path = (base / self.respelling).resolve()
        if not path.is_relative_to(base):
            raise ValueError(f"{self.respelling!r} is outside {base}")
        try:
            self._respelling = load_table(path)
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def with_directory(self, directory: Path) -> VoiceProfile:
        """Remember where the profile came from, so sound paths resolve against it."""
        self._directory = directory.resolve()
        return self


def _format_validation(path: Path, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(file)"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"field '{field}': {message}")
    return f"{path}: " + "; ".join(problems)


def parse_profile(path: Path) -> VoiceProfile:
    """Read one profile file and check its fields (structure only: engines and sound files are checked by
    :func:`broadcast.synth.voices.load_profile`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{path}: not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from exc
    try:
        profile = VoiceProfile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_validation(path, exc)) from exc
    profile.with_directory(path.parent)
    try:
        profile.load_respelling()
    except ValueError as exc:
        raise ProfileError(f"{path}: field 'respelling': {exc}") from exc
    return profile
