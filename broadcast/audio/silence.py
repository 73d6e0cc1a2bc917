"""Trimming dead air off the ends of a spoken sentence or a sound."""

from __future__ import annotations

import numpy as np

#: A frame this far below the part's loudest frame (or below the floor) counts as silence when trimming.
TRIM_RELATIVE_DB = 45.0
TRIM_FLOOR_DBFS = -60.0
#: Kept around the detected sound so soft onsets and releases (s, h, breath) are not clipped.
TRIM_PAD_S = 0.015
_FRAME_S = 0.005


def frame_levels(samples: np.ndarray, sample_rate: int, frame_s: float) -> tuple[np.ndarray, int]:
    """RMS level in dBFS of consecutive frames, and the frame length in samples (also the tests' ruler)."""
    frame = max(1, int(round(frame_s * sample_rate)))
    whole = samples.shape[0] // frame
    if whole == 0:
        return np.zeros(0), frame
    blocks = samples[: whole * frame].astype(np.float64).reshape(whole, frame)
    power = np.mean(blocks * blocks, axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power), frame


def trim(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cut leading and trailing silence (keeping a short pad); an all-silent part becomes empty."""
    levels, frame = frame_levels(samples, sample_rate, _FRAME_S)
    if levels.size == 0:
        return samples[:0]
    loudest = float(levels.max())
    if not np.isfinite(loudest):
        return samples[:0]
    threshold = max(TRIM_FLOOR_DBFS, loudest - TRIM_RELATIVE_DB)
    sounding = np.flatnonzero(levels > threshold)
    if sounding.size == 0:
        return samples[:0]
    pad = int(round(TRIM_PAD_S * sample_rate))
    start = max(0, sounding[0] * frame - pad)
    end = min(samples.shape[0], (sounding[-1] + 1) * frame + pad)
    return samples[start:end]
