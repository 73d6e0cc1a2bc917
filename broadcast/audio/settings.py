"""Plain data: how audio is produced (AudioSettings) and what came out (RenderedAudio, Measurement)."""

from __future__ import annotations

from dataclasses import dataclass, field

from broadcast.audio.mp3info import valid_bitrates

MB = 1024 * 1024


@dataclass(frozen=True)
class AudioSettings:
    """Output format and limits.

    22,050 Hz mono by default: it is espeak-ng's native rate (no resampling for the offline engine), it
    carries speech up to 11 kHz, well past what a horn loudspeaker reproduces (roughly 200 Hz-8 kHz),
    and at 64 kbps it is MPEG-2 Layer III, where that bitrate is generous for mono speech. 44,100 or
    48,000 (MPEG-1) need >= 32 kbps and are allowed for receivers that want them.

    ``mp3_quality`` is LAME's algorithm quality (0 best/slowest .. 9 fastest); 7 is its "fast" mode,
    inaudibly different for speech at these bitrates and twice as fast as the default. The encoder can
    add a few tenths of a dB of inter-sample peak, so the limiter aims ``encoder_headroom_db`` under
    ``true_peak_dbtp``; the encoded file is measured and redone if it still exceeds the limit.
    """

    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    bitrate_kbps: int = 64
    sample_rate: int = 22050
    channels: int = 1
    max_upload_bytes: int = 50 * MB
    max_upload_seconds: float = 1800.0
    min_upload_seconds: float = 0.5
    mp3_quality: int = 7
    encoder_headroom_db: float = 1.0
    loudness_tolerance_lu: float = 0.5

    def __post_init__(self) -> None:
        allowed = valid_bitrates(self.sample_rate)
        if not allowed:
            raise ValueError(f"sample_rate {self.sample_rate} Hz is not an MP3 sample rate")
        if self.bitrate_kbps not in allowed:
            raise ValueError(
                f"bitrate {self.bitrate_kbps} kbps is not valid for MP3 at {self.sample_rate} Hz; "
                f"choose one of {', '.join(map(str, allowed))}"
            )
        if self.channels not in (1, 2):
            raise ValueError("channels must be 1 or 2")
        if not -40.0 <= self.target_lufs <= -5.0:
            raise ValueError("target_lufs must be between -40 and -5 LUFS")
        if not -12.0 <= self.true_peak_dbtp <= 0.0:
            raise ValueError("true_peak_dbtp must be between -12 and 0 dBTP")
        if not 0 <= self.mp3_quality <= 9:
            raise ValueError("mp3_quality must be 0..9")
        if self.max_upload_bytes <= 0 or self.max_upload_seconds <= 0:
            raise ValueError("upload limits must be positive")


@dataclass(frozen=True)
class Measurement:
    """Figures measured by decoding an encoded file."""

    duration_s: float
    lufs: float
    true_peak_dbtp: float
    sample_rate: int
    channels: int
    bitrate_kbps: int = 0


@dataclass(frozen=True)
class RenderedAudio:
    """A finished, broadcast-ready MP3 and what was measured from it.

    ``engines`` names the engine that spoke each sentence, in order (``["upload"]`` for a recording).
    """

    mp3: bytes = field(repr=False)
    sha256: str
    duration_s: float
    lufs: float
    true_peak_dbtp: float
    sample_rate: int
    channels: int
    bitrate_kbps: int
    engines: list[str]
    #: Who spoke each sentence: {"engine", "model" (sha256 of a local model), "voice"} (issue 12).
    speakers: list[dict[str, str]] = field(default_factory=list)
    #: Engines of the voice's chain that failed, with why (the bulletin shows the failover plainly).
    fallbacks: dict[str, str] = field(default_factory=dict)

    @property
    def engine_summary(self) -> str:
        """Distinct engines in order of first use, joined by '+': "espeak", "gtts+espeak", "upload"."""
        return "+".join(dict.fromkeys(self.engines))

    @property
    def size(self) -> int:
        return len(self.mp3)
