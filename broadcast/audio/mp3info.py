"""MPEG audio frame headers, read in Python.

There is no ffprobe in the bundled ffmpeg; the frame headers tell the sample rate, channel count and
bitrate of an MP3 exactly, and walking them shows whether the file is constant-bitrate and how many frames
it has. Also used to recognise MP3 uploads that have no ID3 tag.
"""

from __future__ import annotations

from dataclasses import dataclass

_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_BITRATES_L3 = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_BITRATES_L3[0] = _BITRATES_L3[2]


@dataclass(frozen=True)
class FrameHeader:
    version: int  # 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    sample_rate: int
    bitrate_kbps: int
    channels: int
    length: int  # bytes, header included
    samples: int  # per frame


@dataclass(frozen=True)
class Mp3Info:
    sample_rate: int
    channels: int
    bitrate_kbps: int  # of the first audio frame
    constant_bitrate: bool
    frames: int
    duration_s: float  # from the frame count
    audio_offset: int  # where the first frame starts
    audio_end: int  # just after the last complete frame
    truncated: bool  # a frame header at audio_end announces more bytes than the file has


def valid_bitrates(sample_rate: int) -> tuple[int, ...]:
    """Layer III bitrates allowed at ``sample_rate`` (MPEG-1 above 32 kHz, MPEG-2 LSF below)."""
    for version, rates in _SAMPLE_RATES.items():
        if sample_rate in rates:
            return _BITRATES_L3[version][1:]
    return ()


def parse_header(data: bytes, offset: int) -> FrameHeader | None:
    """The Layer III frame header at ``offset``, or None if there is none."""
    if offset + 4 > len(data):
        return None
    b0, b1, b2, b3 = data[offset : offset + 4]
    if b0 != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version = (b1 >> 3) & 0x3
    layer = (b1 >> 1) & 0x3
    bitrate_index = (b2 >> 4) & 0xF
    rate_index = (b2 >> 2) & 0x3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    sample_rate = _SAMPLE_RATES[version][rate_index]
    bitrate = _BITRATES_L3[version][bitrate_index]
    padding = (b2 >> 1) & 0x1
    channels = 1 if (b3 >> 6) == 3 else 2
    per_frame = 1152 if version == 3 else 576
    length = (per_frame // 8) * bitrate * 1000 // sample_rate + padding
    return FrameHeader(version, sample_rate, bitrate, channels, length, per_frame)


def skip_id3v2(data: bytes) -> int:
    """Offset just after a leading ID3v2 tag (0 if there is none)."""
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def find_first_frame(data: bytes, search_limit: int = 64 * 1024) -> int | None:
    """Offset of the first frame that is followed by another valid frame (avoids false syncs)."""
    start = skip_id3v2(data)
    end = min(len(data), start + search_limit)
    offset = start
    while offset < end:
        offset = data.find(b"\xff", offset, end)
        if offset < 0:
            return None
        header = parse_header(data, offset)
        if header is not None:
            following = offset + header.length
            if following >= len(data) or parse_header(data, following) is not None:
                return offset
        offset += 1
    return None


def scan(data: bytes) -> Mp3Info | None:
    """Walk all frames; None if ``data`` does not start (after ID3v2) with MPEG Layer III frames."""
    first = find_first_frame(data)
    if first is None:
        return None
    head = parse_header(data, first)
    assert head is not None
    frames = 0
    samples = 0
    constant = True
    offset = first
    while (header := parse_header(data, offset)) is not None and offset + header.length <= len(data):
        frames += 1
        samples += header.samples
        constant = constant and header.bitrate_kbps == head.bitrate_kbps
        offset += header.length
    last = parse_header(data, offset)
    return Mp3Info(
        sample_rate=head.sample_rate,
        channels=head.channels,
        bitrate_kbps=head.bitrate_kbps,
        constant_bitrate=constant,
        frames=frames,
        duration_s=samples / head.sample_rate,
        audio_offset=first,
        audio_end=offset,
        truncated=last is not None and offset + last.length > len(data),
    )


def first_header(data: bytes) -> FrameHeader | None:
    """The header of the first audio frame (rate, channels, bitrate) without walking the whole file."""
    offset = find_first_frame(data)
    return None if offset is None else parse_header(data, offset)
