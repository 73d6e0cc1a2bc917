"""Second-order IIR filters (biquads) in plain numpy: the high-pass and the BS.1770 K-weighting.

Why not ``scipy.signal.sosfilt``: importing ``scipy.signal`` costs one to two seconds (it pulls in
``scipy.stats``), paid by every ``broadcast say`` and every service start. A recursive filter cannot be
vectorised sample by sample, but it can block by block. A cascade of biquads is one linear state-space
system (A, b, c, d). Cut the signal into blocks of ``BLOCK`` samples: within a block the output is the
block convolved with the first ``BLOCK`` values of the impulse response (one matrix product for all
blocks) plus the response to the state the block starts in; the state at each block's start follows
``S[k+1] = A^BLOCK S[k] + G x_k``, a linear recurrence solved for all blocks in log2(blocks) numpy steps
(a prefix scan). This is exact, not an approximation: it agrees with ``sosfilt`` to float64 rounding.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

#: Samples per block: cost per sample is about BLOCK multiply-adds (a BLAS matrix product).
BLOCK = 32
#: Samples filtered per pass (whole blocks).
PIECE = BLOCK * 2048


@dataclass(frozen=True)
class Biquad:
    """b0..b2 / 1, a1, a2 (normalised so a0 = 1)."""

    b0: float
    b1: float
    b2: float
    a1: float
    a2: float


def butterworth(order: int, cutoff_hz: float, sample_rate: int, kind: str) -> tuple[Biquad, ...]:
    """Even-order Butterworth ``kind`` "highpass" or "lowpass" as biquads, by the bilinear transform with
    pre-warping (the same filter as scipy's ``butter(order, cutoff, kind, fs=rate)``)."""
    if order % 2 or order < 2:
        raise ValueError("order must be even")
    k = math.tan(math.pi * cutoff_hz / sample_rate)
    sections = []
    for index in range(order // 2):
        q = 1.0 / (2.0 * math.cos(math.pi * (2 * index + 1) / (2 * order)))
        norm = 1.0 / (1.0 + k / q + k * k)
        a1, a2 = 2.0 * (k * k - 1.0) * norm, (1.0 - k / q + k * k) * norm
        if kind == "highpass":
            sections.append(Biquad(norm, -2.0 * norm, norm, a1, a2))
        elif kind == "lowpass":
            gain = k * k * norm
            sections.append(Biquad(gain, 2.0 * gain, gain, a1, a2))
        else:
            raise ValueError(f"unknown filter kind {kind!r}")
    return tuple(sections)


def butterworth_highpass(cutoff_hz: float, sample_rate: int) -> Biquad:
    """Second-order Butterworth high-pass."""
    return butterworth(2, cutoff_hz, sample_rate, "highpass")[0]


def k_weighting(sample_rate: int) -> tuple[Biquad, Biquad]:
    """BS.1770-4 K-weighting at any rate: the +4 dB high shelf at 1.5 kHz, then the 38 Hz high-pass
    (RBJ cookbook designs with the parameters pyloudnorm uses; the tests check against its meter)."""
    w0 = 2.0 * math.pi * 1500.0 / sample_rate
    alpha = math.sin(w0) / (2.0 * (1.0 / math.sqrt(2.0)))
    a = 10.0 ** (4.0 / 40.0)
    cos, root = math.cos(w0), 2.0 * math.sqrt(a) * alpha
    a0 = (a + 1) - (a - 1) * cos + root
    shelf = Biquad(
        a * ((a + 1) + (a - 1) * cos + root) / a0,
        -2 * a * ((a - 1) + (a + 1) * cos) / a0,
        a * ((a + 1) + (a - 1) * cos - root) / a0,
        2 * ((a - 1) - (a + 1) * cos) / a0,
        ((a + 1) - (a - 1) * cos - root) / a0,
    )
    w0 = 2.0 * math.pi * 38.0 / sample_rate
    alpha = math.sin(w0) / (2.0 * 0.5)
    cos = math.cos(w0)
    a0 = 1 + alpha
    high_pass = Biquad((1 + cos) / 2 / a0, -(1 + cos) / a0, (1 + cos) / 2 / a0, -2 * cos / a0, (1 - alpha) / a0)
    return shelf, high_pass


class Cascade:
    """Biquads in series as one state-space system; :meth:`run` filters a block of any length and carries the
    state from call to call (start with :meth:`initial_state`)."""

    def __init__(self, *sections: Biquad) -> None:
        a = np.zeros((0, 0))
        b = np.zeros(0)
        c = np.zeros(0)
        d = 1.0
        for s in sections:  # series connection: this section after what came before
            a2 = np.array([[-s.a1, 1.0], [-s.a2, 0.0]])
            b2 = np.array([s.b1 - s.a1 * s.b0, s.b2 - s.a2 * s.b0])
            c2 = np.array([1.0, 0.0])
            n = a.shape[0]
            joined = np.zeros((n + 2, n + 2))
            joined[:n, :n] = a
            joined[n:, :n] = np.outer(b2, c)
            joined[n:, n:] = a2
            a, b, c, d = joined, np.concatenate([b, b2 * d]), np.concatenate([s.b0 * c, c2]), s.b0 * d
        self.order = a.shape[0]
        powers = [np.eye(self.order)]
        for _ in range(BLOCK):
            powers.append(a @ powers[-1])
        self._powers = np.array(powers)  # A^0 .. A^BLOCK
        response = np.array([d] + [c @ powers[i] @ b for i in range(BLOCK - 1)])
        rows = np.arange(BLOCK)
        lag = rows[:, None] - rows[None, :]
        #: (BLOCK, BLOCK) lower-triangular Toeplitz: output of a block from its own input, zero start state.
        self._convolve_t = np.where(lag >= 0, response[np.clip(lag, 0, None)], 0.0).T.copy()
        #: (order, BLOCK): output of a block from its start state (row i = c A^i).
        self._from_state_t = np.array([c @ powers[i] for i in range(BLOCK)]).T.copy()
        #: (BLOCK, order): end state of a block from its input (column j = A^(BLOCK-1-j) b).
        self._to_state_t = np.array([powers[BLOCK - 1 - j] @ b for j in range(BLOCK)])
        #: Both products of a block's input in one matrix product: (BLOCK, BLOCK + order).
        self._from_input = np.concatenate([self._convolve_t, self._to_state_t], axis=1)
        self._carry = powers[BLOCK].T.copy()
        self._b = b

    def initial_state(self) -> np.ndarray:
        return np.zeros(self.order)

    def _block_states(self, terms: np.ndarray, state: np.ndarray) -> np.ndarray:
        """States at the start of every block, and after the last: shape (blocks + 1, order).

        ``terms[k]`` is block k's own contribution to the state after it. Hillis-Steele scan: after the
        step with distance d, ``terms[k]`` sums the contributions of blocks k-2d+1 .. k; it stops when A^d
        has decayed below float64 resolution (the filter has forgotten anything older).
        """
        terms[0] += state @ self._carry
        step = self._carry  # (A^(BLOCK*d))^T
        distance = 1
        while distance < terms.shape[0] and np.abs(step).max() > _FORGOTTEN:
            shifted = _small_matmul(terms[:-distance], step)
            terms[distance:] += shifted
            step = step @ step
            distance *= 2
        return np.concatenate([state[None, :], terms])

    def run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Filter ``x`` (1-D) from ``state``: (float64 output, state after the last sample).

        Long inputs go through in pieces of ``PIECE`` samples, so temporaries stay in the CPU cache.
        """
        n = x.shape[0]
        if n <= PIECE:
            return self._run(np.asarray(x, dtype=np.float64), state)
        out = np.empty(n)
        for start in range(0, n, PIECE):
            out[start : start + PIECE], state = self._run(np.asarray(x[start : start + PIECE], np.float64), state)
        return out, state

    def _run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = x.shape[0]
        whole = n // BLOCK
        out = np.empty(n)
        if whole:
            blocks = x[: whole * BLOCK].reshape(whole, BLOCK)
            products = blocks @ self._from_input
            states = self._block_states(np.ascontiguousarray(products[:, BLOCK:]), state)
            convolved = products[:, :BLOCK]
            convolved += states[:-1] @ self._from_state_t
            out[: whole * BLOCK] = convolved.ravel()
            state = states[-1]
        rest = n - whole * BLOCK
        if rest:
            tail = x[whole * BLOCK :]
            out[whole * BLOCK :] = tail @ self._convolve_t[:rest, :rest] + state @ self._from_state_t[:, :rest]
            contributions = self._powers[rest - 1 :: -1][:rest] @ self._b  # A^(rest-1-j) b for j < rest
            state = self._powers[rest] @ state + tail @ contributions
        return out, state


#: A^d smaller than this (relative to a unit input) no longer changes a float64 state.
_FORGOTTEN = 1e-18


def _small_matmul(rows: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``rows @ matrix`` for a matrix with only a few rows (the filter order): a sum of outer products,
    faster than a general matrix product for such shapes."""
    out = rows[:, :1] * matrix[0]
    for i in range(1, matrix.shape[0]):
        out += rows[:, i : i + 1] * matrix[i]
    return out


@functools.cache
def highpass_cascade(cutoff_hz: float, sample_rate: int) -> Cascade:
    return Cascade(butterworth_highpass(cutoff_hz, sample_rate))


@functools.cache
def k_weighting_cascade(sample_rate: int) -> Cascade:
    return Cascade(*k_weighting(sample_rate))
