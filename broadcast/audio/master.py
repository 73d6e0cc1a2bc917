"""Mastering: the one path from analysed mono speech to a measured, broadcast-ready MP3.

Speech (synthesised or uploaded) arrives high-passed and analysed (:mod:`broadcast.audio.dynamics`); it
is brought to the loudness target under the true-peak ceiling, framed by its intro/outro, encoded once
(ffmpeg), and decoded again (in-process, :mod:`broadcast.audio.mp3decode`) to measure what was really
produced. If the encoder's own overshoot pushed the true peak past the limit, or the loudness drifted,
the levelling is redone with a corrected target and encoded again (rare; bounded).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcast.audio.dynamics import Analysed, Leveller
from broadcast.audio.ffmpeg import encode_mp3
from broadcast.audio.loudness import (
    StreamMeter,
    gain_to_db,
    integrated_loudness,
    loudness_from_step_energy,
    step_length,
    true_peak_dbtp,
)
from broadcast.audio.mp3decode import decode_mp3
from broadcast.audio.mp3info import first_header, scan
from broadcast.audio.settings import AudioSettings, Measurement, RenderedAudio
from broadcast.audio.sounds import levelled_sound

_ATTEMPTS = 4


@dataclass(frozen=True)
class Programme:
    """What to master: analysed mono speech at the output rate, and optional framing sounds."""

    speech: Analysed
    intro: str | Path | None = None  # built-in sound name or file
    outro: str | Path | None = None
    gap_s: float = 0.0


@functools.cache
def codec_gain_db(sample_rate: int, bitrate_kbps: int, quality: int, channels: int) -> float:
    """Level change of an encode/decode round trip (libmp3lame comes out about 0.45 dB quieter).

    Measured once per format on a 1 kHz tone, so the loudness target is met in the file, not before it.
    """
    t = np.arange(sample_rate) / sample_rate
    tone = (0.1 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    if channels == 2:
        tone = np.column_stack([tone, tone])
    decoded, _ = decode_mp3(encode_mp3(tone, sample_rate, bitrate_kbps, quality))
    decoded = decoded[:, 0] if channels == 1 else decoded
    middle = slice(sample_rate // 4, 3 * sample_rate // 4)
    rms_in = float(np.sqrt(np.mean(np.square(tone[middle], dtype=np.float64))))
    rms_out = float(np.sqrt(np.mean(np.square(decoded[middle], dtype=np.float64))))
    return gain_to_db(rms_out / rms_in)


def measure_mp3(data: bytes) -> Measurement:
    """Decode an MP3 and measure duration, integrated loudness, true peak, rate, channels and bitrate.

    Rate, channels and bitrate come from the frame headers; the rest from the decoded samples.
    Raises ValueError if ``data`` is not an MP3 stream.
    """
    info = scan(data)
    if info is None or info.frames == 0:
        raise ValueError("not an MP3 stream")
    decoded, _ = decode_mp3(data)
    if info.channels == 1:
        decoded = decoded[:, 0]
    return Measurement(
        duration_s=decoded.shape[0] / info.sample_rate,
        lufs=integrated_loudness(decoded, info.sample_rate),
        true_peak_dbtp=true_peak_dbtp(decoded),
        sample_rate=info.sample_rate,
        channels=info.channels,
        bitrate_kbps=info.bitrate_kbps,
    )


def _frame(
    levelled: np.ndarray, programme: Programme, settings: AudioSettings, target: float, ceiling: float
) -> np.ndarray:
    rate = settings.sample_rate
    gap = np.zeros(int(round(programme.gap_s * rate)), dtype=np.float32)
    pieces: list[np.ndarray] = []
    if programme.intro is not None:
        pieces += [levelled_sound(programme.intro, rate, target, ceiling), gap]
    pieces.append(levelled)
    if programme.outro is not None:
        pieces += [gap, levelled_sound(programme.outro, rate, target, ceiling)]
    mono = np.concatenate(pieces) if len(pieces) > 1 else levelled
    return mono if settings.channels == 1 else np.column_stack([mono, mono])


def master(programme: Programme, settings: AudioSettings, engines: list[str],
           step_energy: list[np.ndarray] | None = None) -> RenderedAudio:
    """Level, frame, encode and measure; raises dynamics.SilentAudio for silent speech.

    ``step_energy``, if given, receives the K-weighted energy of each 100 ms step of the decoded result
    (the attempt kept), so parts mastered one by one can be measured as a whole by :func:`join_parts`."""
    rate = settings.sample_rate
    codec = codec_gain_db(rate, settings.bitrate_kbps, settings.mp3_quality, settings.channels)
    leveller = Leveller(programme.speech, rate)
    ceiling = settings.true_peak_dbtp - settings.encoder_headroom_db
    correction = 0.0
    for _attempt in range(_ATTEMPTS):
        target = settings.target_lufs - codec + correction
        levelled, _ = leveller.apply(target, ceiling - codec)
        signal = _frame(levelled, programme, settings, target, ceiling - codec)
        mp3 = encode_mp3(signal, rate, settings.bitrate_kbps, settings.mp3_quality)
        meter = StreamMeter(rate, settings.channels)
        meter.feed(decode_mp3(mp3)[0])
        decoded, lufs, peak = meter.finish()
        steps = meter.step_energy
        info = first_header(mp3)
        if info is None or (info.sample_rate, info.channels) != (rate, settings.channels):
            raise RuntimeError(f"the encoder produced an unexpected stream: {info}")
        peak_db = gain_to_db(peak)
        peak_over = peak_db - settings.true_peak_dbtp
        loudness_error = settings.target_lufs - lufs
        if peak_over <= 0 and abs(loudness_error) <= settings.loudness_tolerance_lu:
            break
        if peak_over > 0:
            ceiling -= peak_over + 0.25
        if abs(loudness_error) > 0.1:
            correction += loudness_error
    else:
        raise RuntimeError(
            f"could not meet {settings.target_lufs} LUFS / {settings.true_peak_dbtp} dBTP "
            f"(got {lufs:.2f} LUFS, {peak_db:.2f} dBTP)"
        )
    if step_energy is not None:
        step_energy.append(steps)
    return RenderedAudio(
        mp3=mp3,
        sha256=hashlib.sha256(mp3).hexdigest(),
        duration_s=decoded.shape[0] / rate,
        lufs=lufs,
        true_peak_dbtp=peak_db,
        sample_rate=info.sample_rate,
        channels=info.channels,
        bitrate_kbps=info.bitrate_kbps,
        engines=list(engines),
    )


def join_parts(joined: bytearray, parts: list[RenderedAudio], step_energy: list[np.ndarray],
               settings: AudioSettings) -> RenderedAudio:
    """One MP3 from parts mastered separately, measured as a whole from what was measured of each part.

    ``joined`` holds the parts' MP3s one after the other (same format, no tags: their frames simply follow
    each other), ``parts`` their figures and ``step_energy`` the K-weighted 100 ms step energies of each
    part's decoded MP3 (from :func:`master`). The whole's integrated loudness gates the concatenated steps
    exactly as a decode of the joined file would (each part's last partial step, under 100 ms of its closing
    pause, is left out), so the joined file is not decoded a second time. Duration is the parts' summed sample
    counts over the rate (a sum of float seconds would differ from a decode in the last digit); the
    true peak is the largest of the parts' (each refined finely when it was mastered).
    """
    mp3 = joined  # a bytes-like buffer, not copied: a 2-hour bulletin's MP3 is 55 MB
    first = parts[0]
    return RenderedAudio(
        mp3=mp3,  # type: ignore[arg-type]
        sha256=hashlib.sha256(mp3).hexdigest(),
        duration_s=sum(round(part.duration_s * part.sample_rate) for part in parts) / first.sample_rate,
        lufs=loudness_from_step_energy(np.concatenate(step_energy), step_length(settings.sample_rate)),
        true_peak_dbtp=max(part.true_peak_dbtp for part in parts),
        sample_rate=first.sample_rate,
        channels=first.channels,
        bitrate_kbps=first.bitrate_kbps,
        engines=[engine for part in parts for engine in part.engines],
    )
