"""gTTS (Google Translate's speech endpoint), the online engine.

gTTS itself would wait forever by default, builds its own session per request, and its ``save()`` opens
the output file before the request, leaving a 0-byte file when the request fails. So gTTS is used only
to build the batchexecute requests (text splitting and RPC packaging stay in step with upstream); this
module sends them with a timeout, bounded retries and a circuit breaker, parses the reply the way gTTS
does, decodes the MP3 in memory and never writes a file.

``timeout`` is the most gTTS may hold up one sentence, retries included: each attempt gets what is left
of it. After a connection failure or timeout the engine refuses calls for a cool-down (30 s, doubling
while failures continue, up to 10 min), so with the network down a bulletin costs at most one timeout,
not one per sentence, and later bulletins none until the cool-down ends.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any
from urllib.parse import urlsplit

import requests

from broadcast.audio.ffmpeg import FfmpegError, decode
from broadcast.audio.mp3info import scan
from broadcast.synth.base import EngineError, package_version
from broadcast.synth.network import NetworkEngine
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile

#: gTTS's own pattern for the base64 audio in a batchexecute reply line.
_AUDIO_RE = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_MAX_REPLY_BYTES = 8 * 1024 * 1024
_TRANSIENT_STATUS = {429, 500, 502, 503, 504}
#: Below this profile rate gTTS's "slow" mode is used (it has only normal and slow).
SLOW_BELOW_RATE = 0.8


class GttsEngine(NetworkEngine):
    """Online Vietnamese voice from Google Translate; needs the internet, returns 24 kHz mono.

    ``timeout`` (seconds) bounds one sentence from start to finish: connecting, reading the replies and
    any of the at most ``retries`` further attempts (made for connection errors, timeouts and 429/5xx
    replies while time is left). ``endpoint`` replaces the Google URL (tests, or a proxy); ``session``
    is a ``requests.Session`` to send through (tests mount adapters on it).
    """

    name = "gtts"
    title = "gTTS"
    concurrent = True  # network-bound: sentences may be fetched in parallel

    def __init__(
        self,
        timeout: float = 8.0,
        retries: int = 1,
        session: requests.Session | None = None,
        *,
        endpoint: str | None = None,
        cooldown_s: float = 30.0,
        max_cooldown_s: float = 600.0,
        backoff_s: float = 0.25,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if retries < 0:
            raise ValueError("retries must be >= 0")
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.endpoint = endpoint
        self.cooldown_s = cooldown_s
        self.max_cooldown_s = max_cooldown_s
        self.backoff_s = backoff_s
        self._init_network(session)

    # -- circuit breaker -------------------------------------------------------------------------
    def available(self) -> bool:
        with self._lock:
            return time.monotonic() >= self._down_until

    def reset(self) -> None:
        """Close the breaker (for example after the network came back)."""
        with self._lock:
            self._down_until = 0.0
            self._failures = 0

    def _trip(self, reason: str) -> None:
        self._cool_down(reason, self.cooldown_s, self.max_cooldown_s)

    def _succeeded(self) -> None:
        with self._lock:
            self._failures = 0

    # -- requests ----------------------------------------------------------------------------------
    def _prepare(self, text: str, profile: VoiceProfile) -> list[requests.PreparedRequest]:
        from gtts import gTTS

        tts = gTTS(
            text,
            lang=profile.language,
            tld=profile.gtts_tld,
            slow=profile.rate < SLOW_BELOW_RATE,
            lang_check=False,
            timeout=self.timeout,
        )
        try:
            prepared = tts._prepare_requests()
        except AssertionError as exc:  # gTTS asserts when nothing speakable is left
            raise EngineError(f"gTTS: nothing to speak in {text[:60]!r}") from exc
        if self.endpoint:
            for request in prepared:
                request.url = self.endpoint
        return prepared

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        body = bytearray()
        for chunk in response.iter_content(chunk_size=16384):
            body += chunk
            if len(body) > _MAX_REPLY_BYTES:
                raise EngineError("gTTS: reply larger than 8 MB")
            if time.monotonic() > deadline:
                raise requests.Timeout("reply not complete in time")
        return bytes(body)

    def _fetch(self, request: requests.PreparedRequest, deadline: float) -> bytes:
        """One text part: the MP3 bytes from its reply, by ``deadline`` (monotonic seconds)."""
        session = self._http()
        host = urlsplit(request.url or "").netloc or "the TTS host"
        attempts = 0
        problem = f"no reply from {host} within {self.timeout:.1f} s"
        while attempts <= self.retries:
            remaining = deadline - time.monotonic()
            if remaining <= 0.01:
                problem = f"no reply from {host} within {self.timeout:.1f} s"
                break
            attempts += 1
            try:
                settings = session.merge_environment_settings(request.url, {}, True, None, None)
                response = session.send(request, timeout=(remaining, remaining), allow_redirects=False, **settings)
                try:
                    body = self._read(response, deadline)
                finally:
                    response.close()
            except requests.Timeout:
                problem = f"no reply from {host} within {self.timeout:.1f} s"
            except requests.ConnectionError as exc:
                problem = f"cannot connect to {host} ({_short(exc)})"
            except requests.RequestException as exc:
                raise EngineError(f"gTTS: request to {host} failed: {_short(exc)}") from exc
            else:
                if response.status_code == 200:
                    return _audio_from_reply(body, host)
                problem = f"HTTP {response.status_code} {response.reason or ''}".strip() + f" from {host}"
                if response.status_code not in _TRANSIENT_STATUS:
                    raise EngineError(f"gTTS: {problem}")
            if attempts <= self.retries:
                time.sleep(max(0.0, min(self.backoff_s * attempts, deadline - time.monotonic())))
        self._trip(problem)
        raise EngineError(f"gTTS: {problem} (gave up after {attempts} attempt{'s' if attempts != 1 else ''})")

    # -- engine ------------------------------------------------------------------------------------
    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        self._check_cooldown()
        text = _CONTROL_RE.sub(" ", sentence).strip()
        if not text:
            raise EngineError("gTTS: nothing to speak in an empty sentence")
        deadline = time.monotonic() + self.timeout
        mp3 = b"".join(self._fetch(request, deadline) for request in self._prepare(text, profile))
        pcm = _decode_mp3(mp3)
        self._succeeded()
        return pcm

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return {
            "lang": profile.language,
            "tld": profile.gtts_tld,
            "slow": profile.rate < SLOW_BELOW_RATE,
            "gtts": package_version("gTTS"),
        }


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 160 else text[:157] + "..."


def _audio_from_reply(body: bytes, host: str) -> bytes:
    """The MP3 in a batchexecute reply, found the way gTTS finds it."""
    text = body.decode("utf-8", "replace")
    for line in text.splitlines():
        if "jQ1olc" not in line:
            continue
        match = _AUDIO_RE.search(line)
        if not match:
            break
        try:
            audio = base64.b64decode(match.group(1).encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as exc:
            raise EngineError(f"gTTS: reply from {host} carries malformed audio data") from exc
        if not audio:
            break
        return audio
    raise EngineError(f"gTTS: reply from {host} has no audio (unsupported language, or the API changed)")


def _decode_mp3(mp3: bytes) -> Pcm:
    info = scan(mp3)
    if info is None or info.frames == 0:
        raise EngineError("gTTS: the reply's audio is not MP3")
    try:
        samples, _ = decode(mp3, sample_rate=info.sample_rate, channels=1, input_format="mp3")
    except FfmpegError as exc:
        raise EngineError(f"gTTS: the reply's MP3 does not decode ({exc})") from exc
    if samples.size == 0:
        raise EngineError("gTTS: the reply's MP3 holds no audio")
    return Pcm.from_float(samples, info.sample_rate)
