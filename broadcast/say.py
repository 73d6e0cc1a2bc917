"""``broadcast say``: text or documents in, broadcast-ready MP3 out, with the same path the service uses.

One text or one document → one MP3 file. Several documents, or a folder of them → one MP3 per document in
an output folder, a progress bar, and a closing summary naming every refused document and why; a damaged
document never stops the others.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import typer

from broadcast.atomic import atomic_write
from broadcast.config import Settings
from broadcast.errors import ServiceError
from broadcast.messages import say
from broadcast.services import batch


class SayError(Exception):
    """Stops ``say`` with a message and a non-zero exit status."""


def _speaker(settings: Settings):  # type: ignore[no-untyped-def]
    """The speaker, its modules, voices and models loaded with the cyclic collector off, then frozen.

    ``say`` is a one-shot command: what is loaded here lives until it exits, so collector passes over
    it are wasted work (about 0.15 s of a 2 s bulletin; bench/startup_bench.py)."""
    gc.disable()
    try:
        from broadcast.speech import Speaker

        settings.cache_dir.mkdir(parents=True, exist_ok=True)
        try:
            return Speaker(settings)
        except ServiceError as exc:
            raise SayError(exc.message) from None
    finally:
        gc.freeze()
        gc.enable()


def _write(path: Path, data: bytes) -> None:
    """Whole file or nothing: a half-written MP3 never appears under its final name."""
    atomic_write(path, data, mode=0o644)  # the user's own file, to copy to a USB stick or share


def _describe(audio) -> str:  # type: ignore[no-untyped-def]
    return (f"{audio.duration_s:.1f} s, {audio.lufs:.1f} LUFS, peak {audio.true_peak_dbtp:.1f} dBTP, "
            f"{len(audio.mp3) // 1024} KiB, engine {audio.engine_summary}")


def say_text(settings: Settings, text: str, out: Path, voice: str | None) -> None:
    if not text.strip():
        raise SayError("the text is empty: nothing to read")
    try:
        speech = _speaker(settings).speak(text, voice)
    except ServiceError as exc:
        raise SayError(exc.message) from None
    _write(out, speech.audio.mp3)
    typer.echo(f"wrote {out}: {_describe(speech.audio)}")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SayError(f"cannot read {path}: {exc.strerror or exc}") from None


def say_one_document(settings: Settings, path: Path, out: Path, voice: str | None) -> None:
    data = _read(path)
    done = batch.convert(_speaker(settings), data, path.name, voice, max_bytes=settings.max_upload_mb * 1048576)
    if done.speech is None:
        raise SayError(f"{path}: {done.reason}")
    _write(out, done.speech.audio.mp3)
    typer.echo(f"wrote {out}: {_describe(done.speech.audio)}")


def say_documents(settings: Settings, paths: list[Path], out: Path, voice: str | None) -> int:
    """Convert every document; returns the exit status (1 if any was refused)."""
    docs = batch.collect(paths)
    if not docs:
        raise SayError("no .docx, .txt or .pdf document found in " + ", ".join(map(str, paths)))
    if out.suffix.lower() == ".mp3":
        raise SayError(f"{len(docs)} documents: give an output folder with -o, not the file name {out}")
    out.mkdir(parents=True, exist_ok=True)
    speaker = _speaker(settings)
    names = batch.mp3_names(p.name for p in docs)
    refused: list[tuple[Path, str]] = []
    written = 0
    with typer.progressbar(list(zip(docs, names, strict=True)), label=say("batch_progress"),
                           file=sys.stderr, item_show_func=lambda item: item[0].name if item else "") as bar:
        for path, name in bar:
            try:
                data = _read(path)
            except SayError as exc:
                refused.append((path, str(exc)))
                continue
            done = batch.convert(speaker, data, path.name, voice, max_bytes=settings.max_upload_mb * 1048576)
            if done.speech is None:
                refused.append((path, done.reason))
                continue
            _write(out / name, done.speech.audio.mp3)
            written += 1
            typer.echo(f"ok {path} -> {out / name} ({done.speech.audio.duration_s:.1f} s)")
    typer.echo(f"{len(docs)} documents: {written} converted into {out}, {len(refused)} refused")
    for path, reason in refused:
        typer.echo(f"refused {path}: {reason}", err=True)
    return 1 if refused else 0
