"""Level processing: high-pass, loudness gain and a look-ahead true-peak limiter, for a whole programme.

espeak-ng speech has a peak-to-loudness ratio near 20 dB; at -16 LUFS plain gain would push its peaks
above 0 dBFS, so a limiter is needed. It is computed for the whole signal at once:

1. :func:`analyse` high-passes a piece of audio and computes its K-weighted power and its true-peak
   envelope (BS.1770 4x interpolation). Pieces (sentences) can be analysed while the engine is still
   speaking the next one, and :func:`join` lays them out with their pauses;
2. :func:`level` reduces both to short chunks (under a millisecond). For a trial gain G the limiter's
   gain curve is a sliding minimum (hold) of the gain each chunk needs, smoothed by two box filters, and
   the loudness that would result follows from the chunk powers, so a trial costs microseconds per
   second of audio. G is solved so the limited programme meets the loudness target, and the gain curve
   is applied once.

Hold and smoothing are sized so that the smoothed gain is already down when a peak arrives (look-ahead)
and recovers over a few milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from broadcast.audio.iir import highpass_cascade, k_weighting_cascade
from broadcast.audio.loudness import db_to_gain, loudness_from_step_energy, peak_envelope, step_length

#: Horn loudspeakers reproduce little below ~150 Hz; energy there only eats headroom.
HIGHPASS_HZ = 90.0
#: Smoothing of the limiter gain (each of two box filters): attack and release take about twice this.
LIMITER_SMOOTH_S = 0.004
#: How long the gain is held down around a peak, each side (must cover the smoothing, see above).
LIMITER_HOLD_S = 0.010
#: Gain the limiter may add above plain loudness matching while solving for the target.
_MAX_EXTRA_GAIN_DB = 18.0
#: Aim this far under the ceiling: the envelope uses BS.1770's 4x grid, which can miss a peak by a few
#: tenths of a dB at 22 kHz (the measurement afterwards is finer), and interpolating the chunk gains adds
#: a few hundredths.
SAFETY_DB = 0.25


class SilentAudio(ValueError):
    """There is nothing above the loudness gate to normalise."""


def highpass(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Second-order Butterworth high-pass; tails below -300 dB are flushed to zero (denormals are slow)."""
    cascade = highpass_cascade(HIGHPASS_HZ, sample_rate)
    out = cascade.run(samples, cascade.initial_state())[0].astype(np.float32)
    out[np.abs(out) < 1e-15] = 0.0
    return out


def sliding_min(values: np.ndarray, size: int) -> np.ndarray:
    """Minimum over a centred window of odd ``size``, edges repeated (scipy's ``minimum_filter1d``,
    mode "nearest"): windows doubled in log2(size) numpy steps."""
    half = size // 2
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    span, current = 1, padded
    while span * 2 <= size:
        current = np.minimum(current[:-span], current[span:])
        span *= 2
    # ``current[i]`` is the minimum of padded[i : i + span]; two overlapping spans cover the window
    return np.minimum(current[: values.shape[0]], current[size - span : size - span + values.shape[0]])


def box_mean(values: np.ndarray, size: int) -> np.ndarray:
    """Moving average over ``size`` values, edges repeated (scipy's ``uniform_filter1d``, mode "nearest")."""
    left = size // 2
    padded = np.concatenate([np.full(left, values[0]), values, np.full(size - 1 - left, values[-1])])
    cumulative = np.concatenate([[0.0], np.cumsum(padded, dtype=np.float64)])
    return ((cumulative[size:] - cumulative[:-size]) / size).astype(values.dtype)


def chunk_size(sample_rate: int) -> int:
    """Samples per analysis chunk: the largest divisor of the 100 ms loudness step not above 16, so
    chunks tile the loudness steps exactly (15 samples, 0.7 ms, at 22,050 Hz)."""
    step = step_length(sample_rate)
    return max(d for d in range(1, 17) if step % d == 0)


@dataclass(frozen=True)
class Analysed:
    """Mono audio ready for levelling, summarised per chunk.

    ``samples`` is high-passed and padded with zeros to whole chunks; ``peak`` is the largest true-peak
    envelope value (4x) in each chunk and ``energy`` the sum of squared K-weighted samples.
    """

    samples: np.ndarray  # float32, length a multiple of the chunk size
    peak: np.ndarray  # float32, one per chunk
    energy: np.ndarray  # float64, one per chunk

    @property
    def size(self) -> int:
        return self.samples.shape[0]


def _by_chunk(values: np.ndarray, chunk: int, reduce: str) -> np.ndarray:
    shaped = values.reshape(-1, chunk)
    return shaped.max(axis=1) if reduce == "max" else shaped.sum(axis=1)


#: Long inputs (uploads) are analysed in blocks of about 45 s, so float64 temporaries stay small.
_BLOCK_CHUNKS = 1 << 16


def analyse(samples: np.ndarray, sample_rate: int) -> Analysed:
    """High-pass mono ``samples`` and summarise them per chunk for :class:`Leveller`.

    Filters carry their state from block to block, so the result does not depend on the block size.
    """
    chunk = chunk_size(sample_rate)
    padded = np.zeros(-(-samples.shape[0] // chunk) * chunk, dtype=np.float32)
    padded[: samples.shape[0]] = samples
    block = _BLOCK_CHUNKS * chunk
    highpass_filter, k_filter = highpass_cascade(HIGHPASS_HZ, sample_rate), k_weighting_cascade(sample_rate)
    highpass_state, k_state = highpass_filter.initial_state(), k_filter.initial_state()
    filtered = np.empty_like(padded)
    energy = np.empty(padded.shape[0] // chunk)
    for start in range(0, padded.shape[0], block):
        piece, highpass_state = highpass_filter.run(padded[start : start + block], highpass_state)
        piece[np.abs(piece) < 1e-15] = 0.0  # denormals in decaying tails are slow
        filtered[start : start + block] = piece
        weighted, k_state = k_filter.run(filtered[start : start + block], k_state)
        energy[start // chunk : (start + block) // chunk] = _by_chunk(weighted * weighted, chunk, "sum")
    peak = np.empty(padded.shape[0] // chunk, dtype=np.float32)
    context = 8  # the interpolation filter reaches 6 samples each side
    for start in range(0, padded.shape[0], block):
        stop = min(padded.shape[0], start + block)
        lead = min(context, start)
        window = filtered[start - lead : min(padded.shape[0], stop + context)]
        envelope = peak_envelope(window)[lead : lead + stop - start]
        peak[start // chunk : stop // chunk] = _by_chunk(envelope, chunk, "max")
    return Analysed(filtered, peak, energy)


def silence_samples(seconds: float, sample_rate: int) -> int:
    """``seconds`` of silence rounded to whole chunks (under a millisecond: inaudible in a pause)."""
    chunk = chunk_size(sample_rate)
    return int(round(seconds * sample_rate / chunk)) * chunk


def join(pieces: list[Analysed | int], sample_rate: int) -> Analysed:
    """Concatenate analysed pieces; an int is that many samples (whole chunks) of silence."""
    chunk = chunk_size(sample_rate)
    samples: list[np.ndarray] = []
    peaks: list[np.ndarray] = []
    energies: list[np.ndarray] = []
    for piece in pieces:
        if isinstance(piece, Analysed):
            samples.append(piece.samples)
            peaks.append(piece.peak)
            energies.append(piece.energy)
        else:
            if piece % chunk:
                raise ValueError(f"silence must be whole chunks of {chunk} samples")
            samples.append(np.zeros(piece, np.float32))
            peaks.append(np.zeros(piece // chunk, np.float32))
            energies.append(np.zeros(piece // chunk))
    if not samples:
        return Analysed(np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros(0))
    return Analysed(np.concatenate(samples), np.concatenate(peaks), np.concatenate(energies))


class Leveller:
    """Solves and applies gain + limiting for one analysed programme; re-solving is cheap."""

    def __init__(self, analysed: Analysed, sample_rate: int) -> None:
        self.analysed = analysed
        self.rate = sample_rate
        self.step = step_length(sample_rate)
        self.chunk = chunk_size(sample_rate)
        self.peak = analysed.peak
        self.energy = analysed.energy
        per_step = self.step // self.chunk
        whole = self.energy.shape[0] // per_step * per_step
        self.plain = loudness_from_step_energy(self.energy[:whole].reshape(-1, per_step).sum(axis=1), self.step)

    def chunk_gain(self, gain: float, ceiling: float) -> np.ndarray:
        """Limiter gain per chunk for input gain ``gain`` (linear)."""
        needed = np.minimum(1.0, ceiling / np.maximum(self.peak * gain, 1e-12))
        if needed.min() >= 1.0:
            return needed
        smooth = max(1, round(LIMITER_SMOOTH_S * self.rate / self.chunk))
        hold = max(smooth + 2, round(LIMITER_HOLD_S * self.rate / self.chunk))
        held = sliding_min(needed, 2 * hold + 1)
        smoothed = box_mean(box_mean(held, smooth), smooth)
        return np.minimum(smoothed, 1.0)

    def loudness(self, gain: float, chunk_gain: np.ndarray) -> float:
        """Loudness of ``input * gain * limiter`` (limiter gain taken as constant within a chunk)."""
        energy = self.energy * (chunk_gain * gain) ** 2
        per_step = self.step // self.chunk
        whole = energy.shape[0] // per_step
        steps = energy[: whole * per_step].reshape(whole, per_step).sum(axis=1)
        return loudness_from_step_energy(steps, self.step)

    def solve(self, target_lufs: float, ceiling: float, tolerance: float) -> tuple[float, float, np.ndarray]:
        """Input gain (dB) whose limited result meets ``target_lufs``: (gain_db, loudness, chunk gains).

        Loudness rises monotonically with the input gain and the limiter only ever lowers it, so adding
        the remaining error to the gain approaches the target from below; bisection guards the bracket.
        """
        start = target_lufs - self.plain
        low, high = start, start + _MAX_EXTRA_GAIN_DB
        gain_db = start
        for _ in range(40):
            chunk_gain = self.chunk_gain(db_to_gain(gain_db), ceiling)
            level = self.loudness(db_to_gain(gain_db), chunk_gain)
            error = target_lufs - level
            if abs(error) <= tolerance:
                break
            if error > 0:
                low = gain_db
            else:
                high = gain_db
            proposal = gain_db + error
            gain_db = proposal if low < proposal < high else (low + high) / 2
        return gain_db, level, chunk_gain

    def sample_gain(self, chunk_gain: np.ndarray) -> np.ndarray:
        """Chunk gains interpolated to every sample (linearly between chunk centres).

        Only the stretches where the limiter acts are interpolated; elsewhere the gain is exactly 1.
        """
        n = self.analysed.size
        gain = np.ones(n, dtype=np.float32)
        active = chunk_gain < 1.0
        if not active.any():
            return gain
        active[1:] |= active[:-1]  # the ramps into and out of each stretch
        active[:-1] |= active[1:]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
        centres = np.arange(chunk_gain.shape[0], dtype=np.float64) * self.chunk + (self.chunk - 1) / 2
        for first, last in zip(edges[0::2], edges[1::2], strict=True):
            start = int(first) * self.chunk
            stop = min(n, int(last) * self.chunk)
            if stop > start:
                positions = np.arange(start, stop, dtype=np.float64)
                gain[start:stop] = np.interp(positions, centres[first:last], chunk_gain[first:last])
        return gain

    def apply(self, target_lufs: float, ceiling_dbtp: float, tolerance_lu: float = 0.05) -> tuple[np.ndarray, float]:
        """The levelled samples and their predicted loudness. Raises SilentAudio for silence."""
        if not math.isfinite(self.plain):
            raise SilentAudio("the audio is silent")
        ceiling = db_to_gain(ceiling_dbtp - SAFETY_DB)
        gain_db, level, chunk_gain = self.solve(target_lufs, ceiling, tolerance_lu)
        gain = np.float32(db_to_gain(gain_db)) * self.sample_gain(chunk_gain)
        return self.analysed.samples * gain, level


def level(analysed: Analysed, sample_rate: int, target_lufs: float, ceiling_dbtp: float) -> tuple[np.ndarray, float]:
    """Gain to ``target_lufs`` with true peaks limited to ``ceiling_dbtp``: (samples, predicted loudness)."""
    return Leveller(analysed, sample_rate).apply(target_lufs, ceiling_dbtp)


def normalise(
    samples: np.ndarray, sample_rate: int, target_lufs: float, ceiling_dbtp: float
) -> tuple[np.ndarray, float]:
    """High-pass, gain and limit mono ``samples`` in one call (see :func:`analyse` and :func:`level`)."""
    return level(analyse(samples, sample_rate), sample_rate, target_lufs, ceiling_dbtp)
