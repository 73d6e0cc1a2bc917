"""Voices an operator installs (``broadcast voices add``): profiles and models in the data directory.

Layout under ``<data_dir>/voices/``: ``<name>.toml`` (a voice profile like the shipped ones) and
``models/<sha256>.onnx`` / ``models/<sha256>.json`` (the model and its config, named by content, so two
voices may share a model and a changed file is noticed).

Installing is all or nothing: the files are copied to temporary names (hashed while copying), the copy
is loaded and made to speak a sentence, and only then renamed into place and the profile written (also
temp + rename). Any failure removes what this call created.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

from broadcast.synth.base import EngineError
from broadcast.synth.piper_engine import load_voice, speak_with
from broadcast.synth.profiles import ProfileError, VoiceProfile
from broadcast.synth.voices import load_profile

#: The sentence a new voice must speak before it is registered.
TEST_SENTENCE = "Xin kính chào bà con, đây là giọng đọc thử của đài truyền thanh."
#: Engines a Piper voice falls back to when its model cannot speak.
DEFAULT_FALLBACK = ("espeak",)


class VoiceInstallError(ValueError):
    """A voice could not be installed or removed; nothing was changed."""


def load_installed_profiles(directory: Path) -> dict[str, VoiceProfile]:
    """Installed voice profiles (none if the directory does not exist yet); ProfileError for a bad one."""
    if not directory.is_dir():
        return {}
    paths = sorted(path for path in directory.glob("*.toml") if not path.name.startswith("."))
    return {profile.name: profile for profile in map(load_profile, paths)}


def _copy_hashed(source: Path, directory: Path) -> tuple[Path, str]:
    """Copy ``source`` to a temp file in ``directory`` (fsynced), returning it and its sha256."""
    digest = hashlib.sha256()
    fd, temp = tempfile.mkstemp(prefix=".part-", dir=directory)
    try:
        with source.open("rb") as inp, os.fdopen(fd, "wb") as out:
            for block in iter(lambda: inp.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp), digest.hexdigest()


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def profile_toml(fields: dict[str, object]) -> str:
    lines = ["# Installed with `broadcast voices add`; remove with `broadcast voices remove`."]
    lines += [f"{key} = {_toml_value(value)}" for key, value in fields.items() if value is not None]
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> Path:
    fd, temp = tempfile.mkstemp(prefix=".part-", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    return Path(temp)


def install_piper_voice(
    directory: Path,
    model: Path,
    config: Path | None,
    name: str,
    label: str,
    taken: set[str],
    description: str = "",
    region: str | None = None,
    gender: str | None = None,
    licence: str = "",
    fallback: tuple[str, ...] = DEFAULT_FALLBACK,
) -> VoiceProfile:
    """Install a Piper voice as profile ``name``; VoiceInstallError (and nothing installed) if anything fails."""
    config = config or model.with_name(model.name + ".json")
    for path, what in ((model, "model"), (config, "config")):
        if not path.is_file():
            raise VoiceInstallError(f"the {what} file {path} does not exist")
    if name in taken:
        raise VoiceInstallError(f"a voice named {name!r} already exists; choose another --name or remove it first")
    fields: dict[str, object] = {
        "name": name, "label": label, "description": description, "engines": ["piper", *fallback],
        "language": "vi", "voice": "vi", "region": region, "gender": gender, "licence": licence,
        "piper_model": "0" * 64, "piper_config": "0" * 64, "intro": "chime", "outro": "chime",
    }
    try:  # the metadata is checked before any file is copied
        VoiceProfile.model_validate(fields)
    except ValueError as exc:
        raise VoiceInstallError(f"invalid voice settings: {exc}") from None
    models = directory / "models"
    models.mkdir(parents=True, exist_ok=True)
    temps: list[Path] = []
    created: list[Path] = []
    try:
        model_temp, model_sha = _copy_hashed(model, models)
        temps.append(model_temp)
        config_temp, config_sha = _copy_hashed(config, models)
        temps.append(config_temp)
        try:
            voice = load_voice(model_temp, config_temp, shown=(model.name, config.name))
            speak_with(voice, TEST_SENTENCE)
        except EngineError as exc:
            raise VoiceInstallError(f"refused {model.name}: {exc}") from None
        fields.update(piper_model=model_sha, piper_config=config_sha)
        profile_path = directory / f"{name}.toml"
        profile_temp = _write_atomic(profile_path, profile_toml(fields))
        temps.append(profile_temp)
        try:
            load_profile(profile_temp)
        except ProfileError as exc:
            raise VoiceInstallError(str(exc)) from None
        for temp, final in ((model_temp, models / f"{model_sha}.onnx"), (config_temp, models / f"{config_sha}.json")):
            if final.is_file():
                temp.unlink()
            else:
                os.replace(temp, final)
                created.append(final)
            temps.remove(temp)
        os.replace(profile_temp, profile_path)
        temps.remove(profile_temp)
        return load_profile(profile_path)
    except BaseException:
        for path in temps + created:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            models.rmdir()  # only if this call left it empty
        raise


def remove_voice(directory: Path, name: str) -> None:
    """Remove an installed voice and the model files no other installed voice uses."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        raise VoiceInstallError(f"no installed voice named {name!r} (shipped voices in voices/ cannot be removed)")
    profile = load_profile(path)
    path.unlink()
    still_used = set()
    for other in load_installed_profiles(directory).values():
        still_used.update({other.piper_model, other.piper_config})
    for sha, suffix in ((profile.piper_model, ".onnx"), (profile.piper_config, ".json")):
        if sha and sha not in still_used:
            with contextlib.suppress(OSError):
                profile.model_file(sha, suffix).unlink()


def remove_stale_parts(directory: Path) -> None:
    """Temp files left by an install that was killed."""
    for leftover in list(directory.glob(".part-*")) + list((directory / "models").glob(".part-*")):
        with contextlib.suppress(OSError):
            leftover.unlink()


__all__ = [
    "DEFAULT_FALLBACK",
    "TEST_SENTENCE",
    "VoiceInstallError",
    "install_piper_voice",
    "load_installed_profiles",
    "profile_toml",
    "remove_stale_parts",
    "remove_voice",
]
