"""Helpers shared by the synth and audio tests: sample text, canned gTTS replies, counting engines,
loopback servers that refuse or never answer, and an independent decoder/meter for checking MP3s."""

from __future__ import annotations

import base64
import json
import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import imageio_ffmpeg
import numpy as np

from broadcast.synth import EngineError, Pcm, VoiceProfile

#: Twenty short, already-normalised sentences in four paragraphs (about 200 words).
SENTENCES = [
    "Kính thưa toàn thể nhân dân trong xã.",
    "Sau đây là bản tin buổi sáng của Đài truyền thanh xã.",
    "Trạm y tế xã tổ chức tiêm chủng cho trẻ em vào sáng thứ bảy.",
    "Các gia đình nhớ mang theo sổ tiêm chủng của trẻ.",
    "Trẻ đang bị sốt cần được báo với cán bộ y tế trước khi tiêm.",
    "Trong ba ngày tới khu vực tỉnh ta có mưa vừa đến mưa to.",
    "Các thôn cần khơi thông kênh mương và gia cố bờ bao.",
    "Hộ gia đình ở vùng trũng thấp cần kê cao tài sản.",
    "Tuyệt đối không để trẻ em tắm sông khi nước lũ dâng cao.",
    "Khi có tình huống khẩn cấp, hãy báo ngay cho trưởng thôn.",
    "Lúa vụ mùa đang ở giai đoạn đẻ nhánh.",
    "Rầy nâu xuất hiện với mật độ cao ở cánh đồng thôn Đông.",
    "Bà con cần thăm đồng thường xuyên và phòng trừ kịp thời.",
    "Khi phun thuốc, bà con nhớ mang đồ bảo hộ.",
    "Hợp tác xã mở lớp tập huấn vào chiều thứ năm.",
    "Gần đây có nhiều vụ lừa đảo qua điện thoại.",
    "Không cung cấp mã xác thực cho người lạ.",
    "Khi nghi ngờ, bà con báo ngay cho công an xã.",
    "Bản tin đến đây là kết thúc.",
    "Cảm ơn bà con đã chú ý lắng nghe.",
]
PARAGRAPHS = [SENTENCES[0:5], SENTENCES[5:10], SENTENCES[10:15], SENTENCES[15:20]]


def word_count(paragraphs: list[list[str]]) -> int:
    return sum(len(sentence.split()) for paragraph in paragraphs for sentence in paragraph)


def ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def make_audio(args: list[str], fmt: str) -> bytes:
    """Run ffmpeg with ``args`` (inputs, codec options) and return the output in format ``fmt``."""
    out = subprocess.run(
        [ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", *args, "-f", fmt, "pipe:1"],
        capture_output=True,
        check=True,
    )
    return out.stdout


def encode_pcm(samples: np.ndarray, rate: int, codec_args: list[str], fmt: str, channels: int = 1) -> bytes:
    """Encode float32 samples with ffmpeg (used to make test uploads and canned gTTS replies)."""
    data = np.ascontiguousarray(samples, dtype="<f4").tobytes()
    out = subprocess.run(
        [ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-f", "f32le", "-ar", str(rate), "-ac",
         str(channels), "-i", "pipe:0", *codec_args, "-f", fmt, "pipe:1"],
        input=data,
        capture_output=True,
        check=True,
    )  # fmt: skip
    return out.stdout


def tone_mp3(seconds: float = 1.0, rate: int = 24000) -> bytes:
    """A small real MP3 like Google's (24 kHz mono, 32 kbps)."""
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    return encode_pcm(tone, rate, ["-c:a", "libmp3lame", "-b:a", "32k"], "mp3")


def batchexecute_reply(mp3: bytes | None) -> str:
    """A reply of Google Translate's batchexecute endpoint, laid out as Google sends it (length-prefixed
    chunks after the ``)]}'`` guard); ``None`` gives the reply for an unsupported language (no audio)."""
    inner = json.dumps([base64.b64encode(mp3).decode()], separators=(",", ":")) if mp3 is not None else None
    envelope = ["wrb.fr", "jQ1olc", inner, None, None, None if inner else [3], "generic"]
    first = json.dumps(envelope, separators=(",", ":"))
    chunks = [
        f"[{first}\n]",
        '[["di",37]\n,["af.httprm",36,"-668177807451224424",66]\n]',
        '[["e",4,null,null,5662]\n]',
    ]
    return ")]}'\n\n" + "".join(f"{len(chunk)}\n{chunk}\n" for chunk in chunks)


GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
GTTS_URL_VN = "https://translate.google.com.vn/_/TranslateWebserverUi/data/batchexecute"


@dataclass
class CountingEngine:
    """Wraps an engine and counts (and records) the sentences it was asked to speak."""

    inner: Any
    calls: int = 0

    def __post_init__(self) -> None:
        self.name = self.inner.name
        self.spoken: list[str] = []
        self._lock = threading.Lock()

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        with self._lock:
            self.calls += 1
            self.spoken.append(sentence)
        return self.inner.synthesize(sentence, profile)

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return self.inner.settings_key(profile)


class FailingEngine:
    """An engine that always fails, counting attempts."""

    def __init__(self, name: str = "gtts") -> None:
        self.name = name
        self.calls = 0

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        self.calls += 1
        raise EngineError(f"{self.name}: network is unreachable")

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return {"fake": True}


def closed_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerUrl(str):
    """A URL that also tells how many connections its server has taken (``connections``)."""

    listener: socket.socket
    lock: threading.Lock
    held: list[socket.socket]

    @property
    def connections(self) -> int:
        """Every connection made so far, counted once none waits in the listen backlog any more."""
        while True:
            with self.lock:  # the accept thread is between accepts: ``held`` is complete up to the backlog
                waiting, _, _ = select.select([self.listener], [], [], 0)
                if not waiting:
                    return len(self.held)
            time.sleep(0.01)  # let the accept thread take the waiting one


@contextmanager
def silent_server() -> Iterator[ServerUrl]:
    """A loopback HTTP 'server' that accepts connections and never answers; yields its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    lock = threading.Lock()
    held: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            with lock:
                try:
                    conn, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = ServerUrl(f"http://127.0.0.1:{listener.getsockname()[1]}/_/TranslateWebserverUi/data/batchexecute")
        url.listener, url.lock, url.held = listener, lock, held
        yield url
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


# -- independent checks of produced MP3s --------------------------------------------------------------


def decode_mp3(data: bytes) -> tuple[np.ndarray, int, int]:
    """Decode with ffmpeg (not our code): (float64 samples (n, channels), sample rate, channels)."""
    probe = subprocess.run(
        [ffmpeg(), "-hide_banner", "-nostdin", "-f", "mp3", "-i", "pipe:0", "-f", "null", "-"],
        input=data,
        capture_output=True,
    )
    line = next(x for x in probe.stderr.decode().splitlines() if "Audio: mp3" in x)
    rate = int(line.split(" Hz")[0].split()[-1])
    channels = 2 if "stereo" in line else 1
    raw = subprocess.run(
        [ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-f", "mp3", "-i", "pipe:0", "-f", "f64le", "pipe:1"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<f8").reshape(-1, channels), rate, channels


def reference_loudness(samples: np.ndarray, rate: int) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def reference_true_peak_db(samples: np.ndarray) -> float:
    """True peak by 8x polyphase oversampling with scipy (a different filter from ours)."""
    from scipy import signal

    frames = samples if samples.ndim == 2 else samples[:, None]
    peak = max(float(np.abs(signal.resample_poly(frames[:, c], 8, 1)).max()) for c in range(frames.shape[1]))
    return 20 * np.log10(peak)


def longest_gap(samples: np.ndarray, rate: int, threshold_db: float = -50.0, frame_s: float = 0.01) -> float:
    """Longest run of 10 ms frames below ``threshold_db`` (RMS) that has sound on both sides, in seconds."""
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    frame = int(rate * frame_s)
    frames = mono[: len(mono) // frame * frame].reshape(-1, frame)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(level >= threshold_db)
    if loud.size < 2:
        return 0.0
    return float((np.diff(loud).max() - 1) * frame_s)


def edge_silence(samples: np.ndarray, rate: int, threshold_db: float = -50.0) -> tuple[float, float]:
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    frame = int(rate * 0.01)
    frames = mono[: len(mono) // frame * frame].reshape(-1, frame)
    with np.errstate(divide="ignore"):
        level = 10 * np.log10(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(level >= threshold_db)
    return float(loud[0] * 0.01), float((len(level) - 1 - loud[-1]) * 0.01)
