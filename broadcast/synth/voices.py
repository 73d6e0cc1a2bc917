"""Loading voice profiles: parse each ``voices/*.toml`` and validate it against what it names.

Parsing (:mod:`broadcast.synth.profiles`) is plain data; here each profile is checked against the engines
(espeak-ng has the voice and variant) and its intro/outro files (inside the voices directory, a known
audio suffix, decodable, not silent, not too long). Run at start-up, so a bad profile stops the service
with a message naming the file and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from broadcast.audio.sounds import load_sound_file
from broadcast.synth.profiles import (
    BUILTIN_SOUNDS,
    SOUND_FILE_SUFFIXES,
    ProfileError,
    VoiceProfile,
    default_voices_dir,
    parse_profile,
)


def _check_sound(path: Path, profile: VoiceProfile, which: Literal["intro", "outro"]) -> None:
    source = profile.sound_source(which)
    if source is None or isinstance(source, str):
        return
    base = (profile._directory or path.parent).resolve()
    if not source.is_relative_to(base):
        raise ProfileError(f"{path}: field '{which}': {getattr(profile, which)!r} is outside {base}")
    if source.suffix.lower() not in SOUND_FILE_SUFFIXES:
        raise ProfileError(
            f"{path}: field '{which}': {getattr(profile, which)!r} is neither a built-in sound "
            f"{list(BUILTIN_SOUNDS)} nor an audio file ({', '.join(SOUND_FILE_SUFFIXES)})"
        )
    if not source.is_file():
        raise ProfileError(f"{path}: field '{which}': sound file {source} does not exist")
    try:
        load_sound_file(source)
    except ValueError as exc:
        raise ProfileError(f"{path}: field '{which}': {exc}") from exc


def _check_voice(path: Path, profile: VoiceProfile) -> None:
    if "espeak" not in profile.engines:
        return
    # imported here: the API's schemas import this module, and the espeak-ng binding is for synthesis
    from broadcast.synth.espeak import espeak_variant_exists, espeak_voice_exists

    if not espeak_voice_exists(profile.voice):
        raise ProfileError(f"{path}: field 'voice': espeak-ng has no voice {profile.voice!r}")
    if profile.variant and not espeak_variant_exists(profile.variant):
        raise ProfileError(f"{path}: field 'variant': espeak-ng has no voice variant {profile.variant!r}")


def load_profile(path: Path) -> VoiceProfile:
    """Read, parse and validate one profile file (raises :class:`ProfileError`)."""
    profile = parse_profile(path)
    _check_voice(path, profile)
    _check_sound(path, profile, "intro")
    _check_sound(path, profile, "outro")
    return profile


def load_profiles(directory: Path | None = None) -> dict[str, VoiceProfile]:
    """Load every ``*.toml`` in ``directory`` (default: the shipped ``voices/``), keyed by name.

    Raises :class:`ProfileError` for the first bad file, for two files with the same name, and for a
    directory without profiles.
    """
    directory = default_voices_dir() if directory is None else Path(directory)
    if not directory.is_dir():
        raise ProfileError(f"{directory}: voice profile directory does not exist")
    profiles: dict[str, VoiceProfile] = {}
    origin: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        profile = load_profile(path)
        if profile.name in profiles:
            raise ProfileError(
                f"{path}: field 'name': profile name {profile.name!r} is already used by {origin[profile.name]}"
            )
        profiles[profile.name] = profile
        origin[profile.name] = path
    if not profiles:
        raise ProfileError(f"{directory}: no voice profiles (*.toml) found")
    return profiles
