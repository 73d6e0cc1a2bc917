"""ffmpeg from the ``imageio-ffmpeg`` wheel, driven through pipes.

That build has no ffprobe, so every decode names the output layout (rate, channels, float samples) and
every encode names the codec. Audio moves as raw float32 through stdin/stdout: no temporary files except
for uploads, whose containers (MP4 with the index at the end) may need seeking.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np

#: Hard limit for one ffmpeg run; a 30-minute upload decodes in a few seconds.
FFMPEG_TIMEOUT_S = 300.0
_BASE = ("-hide_banner", "-nostdin", "-nostats")
_CHUNK = 1 << 16


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error; ``stderr`` holds what it said."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


@functools.cache
def ffmpeg_exe() -> str:
    """Path of the bundled ffmpeg binary."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _run(args: Sequence[str], data: bytes | None = None, timeout: float = FFMPEG_TIMEOUT_S) -> tuple[bytes, str]:
    try:
        proc = subprocess.run(
            [ffmpeg_exe(), *_BASE, *args],
            input=data,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise FfmpegError(f"ffmpeg took longer than {timeout:.0f} s") from exc
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit status {proc.returncode}"
        raise FfmpegError(f"ffmpeg failed: {last}", stderr)
    return proc.stdout, stderr


def _as_frames(raw: bytes, channels: int) -> np.ndarray:
    samples = np.frombuffer(raw, dtype="<f4")
    usable = len(samples) - len(samples) % channels
    samples = samples[:usable]
    return samples if channels == 1 else samples.reshape(-1, channels)


def decode(
    source: bytes | bytearray | Path,
    *,
    sample_rate: int,
    channels: int = 1,
    input_format: str | None = None,
    max_seconds: float | None = None,
    loglevel: str = "error",
) -> tuple[np.ndarray, str]:
    """Decode ``source`` (bytes or a file path) to float32 at ``sample_rate``/``channels``.

    Returns the samples (1-D for mono, (n, channels) otherwise) and ffmpeg's log at ``loglevel``.
    ``max_seconds`` stops decoding there, so a header that claims hours cannot make us allocate them.
    """
    args: list[str] = ["-v", loglevel]
    if input_format:
        args += ["-f", input_format]
    # only local input: a crafted file must not make ffmpeg open URLs or other files (HLS, concat)
    args += ["-protocol_whitelist", "file,pipe"]
    args += ["-i", "pipe:0" if isinstance(source, bytes | bytearray) else str(source)]
    args += ["-map", "0:a:0", "-vn", "-sn", "-dn"]
    if max_seconds is not None:
        args += ["-t", f"{max_seconds:.3f}"]
    args += ["-ar", str(sample_rate), "-ac", str(channels), "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    raw, stderr = _run(args, bytes(source) if isinstance(source, bytes | bytearray) else None)
    return _as_frames(raw, channels), stderr


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Mono int16 samples at ``from_rate`` as float32 at ``to_rate`` (ffmpeg's resampler)."""
    args = ["-v", "error", "-f", "s16le", "-ar", str(from_rate), "-ac", "1", "-i", "pipe:0",
            "-ar", str(to_rate), "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    raw, _ = _run(args, np.ascontiguousarray(samples, dtype="<i2").tobytes())
    return _as_frames(raw, 1)


def _encode_args(sample_rate: int, channels: int, bitrate_kbps: int, quality: int) -> list[str]:
    return [
        "-v", "error",
        "-f", "f32le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k", "-compression_level", str(quality),
        "-map_metadata", "-1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-f", "mp3", "pipe:1",
    ]  # fmt: skip


def _interleaved_f32(samples: np.ndarray) -> bytes:
    return np.ascontiguousarray(samples, dtype="<f4").tobytes()


@contextlib.contextmanager
def _feeding(pipe: IO[bytes]) -> Iterator[None]:
    """Write to a child's stdin, then close it. A child that stopped reading is not an error here: its exit
    status says what happened."""
    try:
        yield
    except (BrokenPipeError, ValueError):
        pass
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError):
            pipe.close()


def _write_all(pipe: IO[bytes], payload: memoryview) -> None:
    """Write ``payload`` to a child's stdin and close it."""
    with _feeding(pipe):
        pipe.write(payload)


def _read_until_eof(proc: subprocess.Popen[bytes], consume: Callable[[bytes], None]) -> None:
    """Hand a child's stdout to ``consume`` until it ends. A watchdog kills the child if the whole read takes
    longer than ``FFMPEG_TIMEOUT_S`` (a stalled pipe then ends in EOF and a non-zero exit, not a hang)."""
    assert proc.stdout
    watchdog = threading.Timer(FFMPEG_TIMEOUT_S, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        while chunk := proc.stdout.read1(_CHUNK * 4):  # type: ignore[attr-defined]
            consume(chunk)
    finally:
        watchdog.cancel()


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdout, proc.stdin):
            if pipe is not None:
                with contextlib.suppress(BrokenPipeError, ValueError):
                    pipe.close()


def _start(args: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([ffmpeg_exe(), *_BASE, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _drain_stderr(name: str, proc: subprocess.Popen[bytes], errors: dict[str, bytes]) -> threading.Thread:
    thread = threading.Thread(target=lambda: errors.__setitem__(name, proc.stderr.read()),  # type: ignore[union-attr]
                              daemon=True)
    thread.start()
    return thread


def encode_mp3(samples: np.ndarray, sample_rate: int, bitrate_kbps: int, quality: int = 7) -> bytes:
    """Encode float32 samples (1-D mono, or (n, channels)) to a CBR MP3 with one ffmpeg process.

    The samples are written straight from the array's memory (a 30-minute upload is 150 MB of float32)
    while the MP3 is read back.
    """
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    encoder = _start(_encode_args(sample_rate, channels, bitrate_kbps, quality))
    payload = memoryview(np.ascontiguousarray(samples, dtype="<f4")).cast("B")
    errors: dict[str, bytes] = {}
    threads = [threading.Thread(target=_write_all, args=(encoder.stdin, payload), daemon=True),
               _drain_stderr("encoder", encoder, errors)]
    threads[0].start()
    parts: list[bytes] = []
    try:
        _read_until_eof(encoder, parts.append)
        for thread in threads:
            thread.join(FFMPEG_TIMEOUT_S)
        code = encoder.wait(FFMPEG_TIMEOUT_S)
    finally:
        _stop(encoder)
    if code != 0:
        text = errors.get("encoder", b"").decode("utf-8", "replace")
        raise FfmpegError(f"ffmpeg encoder failed: {text.strip()[-300:]}", text)
    mp3 = b"".join(parts)
    if not mp3:
        raise FfmpegError("ffmpeg produced an empty MP3")
    return mp3
