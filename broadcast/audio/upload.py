"""Recorded uploads: check a file thoroughly, then master it exactly like synthesised speech.

Accepted: MP3, WAV, M4A (AAC in MP4) and Ogg (Opus or Vorbis), recognised by their content, not their
name. Refused with :class:`AudioRejected` (which carries an HTTP status and an English and a Vietnamese
message): empty or oversized files, anything else (text renamed .mp3, archives), headers that promise
more audio than the file holds or more than the duration limit (a "zip bomb" WAV header), truncated
files, files ffmpeg cannot decode, recordings that are too short, too long, or silent.

Nothing is written anywhere but a private temporary file (M4A needs a seekable input) that is removed
before returning; the caller stores the returned bytes only when everything passed.
"""

from __future__ import annotations

import math
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcast.audio.dynamics import Leveller, SilentAudio, analyse
from broadcast.audio.errors import AudioRejected
from broadcast.audio.ffmpeg import FfmpegError, decode
from broadcast.audio.master import Programme, master
from broadcast.audio.mp3info import find_first_frame, scan, skip_id3v2
from broadcast.audio.settings import AudioSettings, RenderedAudio
from broadcast.audio.silence import trim
from broadcast.messages import decimal, duration, say

#: Quieter than this (integrated, before normalising) counts as silence: boosting it would only raise noise.
SILENCE_LUFS = -60.0
_FORMATS = {"mp3": "MP3", "wav": "WAV", "mp4": "M4A", "ogg": "Ogg"}
_DEMUXER = {"mp3": "mp3", "wav": "wav", "mp4": "mov", "ogg": "ogg"}
_DURATION_RE = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


def _minutes(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.1f} s"


def sniff(data: bytes) -> str | None:
    """The container by its magic bytes: "mp3", "wav", "mp4", "ogg", or None."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"OggS":
        return "ogg"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return "mp4"
    if data[:3] == b"ID3" or (data[:1] == b"\xff" and find_first_frame(data[:8192]) is not None):
        start = skip_id3v2(data)
        if find_first_frame(data[start : start + 64 * 1024]) is not None:
            return "mp3"
    return None


def _describe_unknown(data: bytes) -> str:
    head = data[:512]
    if head[:2] == b"PK":
        return "a ZIP archive or office document"
    if head[:4] == b"%PDF":
        return "a PDF document"
    if head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n":
        return "an image"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return "not a recognised audio format"


@dataclass(frozen=True)
class _WavHeader:
    channels: int
    sample_rate: int
    bits: int
    data_offset: int
    data_size: int


def _wav_header(data: bytes) -> _WavHeader | None:
    """fmt and data chunk of a RIFF/WAVE file, or None if the chunk list is broken."""
    offset = 12
    fmt: tuple[int, int, int] | None = None
    while offset + 8 <= len(data):
        chunk_id = data[offset : offset + 4]
        (size,) = struct.unpack_from("<I", data, offset + 4)
        body = offset + 8
        if chunk_id == b"fmt " and size >= 16 and body + 16 <= len(data):
            _tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from("<HHIIHH", data, body)
            fmt = (channels, rate, bits)
        elif chunk_id == b"data":
            if fmt is None:
                return None
            return _WavHeader(fmt[0], fmt[1], fmt[2], body, size)
        offset = body + size + (size & 1)
    return None


def _check_wav(data: bytes, settings: AudioSettings) -> None:
    header = _wav_header(data)
    if header is None or header.channels == 0 or header.sample_rate == 0 or header.bits == 0:
        raise AudioRejected(
            "The WAV file's header is damaged (no valid format or data section).",
            say("wav_header_broken"),
            code="corrupt",
        )
    if header.channels > 8 or header.sample_rate > 384_000 or header.bits > 64:
        raise AudioRejected(
            f"The WAV header is implausible ({header.channels} channels, {header.sample_rate} Hz, {header.bits} bit).",
            say("wav_header_implausible", channels=header.channels, rate=header.sample_rate),
            code="corrupt",
        )
    bytes_per_second = header.channels * header.sample_rate * max(1, header.bits // 8)
    available = len(data) - header.data_offset
    streaming = header.data_size in (0, 0xFFFFFFFF)  # written by some recorders before they knew the size
    if not streaming and header.data_size > available + 1:
        declared = header.data_size / bytes_per_second
        raise AudioRejected(
            f"The WAV header promises {_minutes(declared)} of audio but the file holds only "
            f"{_minutes(available / bytes_per_second)}: it is truncated or forged.",
            say("wav_truncated", declared=duration(declared), available=duration(available / bytes_per_second)),
            code="truncated",
        )


def _ogg_complete(data: bytes) -> bool:
    """Whether the last Ogg page is complete (a cut-off upload ends inside a page)."""
    last = data.rfind(b"OggS")
    if last < 0 or last + 27 > len(data):
        return False
    segments = data[last + 26]
    table_end = last + 27 + segments
    if table_end > len(data):
        return False
    return table_end + sum(data[last + 27 : table_end]) == len(data)


def _mp3_complete(data: bytes) -> bool:
    """Whether the last frame is whole (trailing ID3v1/APE tags are fine)."""
    info = scan(data)
    return info is not None and info.frames > 0 and not info.truncated


def _truncated(kind: str) -> AudioRejected:
    name = _FORMATS[kind]
    return AudioRejected(
        f"The {name} file is incomplete (it ends in the middle of the audio); upload it again.",
        say("audio_truncated", kind=name),
        code="truncated",
    )


def _declared_duration(log: str) -> float | None:
    match = _DURATION_RE.search(log)
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _check_container(data: bytes, filename: str, settings: AudioSettings) -> str:
    """Size, format by magic bytes and completeness, before anything is decoded: the container kind."""
    if not data:
        raise AudioRejected("The file is empty.", say("audio_empty"), status_code=400, code="empty")
    if len(data) > settings.max_upload_bytes:
        limit = settings.max_upload_bytes / (1024 * 1024)
        raise AudioRejected(
            f"The file is {len(data) / (1024 * 1024):.1f} MB; the limit is {limit:.0f} MB.",
            say("audio_too_large", size=decimal(len(data) / (1024 * 1024), 1), limit=decimal(limit, 0)),
            status_code=413,
            code="too_large",
        )
    kind = sniff(data)
    if kind is None:
        raise AudioRejected(
            f"{filename or 'The file'} is {_describe_unknown(data)}, not audio: upload MP3, WAV, M4A or OGG/Opus.",
            say("audio_not_audio", name=filename),
            status_code=415,
            code="unsupported_format",
        )
    if kind == "wav":
        _check_wav(data, settings)
    elif (kind == "ogg" and not _ogg_complete(data)) or (kind == "mp3" and not _mp3_complete(data)):
        raise _truncated(kind)
    return kind


def _decode_file(data: bytes, kind: str, settings: AudioSettings) -> tuple[np.ndarray, str]:
    """Decode through a temporary file (MP4 keeps its index at the end, so ffmpeg must seek), stopping just
    past the duration limit: (samples, ffmpeg's log)."""
    with tempfile.TemporaryDirectory(prefix="broadcast-upload-") as workdir:
        source = Path(workdir) / f"upload.{kind}"
        source.write_bytes(data)
        try:
            return decode(source, sample_rate=settings.sample_rate, channels=1, input_format=_DEMUXER[kind],
                          max_seconds=settings.max_upload_seconds + 1.0, loglevel="info")
        except FfmpegError as exc:
            raise AudioRejected(
                f"The {_FORMATS[kind]} file could not be decoded: it is damaged or not really {_FORMATS[kind]}.",
                say("audio_undecodable", kind=_FORMATS[kind]),
                code="undecodable",
            ) from exc


def _check_decoded(samples: np.ndarray, log: str, kind: str, settings: AudioSettings) -> None:
    """What decoding showed: over the duration limit, cut short, or no audio at all."""
    limit_s = settings.max_upload_seconds
    decoded_s = samples.shape[0] / settings.sample_rate
    declared = _declared_duration(log)
    if decoded_s > limit_s or (declared is not None and declared > limit_s + 1.0 and decoded_s >= limit_s):
        raise AudioRejected(
            f"The recording is longer than the limit of {_minutes(limit_s)}.",
            say("audio_too_long", limit=duration(limit_s)),
            status_code=413,
            code="too_long",
        )
    if "partial file" in log or (declared is not None and decoded_s < 0.9 * declared - 0.5):
        raise _truncated(kind)
    if samples.size == 0:
        raise AudioRejected(
            f"The {_FORMATS[kind]} file holds no audio.",
            say("audio_no_sound", kind=_FORMATS[kind]),
            code="undecodable",
        )


def decode_upload(data: bytes, filename: str, settings: AudioSettings) -> np.ndarray:
    """Check and decode an upload to mono float32 at the output rate; raises AudioRejected."""
    kind = _check_container(data, filename, settings)
    samples, log = _decode_file(data, kind, settings)
    _check_decoded(samples, log, kind, settings)
    return samples


def render_recording(data: bytes, filename: str, settings: AudioSettings) -> RenderedAudio:
    """Check, trim, loudness-normalise and encode an uploaded recording (raises AudioRejected)."""
    samples = decode_upload(data, filename, settings)
    trimmed = trim(samples, settings.sample_rate)
    if trimmed.size and trimmed.shape[0] < settings.min_upload_seconds * settings.sample_rate:
        raise AudioRejected(
            f"The recording has less than {settings.min_upload_seconds:g} s of sound.",
            say("audio_too_short", seconds=decimal(settings.min_upload_seconds, 1).removesuffix(",0")),
            code="too_short",
        )
    analysed = analyse(trimmed, settings.sample_rate) if trimmed.size else None
    loudness = Leveller(analysed, settings.sample_rate).plain if analysed is not None else -math.inf
    if not math.isfinite(loudness) or loudness < SILENCE_LUFS:
        raise _silent()
    assert analysed is not None
    try:
        return master(Programme(speech=analysed), settings, ["upload"])
    except SilentAudio as exc:
        raise _silent() from exc


def _silent() -> AudioRejected:
    return AudioRejected(
        "The recording is silent (or too quiet to use).",
        say("audio_silent"),
        code="silent",
    )
