"""Broadcast-ready audio: analysis, loudness (-16 LUFS, true peak <= -1.5 dBTP), MP3 encoding, measuring.

A leaf toolkit: it knows nothing of engines or voices. Synthesised bulletins are assembled above it, in
:mod:`broadcast.render`; the engines (:mod:`broadcast.synth`) use only its ffmpeg and sound helpers.

* :func:`broadcast.audio.upload.render_recording` - an uploaded recording, checked (:class:`AudioRejected`)
  and mastered.
* :func:`broadcast.audio.master.measure_mp3` - decode an MP3 and measure it.

Importing this package is cheap (plain data and the error type); the numeric modules load when a function
that needs them is first used, so the API and the command line start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from broadcast.audio.errors import AudioRejected
from broadcast.audio.settings import AudioSettings, Measurement, RenderedAudio

if TYPE_CHECKING:
    from broadcast.audio.master import measure_mp3
    from broadcast.audio.upload import render_recording

_LAZY = {"measure_mp3": "broadcast.audio.master", "render_recording": "broadcast.audio.upload"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'broadcast.audio' has no attribute {name!r}")


__all__ = ["AudioRejected", "AudioSettings", "Measurement", "RenderedAudio", "measure_mp3", "render_recording"]
