"""Measuring silences in decoded audio (the tests' ruler for pauses and trimmed ends)."""

from __future__ import annotations

import numpy as np

from broadcast.audio.silence import frame_levels


def silent_runs(
    samples: np.ndarray, sample_rate: int, threshold_dbfs: float = -50.0, frame_s: float = 0.010
) -> list[tuple[float, float]]:
    """(start, length) in seconds of every run of frames quieter than ``threshold_dbfs``."""
    mono = samples if samples.ndim == 1 else samples.mean(axis=1)
    levels, frame = frame_levels(mono, sample_rate, frame_s)
    quiet = np.concatenate([[False], levels < threshold_dbfs, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    return [(s * frame / sample_rate, (e - s) * frame / sample_rate) for s, e in zip(starts, ends, strict=True)]


def longest_internal_silence(samples: np.ndarray, sample_rate: int, threshold_dbfs: float = -50.0) -> float:
    """Length in seconds of the longest silence that has sound on both sides."""
    runs = silent_runs(samples, sample_rate, threshold_dbfs)
    total = (samples.shape[0]) / sample_rate
    inner = [length for start, length in runs if start > 0 and start + length < total - 0.011]
    return max(inner, default=0.0)


def leading_trailing_silence(
    samples: np.ndarray, sample_rate: int, threshold_dbfs: float = -50.0
) -> tuple[float, float]:
    """Seconds of silence at the start and at the end."""
    runs = silent_runs(samples, sample_rate, threshold_dbfs)
    total = samples.shape[0] / sample_rate
    lead = next((length for start, length in runs if start == 0), 0.0)
    tail = next((length for start, length in runs if start + length >= total - 0.011), 0.0)
    return lead, tail
