"""The audio value every engine returns: mono 16-bit samples plus their rate.

Plain numpy rather than a pydub ``AudioSegment``: analysis, limiting and loudness work on numpy arrays,
and audio moves to and from ffmpeg as raw samples through pipes (see the README's "Audio" note).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Pcm:
    """Mono int16 samples at ``sample_rate`` Hz."""

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        if self.samples.dtype != np.int16 or self.samples.ndim != 1:
            raise ValueError("Pcm holds a 1-D int16 array (mono)")
        if self.sample_rate <= 0:
            raise ValueError("sample_rate must be positive")

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate

    @classmethod
    def from_float(cls, samples: np.ndarray, sample_rate: int) -> Pcm:
        """Convert float samples in [-1, 1] (clipped) to int16."""
        scaled = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767.0
        return cls(np.round(scaled).astype(np.int16), sample_rate)

    def to_float(self) -> np.ndarray:
        """Samples as float32 in [-1, 1)."""
        return self.samples.astype(np.float32) / 32768.0
