"""Mastering: the one path from assembled mono speech to a measured, broadcast-ready MP3.

Speech (synthesised or uploaded) is high-passed, loudness-normalised with the true-peak limiter, framed by
its intro/outro, encoded once and decoded again to measure what was really produced. If the encoder's
own overshoot pushed the true peak past the limit, or loudness drifted, the mastering is redone with a
corrected target (rare; bounded).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np

from broadcast.audio.dynamics import highpass, normalise
from broadcast.audio.ffmpeg import decode, encode_and_decode
from broadcast.audio.loudness import gain_to_db, integrated_loudness, true_peak_dbtp
from broadcast.audio.mp3info import scan
from broadcast.audio.settings import AudioSettings, Measurement, RenderedAudio
from broadcast.audio.sounds import levelled_sound

_ATTEMPTS = 4


@dataclass(frozen=True)
class Programme:
    """What to master: mono float32 speech at the output rate, plus optional framing sounds."""

    speech: np.ndarray
    intro: str | object | None = None  # built-in sound name or Path
    outro: str | object | None = None
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
    _, decoded = encode_and_decode(tone, sample_rate, bitrate_kbps, quality)
    middle = slice(sample_rate // 4, 3 * sample_rate // 4)
    rms_in = float(np.sqrt(np.mean(np.square(tone[middle], dtype=np.float64))))
    rms_out = float(np.sqrt(np.mean(np.square(decoded[middle], dtype=np.float64))))
    return gain_to_db(rms_out / rms_in)


def measure_decoded(decoded: np.ndarray, sample_rate: int, bitrate_kbps: int = 0) -> Measurement:
    channels = 1 if decoded.ndim == 1 else decoded.shape[1]
    return Measurement(
        duration_s=decoded.shape[0] / sample_rate,
        lufs=integrated_loudness(decoded, sample_rate),
        true_peak_dbtp=true_peak_dbtp(decoded),
        sample_rate=sample_rate,
        channels=channels,
        bitrate_kbps=bitrate_kbps,
    )


def measure_mp3(data: bytes) -> Measurement:
    """Decode an MP3 and measure duration, integrated loudness, true peak, rate and channels.

    Rate, channels and bitrate come from the frame headers; the rest from the decoded samples.
    Raises ValueError if ``data`` is not an MP3 stream.
    """
    info = scan(data)
    if info is None or info.frames == 0:
        raise ValueError("not an MP3 stream")
    decoded, _ = decode(data, sample_rate=info.sample_rate, channels=info.channels, input_format="mp3")
    return measure_decoded(decoded, info.sample_rate, info.bitrate_kbps)


def _frame(
    levelled: np.ndarray, programme: Programme, settings: AudioSettings, target: float, ceiling: float
) -> np.ndarray:
    rate = settings.sample_rate
    gap = np.zeros(int(round(programme.gap_s * rate)), dtype=np.float32)
    pieces: list[np.ndarray] = []
    if programme.intro is not None:
        pieces += [levelled_sound(programme.intro, rate, target, ceiling), gap]  # type: ignore[arg-type]
    pieces.append(levelled)
    if programme.outro is not None:
        pieces += [gap, levelled_sound(programme.outro, rate, target, ceiling)]  # type: ignore[arg-type]
    mono = np.concatenate(pieces) if len(pieces) > 1 else levelled
    return mono if settings.channels == 1 else np.column_stack([mono, mono])


def master(programme: Programme, settings: AudioSettings, engines: list[str]) -> RenderedAudio:
    """Normalise, frame, encode and measure; raises dynamics.SilentAudio for silent speech."""
    rate = settings.sample_rate
    codec = codec_gain_db(rate, settings.bitrate_kbps, settings.mp3_quality, settings.channels)
    speech = highpass(programme.speech, rate)
    ceiling = settings.true_peak_dbtp - settings.encoder_headroom_db
    correction = 0.0
    for _attempt in range(_ATTEMPTS):
        target = settings.target_lufs - codec + correction
        levelled, _ = normalise(speech, rate, target, ceiling - codec)
        signal = _frame(levelled, programme, settings, target, ceiling - codec)
        mp3, decoded = encode_and_decode(signal, rate, settings.bitrate_kbps, settings.mp3_quality)
        info = scan(mp3)
        if info is None or (info.sample_rate, info.channels) != (rate, settings.channels):
            raise RuntimeError(f"the encoder produced an unexpected stream: {info}")
        measured = measure_decoded(decoded, info.sample_rate, info.bitrate_kbps)
        peak_over = measured.true_peak_dbtp - settings.true_peak_dbtp
        loudness_error = settings.target_lufs - measured.lufs
        if peak_over <= 0 and abs(loudness_error) <= settings.loudness_tolerance_lu:
            break
        if peak_over > 0:
            ceiling -= peak_over + 0.25
        if abs(loudness_error) > 0.1:
            correction += loudness_error
    else:
        raise RuntimeError(
            f"could not meet {settings.target_lufs} LUFS / {settings.true_peak_dbtp} dBTP "
            f"(got {measured.lufs:.2f} LUFS, {measured.true_peak_dbtp:.2f} dBTP)"
        )
    return RenderedAudio(
        mp3=mp3,
        sha256=hashlib.sha256(mp3).hexdigest(),
        duration_s=measured.duration_s,
        lufs=measured.lufs,
        true_peak_dbtp=measured.true_peak_dbtp,
        sample_rate=measured.sample_rate,
        channels=measured.channels,
        bitrate_kbps=measured.bitrate_kbps,
        engines=list(engines),
    )
