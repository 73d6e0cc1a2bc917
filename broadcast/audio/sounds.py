"""Intro and outro sounds: a chime and an attention tone made in code, or a file from ``voices/``.

Generating them keeps binary files out of the repository and lets them match any output sample rate.
Sounds are levelled once (cached) to sit a little under the speech target, so a chime never shouts over
the bulletin and an emergency tone is as loud as the speech around it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from broadcast.audio.ffmpeg import FfmpegError, decode
from broadcast.audio.silence import trim

#: Longest intro/outro file accepted.
MAX_SOUND_S = 30.0


def _envelope(n: int, sample_rate: int, attack_s: float, release_s: float) -> np.ndarray:
    env = np.ones(n, dtype=np.float64)
    attack = min(n, max(1, int(attack_s * sample_rate)))
    release = min(n, max(1, int(release_s * sample_rate)))
    env[:attack] *= np.linspace(0.0, 1.0, attack)
    env[-release:] *= np.linspace(1.0, 0.0, release)
    return env


def _bell(frequency: float, duration_s: float, sample_rate: int) -> np.ndarray:
    """A struck-bell note: a few inharmonic partials with exponential decay."""
    t = np.arange(int(duration_s * sample_rate)) / sample_rate
    partials = ((1.0, 1.0, 0.45), (2.0, 0.35, 0.25), (3.01, 0.12, 0.15), (4.2, 0.05, 0.08))
    note = np.zeros_like(t)
    for ratio, amplitude, decay in partials:
        if frequency * ratio < sample_rate / 2 - 500:
            note += amplitude * np.exp(-t / decay) * np.sin(2 * np.pi * frequency * ratio * t)
    return note * _envelope(t.size, sample_rate, 0.004, 0.08)


def chime(sample_rate: int) -> np.ndarray:
    """Two-note "ding-dong" (E5 then C5), about 1.3 s: the usual start/end signal of a bulletin."""
    first = _bell(659.25, 0.55, sample_rate)
    second = _bell(523.25, 0.8, sample_rate)
    out = np.concatenate([first, second])
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


def attention(sample_rate: int) -> np.ndarray:
    """Three pulses of a two-tone 853 + 960 Hz signal, about 1.5 s: the emergency attention tone."""
    t = np.arange(int(0.36 * sample_rate)) / sample_rate
    pulse = (np.sin(2 * np.pi * 853.0 * t) + np.sin(2 * np.pi * 960.0 * t)) * _envelope(
        t.size, sample_rate, 0.012, 0.012
    )
    gap = np.zeros(int(0.14 * sample_rate))
    out = np.concatenate([pulse, gap, pulse, gap, pulse])
    return (0.5 * out / np.abs(out).max()).astype(np.float32)


GENERATORS: dict[str, Callable[[int], np.ndarray]] = {"chime": chime, "attention": attention}
#: Loudness of each sound relative to the speech target (LU).
LEVEL_OFFSETS_LU: dict[str, float] = {"chime": -3.0, "attention": 0.0}
FILE_LEVEL_OFFSET_LU = -2.0


def load_sound_file(path: Path, sample_rate: int = 22050) -> np.ndarray:
    """Decode an intro/outro file to mono float32; ValueError if it does not decode, is silent or too long."""
    try:
        samples, _ = decode(Path(path), sample_rate=sample_rate, channels=1, max_seconds=MAX_SOUND_S + 1)
    except FfmpegError as exc:
        raise ValueError(f"{path}: not a readable audio file ({exc})") from exc
    if samples.shape[0] > MAX_SOUND_S * sample_rate:
        raise ValueError(f"{path}: longer than {MAX_SOUND_S:.0f} s")
    trimmed = trim(samples, sample_rate)
    if trimmed.size == 0:
        raise ValueError(f"{path}: the sound is silent")
    return trimmed


@functools.lru_cache(maxsize=32)
def _levelled(key: str, mtime_ns: int, sample_rate: int, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
    from broadcast.audio.dynamics import normalise

    if key in GENERATORS:
        raw, offset = GENERATORS[key](sample_rate), LEVEL_OFFSETS_LU[key]
    else:
        raw, offset = load_sound_file(Path(key), sample_rate), FILE_LEVEL_OFFSET_LU
    out, _ = normalise(raw, sample_rate, target_lufs + offset, ceiling_dbtp)
    out.setflags(write=False)
    return out


def levelled_sound(source: str | Path, sample_rate: int, target_lufs: float, ceiling_dbtp: float) -> np.ndarray:
    """A built-in sound by name, or a sound file, levelled relative to ``target_lufs`` (read-only array)."""
    if isinstance(source, str) and source in GENERATORS:
        return _levelled(source, 0, sample_rate, target_lufs, ceiling_dbtp)
    path = Path(source)
    return _levelled(str(path), path.stat().st_mtime_ns, sample_rate, target_lufs, ceiling_dbtp)
