"""The one way text becomes broadcast audio: normalise → engines → assembly.

Both ``broadcast say`` and the service use :class:`Speaker`, so the CLI and the server produce the same
audio for the same text and voice.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from broadcast.audio import AudioSettings, RenderedAudio
from broadcast.audio.upload import render_recording
from broadcast.errors import InvalidInput
from broadcast.normalise import NOTHING_TO_SAY, Lexicon, Spoken, default_lexicon, normalise
from broadcast.reading_time import estimate_seconds, refuse_if_too_long
from broadcast.render import render_speech
from broadcast.synth import SentenceCache, build_engines
from broadcast.synth.installed import load_installed_profiles
from broadcast.synth.profiles import ProfileError, VoiceProfile
from broadcast.synth.voices import load_profiles

if TYPE_CHECKING:
    from broadcast.config import Settings


#: The shipped emergency profile (voices/khan-cap.toml).
EMERGENCY_VOICE = "khan-cap"


@dataclass(frozen=True)
class Speech:
    spoken: Spoken
    audio: RenderedAudio


class Speaker:
    """Holds the loaded voice profiles, engines and sentence cache for the life of the process."""

    def __init__(self, settings: Settings) -> None:
        self.shipped: dict[str, VoiceProfile] = load_profiles(settings.voices_dir)
        self.installed_dir = settings.installed_voices_dir
        self.profiles: dict[str, VoiceProfile] = self._with_installed()
        if settings.default_voice not in self.profiles:
            raise InvalidInput(
                f"default voice {settings.default_voice!r} is not among the profiles in {settings.voices_dir}"
            )
        self.default_voice = settings.default_voice
        self.engines = build_engines(gtts_timeout=settings.gtts_timeout_s, gtts_retries=settings.gtts_retries,
                                     settings=settings)
        self.cache = SentenceCache(settings.cache_dir / "sentences", settings.sentence_cache_mb * 1024 * 1024)
        self.audio_settings = AudioSettings(
            bitrate_kbps=settings.mp3_bitrate_kbps,
            max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
            max_upload_seconds=settings.max_upload_minutes * 60,
        )

    def _with_installed(self) -> dict[str, VoiceProfile]:
        """Shipped profiles plus those installed in the data directory (a shipped name cannot be shadowed)."""
        installed = load_installed_profiles(self.installed_dir)
        clash = sorted(set(installed) & set(self.shipped))
        if clash:
            raise ProfileError(f"{self.installed_dir}: installed voice(s) {clash} reuse a shipped voice's name")
        return {**self.shipped, **installed}

    @property
    def emergency_voice(self) -> str:
        """The voice emergencies are read in: ``khan-cap`` (attention tones, horn shaping) when it exists."""
        return EMERGENCY_VOICE if EMERGENCY_VOICE in self.profiles else self.default_voice

    def reload_installed(self) -> None:
        """Pick up voices added or removed by `broadcast voices` while the service runs."""
        self.profiles = self._with_installed()

    def profile(self, name: str | None) -> VoiceProfile:
        name = name or self.default_voice
        if name not in self.profiles:
            with contextlib.suppress(ProfileError):  # a broken file added later leaves the running voices alone
                self.reload_installed()
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles))
            raise InvalidInput(f"unknown voice {name!r}; known voices: {known}") from None

    def speak(self, text: str, voice: str | None = None, lexicon: Lexicon | None = None, speed: int = 0) -> Speech:
        """Normalise and synthesise ``text``; raises InvalidInput when nothing speakable is left and
        TooLongToRead (before synthesis) when it would read longer than the configured maximum."""
        spoken = normalise(text, lexicon or default_lexicon())
        if not any(s.strip() for para in spoken.paragraphs for s in para):
            raise InvalidInput(NOTHING_TO_SAY if text.strip() else "the text is empty: nothing to read")
        return Speech(spoken=spoken, audio=self.render(spoken.paragraphs, voice, speed))

    def render(self, paragraphs: list[list[str]], voice: str | None = None, speed: int = 0) -> RenderedAudio:
        """Synthesise already-normalised sentences (a bulletin version's frozen spoken text)."""
        profile = self.profile(voice).at_speed(speed)
        paragraphs = [[s for s in para if s.strip()] for para in paragraphs]
        paragraphs = [para for para in paragraphs if para]
        if not paragraphs:
            raise InvalidInput("the text is empty: nothing to read")
        self._refuse_if_too_long(paragraphs, profile)  # before any synthesis
        return render_speech(paragraphs, profile, self.engines, self.cache, self.audio_settings)

    def _refuse_if_too_long(self, paragraphs: list[list[str]], profile: VoiceProfile) -> float:
        estimated = estimate_seconds(paragraphs, profile.syllables_per_minute, profile.sentence_pause_ms,
                                     profile.paragraph_pause_ms)
        refuse_if_too_long(estimated, self.audio_settings.max_upload_seconds / 60)
        return estimated

    def check_length(self, text: str, voice: str | None = None, speed: int = 0,
                     lexicon: Lexicon | None = None) -> float:
        """Estimated seconds of audio for ``text`` in ``voice``; raises TooLongToRead (HTTP 422) when that is
        over the configured maximum. For request handlers, before anything is stored."""
        profile = self.profile(voice).at_speed(speed)
        spoken = normalise(text, lexicon or default_lexicon())
        return self._refuse_if_too_long([list(p) for p in spoken.paragraphs], profile)

    def recording(self, data: bytes, filename: str) -> RenderedAudio:
        """Check and loudness-normalise an uploaded recording (raises AudioRejected)."""
        return render_recording(data, filename, self.audio_settings)
