"""Broadcast-ready audio: assembly, loudness (-16 LUFS, true peak <= -1.5 dBTP), MP3 encoding, measuring.

* :func:`render_speech` - normalised sentences -> engines -> assembled, mastered MP3.
* :func:`render_recording` - an uploaded recording, checked (:class:`AudioRejected`) and mastered the same way.
* :func:`measure_mp3` - decode an MP3 and measure it.

Every function returns bytes and figures; none writes to the media store.
"""

from __future__ import annotations

from broadcast.audio.ffmpeg import configure_pydub, ffmpeg_exe
from broadcast.audio.master import measure_mp3
from broadcast.audio.render import render_speech
from broadcast.audio.settings import AudioSettings, Measurement, RenderedAudio
from broadcast.audio.upload import AudioRejected, render_recording

__all__ = [
    "AudioRejected",
    "AudioSettings",
    "Measurement",
    "RenderedAudio",
    "configure_pydub",
    "ffmpeg_exe",
    "measure_mp3",
    "render_recording",
    "render_speech",
]
