"""Vietnamese cloud voices: FPT.AI TTS v5, Viettel AI TTS and Zalo AI TTS, each an engine adapter.

What they share (:class:`CloudEngine`): a deadline per sentence (``timeout``, retries included), at most
``retries`` further attempts for connection errors, timeouts, 429 and 5xx; a cool-down after a failure
(doubling while failures continue) so a bulletin waits for a dead provider once, not once per sentence;
replies checked to be audio (MP3 or WAV) and decoded in memory. Any failure is an ``EngineError`` with a
short reason, and the voice's chain moves on to its next engine.

The API keys come from the environment through :class:`broadcast.config.Settings` (``SecretStr``), live
only in memory, and never appear in a message, a log line or the database.

Request shapes (from the providers' public documentation and public client code):

* FPT.AI: ``POST https://api.fpt.ai/hmi/tts/v5``, the text as the UTF-8 body, headers ``api-key``,
  ``voice`` (banmai, leminh, thuminh, myan, lannhi, linhsan, minhquang…), ``speed`` (-3 … 3). The JSON
  reply ``{"async": URL, "error": 0, "message": …}`` names an MP3 that appears a few seconds later: it
  is polled until ready (``ready_timeout``).
* Viettel AI: ``POST https://viettelai.vn/tts/speech_synthesis`` with JSON ``text``, ``voice``
  (hn-quynhanh, hcm-diemmy…), ``speed`` (0.7 … 1.3), ``tts_return_option`` (2 WAV, 3 MP3), ``token``,
  ``without_filter``; the reply is the audio itself (an error is JSON).
* Zalo AI: ``POST https://api.zalo.ai/v1/tts/synthesize``, header ``apikey``, form fields ``input``,
  ``speaker_id``, ``speed`` (0.8 … 1.2), ``encode_type`` (1 = MP3); the JSON reply
  ``{"error_code": 0, "data": {"url": …}}`` names the audio file.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from broadcast.synth.base import EngineError
from broadcast.synth.network import NetworkEngine
from broadcast.synth.pcm import Pcm
from broadcast.synth.profiles import VoiceProfile

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_MAX_REPLY_BYTES = 16 * 1024 * 1024
_TRANSIENT_STATUS = {429, 500, 502, 503, 504}


class _Retry(Exception):
    """A transient failure worth another attempt while time is left."""


@dataclass(frozen=True)
class CloudConfig:
    """One provider's settings; ``key`` is the secret (never printed: see ``__repr__``)."""

    key: str | None
    url: str
    timeout: float = 15.0
    retries: int = 1
    cooldown_s: float = 30.0
    max_cooldown_s: float = 600.0
    backoff_s: float = 0.25
    ready_timeout: float = 20.0  # FPT.AI: how long its async file may take to appear
    poll_interval: float = 0.5

    def __repr__(self) -> str:
        return f"CloudConfig(url={self.url!r}, key={'set' if self.key else 'unset'}, timeout={self.timeout})"


@dataclass(frozen=True)
class CloudService:
    """What one provider is, as opposed to how it is asked (an adapter's :meth:`CloudEngine._audio`)."""

    name: str  # the engine's name in voice profiles (``[engines] chain``, ``voice_ids``)
    title: str  # the provider's name as people know it, in messages
    key_variable: str  # the environment variable holding its key, named when it is missing
    default_voice: str  # the voice used when a profile names none for this engine
    speed_range: tuple[float, float] = (1.0, 1.0)  # the rate multipliers it accepts


#: The three providers' facts; FPT.AI's speed is a step from -3 to 3 (see :meth:`FptEngine.speed`).
FPT = CloudService("fpt", "FPT.AI", "BROADCAST_FPT_API_KEY", "banmai")
VIETTEL = CloudService("viettel", "Viettel AI", "BROADCAST_VIETTEL_TOKEN", "hn-quynhanh", (0.7, 1.3))
ZALO = CloudService("zalo", "Zalo AI", "BROADCAST_ZALO_API_KEY", "1", (0.8, 1.2))


class CloudEngine(NetworkEngine):
    """Shared machinery of the cloud adapters; a subclass names its :attr:`service` and implements
    :meth:`_audio`."""

    service: ClassVar[CloudService]
    name = "cloud"
    title = "cloud"
    concurrent = True  # network-bound: sentences may be fetched in parallel

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name, cls.title = cls.service.name, cls.service.title  # what the Engine protocol and messages read

    def __init__(self, config: CloudConfig, session: requests.Session | None = None) -> None:
        if config.timeout <= 0 or config.retries < 0:
            raise ValueError("timeout must be positive and retries >= 0")
        self.config = config
        self._init_network(session)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"

    def _trip(self, reason: str) -> None:
        self._cool_down(reason, self.config.cooldown_s, self.config.max_cooldown_s)

    def _send(self, method: str, url: str, deadline: float, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        """One request with what is left of the deadline; body read in full (bounded)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0.01:
            raise requests.Timeout("deadline passed")
        response = self._http().request(method, url, timeout=(remaining, remaining), stream=True,
                                        allow_redirects=True, **kwargs)
        try:
            body = bytearray()
            for chunk in response.iter_content(chunk_size=65536):
                body += chunk
                if len(body) > _MAX_REPLY_BYTES:
                    raise EngineError(f"{self.title}: reply larger than {_MAX_REPLY_BYTES // 2**20} MB")
                if time.monotonic() > deadline:
                    raise requests.Timeout("reply not complete in time")
            return response.status_code, {k.lower(): v for k, v in response.headers.items()}, bytes(body)
        finally:
            response.close()

    def _check_status(self, status: int, body: bytes, host: str) -> None:
        if status == 200:
            return
        detail = _reply_message(body)
        problem = f"HTTP {status} from {host}" + (f": {detail}" if detail else "")
        if status in _TRANSIENT_STATUS:
            raise _Retry(problem)
        raise EngineError(f"{self.title}: {problem}")

    # -- engine ------------------------------------------------------------------------------------
    def voice_code(self, profile: VoiceProfile) -> str:
        return profile.voice_ids.get(self.name, self.service.default_voice)

    def synthesize(self, sentence: str, profile: VoiceProfile) -> Pcm:
        if not self.config.key:
            raise EngineError(f"{self.title} is not configured ({self.service.key_variable} is not set)")
        self._check_cooldown()
        text = _CONTROL_RE.sub(" ", sentence).strip()
        if not text:
            raise EngineError(f"{self.title}: nothing to speak in an empty sentence")
        host = urlsplit(self.config.url).netloc or self.config.url
        deadline = time.monotonic() + self.config.timeout
        attempts, problem = 0, f"no reply from {host} within {self.config.timeout:.0f} s"
        while attempts <= self.config.retries and deadline - time.monotonic() > 0.01:
            attempts += 1
            try:
                audio = self._audio(text, profile, deadline, host)
            except _Retry as exc:
                problem = str(exc)
            except requests.Timeout:
                problem = f"no reply from {host} within {self.config.timeout:.0f} s"
            except requests.ConnectionError as exc:
                problem = f"cannot connect to {host} ({_short(exc)})"
            except requests.RequestException as exc:
                self._trip(f"request failed: {_short(exc)}")
                raise EngineError(f"{self.title}: request to {host} failed: {_short(exc)}") from exc
            except EngineError as exc:
                self._trip(str(exc))
                raise
            else:
                pcm = decode_audio(audio, self.title)
                with self._lock:
                    self._failures = 0
                return pcm
            if attempts <= self.config.retries:
                time.sleep(max(0.0, min(self.config.backoff_s * attempts, deadline - time.monotonic())))
        self._trip(problem)
        raise EngineError(f"{self.title}: {problem} (gave up after {attempts} attempt{'s' if attempts != 1 else ''})")

    def _audio(self, text: str, profile: VoiceProfile, deadline: float, host: str) -> bytes:
        raise NotImplementedError

    def settings_key(self, profile: VoiceProfile) -> dict[str, Any]:
        return {"voice": self.voice_code(profile), "speed": self.speed(profile), "url": self.config.url}

    def speed(self, profile: VoiceProfile) -> float | int:
        """The profile's rate as the provider takes it: clamped to the service's ``speed_range``, two
        decimals (Viettel and Zalo take a multiplier; FPT.AI overrides this)."""
        low, high = self.service.speed_range
        return round(max(low, min(high, profile.rate)), 2)

    def unavailable_reason(self, profile: VoiceProfile) -> str | None:
        if not self.config.key:
            return f"{self.service.key_variable} is not set"
        remaining = self.cooldown_remaining()
        return f"cooling down for {remaining:.0f} s after a failure" if remaining > 0 else None

    def model_id(self, profile: VoiceProfile) -> str | None:
        return None


class FptEngine(CloudEngine):
    """FPT.AI v5: the text is the body, key and voice go in headers; the reply names a link where the MP3
    appears a little later (polled until :attr:`CloudConfig.ready_timeout`)."""

    service = FPT

    def speed(self, profile: VoiceProfile) -> int:
        return max(-3, min(3, round((profile.rate - 1.0) * 10)))

    def _audio(self, text: str, profile: VoiceProfile, deadline: float, host: str) -> bytes:
        headers = {"api-key": self.config.key or "", "voice": self.voice_code(profile),
                   "speed": str(self.speed(profile)), "format": "mp3", "Content-Type": "text/plain; charset=utf-8"}
        status, _, body = self._send("POST", self.config.url, deadline, data=text.encode("utf-8"), headers=headers)
        self._check_status(status, body, host)
        reply = _json(body)
        if reply is None or not isinstance(reply.get("async"), str) or reply.get("error") not in (0, None):
            message = _reply_message(body) or "a reply without an audio link"
            raise EngineError(f"{self.title}: {message}")
        return self._wait_for_file(reply["async"], deadline)

    def _wait_for_file(self, url: str, deadline: float) -> bytes:
        """Poll the async link until the MP3 is there (404 until then) or ``ready_timeout`` passes."""
        ready_by = min(time.monotonic() + self.config.ready_timeout, deadline)
        file_host = urlsplit(url).netloc or url
        while True:
            status, headers, body = self._send("GET", url, ready_by)
            if status == 200 and body:
                return body
            if status not in (404, 403, 202) and status not in _TRANSIENT_STATUS:
                raise EngineError(f"{self.title}: HTTP {status} fetching the audio from {file_host}")
            if time.monotonic() + self.config.poll_interval >= ready_by:
                raise EngineError(f"{self.title}: the audio at {file_host} was not ready within "
                                  f"{min(self.config.ready_timeout, self.config.timeout):.0f} s")
            time.sleep(self.config.poll_interval)


class ViettelEngine(CloudEngine):
    """Viettel AI: JSON with the token inside; the MP3 is the reply itself (a JSON reply is an error)."""

    service = VIETTEL

    def _audio(self, text: str, profile: VoiceProfile, deadline: float, host: str) -> bytes:
        body = {"text": text, "voice": self.voice_code(profile), "speed": self.speed(profile),
                "tts_return_option": 3, "token": self.config.key or "", "without_filter": False}
        status, headers, reply = self._send("POST", self.config.url, deadline, json=body,
                                            headers={"Accept": "audio/mpeg, application/json"})
        self._check_status(status, reply, host)
        if headers.get("content-type", "").startswith("application/json"):
            raise EngineError(f"{self.title}: {_reply_message(reply) or 'a JSON reply without audio'}")
        return reply


class ZaloEngine(CloudEngine):
    """Zalo AI: a form, the key in a header; the JSON reply names an MP3 that is ready at once."""

    service = ZALO

    def _audio(self, text: str, profile: VoiceProfile, deadline: float, host: str) -> bytes:
        form = {"input": text, "speaker_id": self.voice_code(profile), "speed": str(self.speed(profile)),
                "encode_type": "1"}
        status, _, body = self._send("POST", self.config.url, deadline, data=form,
                                     headers={"apikey": self.config.key or ""})
        self._check_status(status, body, host)
        reply = _json(body)
        url = ((reply or {}).get("data") or {}).get("url") if isinstance(reply, dict) else None
        if not isinstance(url, str) or (reply or {}).get("error_code") not in (0, None):
            raise EngineError(f"{self.title}: {_reply_message(body) or 'a reply without an audio link'}")
        file_host = urlsplit(url).netloc or url
        status, _, audio = self._send("GET", url, deadline)
        if status in _TRANSIENT_STATUS:
            raise _Retry(f"HTTP {status} fetching the audio from {file_host}")
        if status != 200:
            raise EngineError(f"{self.title}: HTTP {status} fetching the audio from {file_host}")
        return audio


def decode_audio(data: bytes, title: str) -> Pcm:
    """MP3 or WAV bytes → mono PCM; EngineError when the bytes are not audio."""
    from broadcast.audio.ffmpeg import FfmpegError, decode  # late: ffmpeg.py loads numpy, needed only for a reply
    from broadcast.audio.mp3info import scan

    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        fmt, rate = "wav", _wav_rate(data)
    else:
        info = scan(data)
        if info is None or info.frames == 0:
            raise EngineError(f"{title}: the reply is not audio ({_describe(data)})")
        fmt, rate = "mp3", info.sample_rate
    try:
        samples, _ = decode(data, sample_rate=rate, channels=1, input_format=fmt)
    except FfmpegError as exc:
        raise EngineError(f"{title}: the reply's audio does not decode ({_short(exc)})") from exc
    if samples.size == 0:
        raise EngineError(f"{title}: the reply holds no audio")
    return Pcm.from_float(samples.reshape(-1), rate)


def _wav_rate(data: bytes) -> int:
    rate = int.from_bytes(data[24:28], "little") if len(data) >= 28 else 0
    return rate if 4000 <= rate <= 192000 else 22050


def _describe(data: bytes) -> str:
    head = data[:60].decode("utf-8", "replace").strip()
    if not head:
        return "empty"
    return "text: " + " ".join(head.split())[:60]


def _json(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _reply_message(body: bytes) -> str:
    """The provider's own words from an error reply (JSON ``message``/``error_message``/``msg``), short."""
    reply = _json(body)
    if reply is not None:
        for key in ("message", "error_message", "msg", "detail", "error"):
            value = reply.get(key)
            if isinstance(value, str) and value.strip():
                return _short(value)
        return ""
    text = body[:200].decode("utf-8", "replace").strip()
    return _short(text) if text and text.isprintable() else ""


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 160 else text[:157] + "..."


def cloud_configs(settings: Any) -> dict[str, CloudConfig]:
    """The three providers' settings from :class:`broadcast.config.Settings` (secrets unwrapped here only)."""

    def config(secret: Any, url: str, **extra: float) -> CloudConfig:
        key = secret.get_secret_value() if secret is not None else None
        return CloudConfig(key=key or None, url=url, timeout=settings.cloud_tts_timeout_s,
                           retries=settings.cloud_tts_retries, cooldown_s=settings.cloud_tts_cooldown_s, **extra)

    return {
        "fpt": config(settings.fpt_api_key, settings.fpt_url, ready_timeout=settings.fpt_ready_timeout_s),
        "viettel": config(settings.viettel_token, settings.viettel_url),
        "zalo": config(settings.zalo_api_key, settings.zalo_url),
    }
