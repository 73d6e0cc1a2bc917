"""``broadcast voices``: list the voices, install a Piper voice, remove an installed one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from broadcast.cli_common import fail, load_settings

voices_app = typer.Typer(help="Voices: list them, add a Piper neural voice, remove an added one.",
                         no_args_is_help=True, rich_markup_mode=None)

#: Native sample rates of the built-in engines (what `voices list` shows).
_ENGINE_RATES = {"espeak": 22050, "gtts": 24000}


_fail = fail


def _settings():  # type: ignore[no-untyped-def]
    return load_settings()


def _load_all(settings):  # type: ignore[no-untyped-def]
    from broadcast.synth.installed import load_installed_profiles
    from broadcast.synth.profiles import ProfileError
    from broadcast.synth.voices import load_profiles

    try:
        return load_profiles(settings.voices_dir), load_installed_profiles(settings.installed_voices_dir)
    except ProfileError as exc:
        raise _fail(str(exc)) from None


@voices_app.command("list")
def list_voices() -> None:
    """Every voice: name, label, engines, language, sample rate, licence note, usable now."""
    from broadcast.synth import build_engines
    from broadcast.synth.cloud import cloud_configs
    from broadcast.synth.piper_engine import config_sample_rate

    settings = _settings()
    shipped, installed = _load_all(settings)
    engines = build_engines(cloud=cloud_configs(settings))
    for name, profile in sorted({**shipped, **installed}.items()):
        first = profile.engines[0]
        reason = None
        checker = getattr(engines.get(first), "unavailable_reason", None)
        if checker is not None:
            reason = checker(profile)
        rate = config_sample_rate(profile) if first == "piper" else _ENGINE_RATES.get(first)
        usable = "yes" if reason is None else f"no ({reason})"
        if profile.online and reason is None:
            usable = "yes when online"
        typer.echo(f"{name}\t{profile.label}\tengines={'>'.join(profile.engines)}\tlanguage={profile.language}\t"
                   f"rate={f'{rate} Hz' if rate else 'as the provider sends'}\tlicence={profile.licence or '-'}\t"
                   f"{'installed' if name in installed else 'shipped'}\tusable={usable}")


@voices_app.command("add")
def add_voice(
    model: Annotated[Path, typer.Argument(help="The Piper voice model (.onnx)")],
    name: Annotated[str, typer.Option(help="Voice name used by the CLI and API, e.g. piper-bac-nu")],
    label: Annotated[str, typer.Option(help='What staff see, e.g. "Giọng nữ miền Bắc (tự nhiên)"')],
    config: Annotated[Path | None, typer.Option(help="Its JSON config (default: MODEL.json)")] = None,
    description: Annotated[str, typer.Option(help="One sentence about the voice")] = "",
    region: Annotated[str | None, typer.Option(help="bac, trung or nam")] = None,
    gender: Annotated[str | None, typer.Option(help="nu or nam")] = None,
    licence: Annotated[str, typer.Option(help="Licence note from the voice's model card")] = "",
) -> None:
    """Install a Piper voice: copy, check that it loads and speaks, register it."""
    from broadcast.synth.installed import VoiceInstallError, install_piper_voice

    settings = _settings()
    shipped, installed = _load_all(settings)
    try:
        profile = install_piper_voice(settings.installed_voices_dir, model, config, name, label,
                                      taken=set(shipped) | set(installed), description=description,
                                      region=region, gender=gender, licence=licence)
    except VoiceInstallError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"added voice {profile.name} ({profile.label}): model sha256 {profile.piper_model}")


@voices_app.command("remove")
def remove_voice(name: str) -> None:
    """Remove a voice added with `voices add` (and its model files if no other voice uses them)."""
    from broadcast.synth.installed import VoiceInstallError
    from broadcast.synth.installed import remove_voice as remove

    settings = _settings()
    if name == settings.default_voice:
        raise _fail(f"{name!r} is the default voice (BROADCAST_DEFAULT_VOICE); choose another default first")
    try:
        remove(settings.installed_voices_dir, name)
    except VoiceInstallError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"removed voice {name}")


@voices_app.command("default")
def station_default(
    name: Annotated[str, typer.Argument(help="Voice name, or 'none' to use the province's default again")],
    station: Annotated[str, typer.Option(help="Station code")],
) -> None:
    """Set a station's default voice (the province's default is BROADCAST_DEFAULT_VOICE)."""
    from broadcast.db import make_engine, session_scope, upgrade
    from broadcast.errors import ServiceError
    from broadcast.services.voices import set_station_voice

    settings = _settings()
    shipped, installed = _load_all(settings)
    voice = None if name == "none" else name
    if voice is not None and voice not in shipped and voice not in installed:
        raise _fail(f"unknown voice {name!r}; known voices: {', '.join(sorted({**shipped, **installed}))}")
    settings.ensure_dirs()
    engine = make_engine(settings.db_url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            set_station_voice(session, station, voice)
    except ServiceError as exc:
        raise _fail(exc.message) from None
    finally:
        engine.dispose()
    typer.echo(f"station {station}: default voice {voice or 'of the province (' + settings.default_voice + ')'}")
