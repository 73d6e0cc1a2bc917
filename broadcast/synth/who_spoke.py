"""The record of who spoke a bulletin: per sentence engine, model (sha256 of a local model) and voice,
plus the engines of the voice's chain that failed and why, stored as JSON on the audio asset.

:func:`failover_note` turns the record into the plain Vietnamese sentence staff see on the bulletin's
page, e.g. "Đọc bằng giọng dự phòng espeak-ng vì FPT.AI không trả lời."
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from broadcast.messages import QUOTA_WORDS, say

#: Engine names as people know them.
ENGINE_TITLES = {
    "espeak": "espeak-ng",
    "gtts": "Google (gTTS)",
    "piper": "Piper",
    "fpt": "FPT.AI",
    "viettel": "Viettel AI",
    "zalo": "Zalo AI",
    "upload": say("spoke_upload"),
}


@dataclass(frozen=True)
class WhoSpoke:
    sentences: list[dict[str, str]] = field(default_factory=list)
    fallbacks: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        if not self.sentences and not self.fallbacks:
            return ""
        return json.dumps({"sentences": self.sentences, "fallbacks": self.fallbacks}, ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> WhoSpoke:
        try:
            data: Any = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        sentences = [s for s in data.get("sentences") or [] if isinstance(s, dict)]
        fallbacks = data.get("fallbacks") if isinstance(data.get("fallbacks"), dict) else {}
        return cls(sentences, {str(k): str(v) for k, v in fallbacks.items()})

    def distinct(self) -> list[dict[str, str]]:
        """Each distinct speaker once, in order of first use, with how many sentences it spoke."""
        seen: dict[tuple[str, str, str], dict[str, str]] = {}
        for sentence in self.sentences:
            key = (sentence.get("engine", ""), sentence.get("model", ""), sentence.get("voice", ""))
            if key in seen:
                seen[key]["sentences"] = str(int(seen[key]["sentences"]) + 1)
            else:
                seen[key] = {**sentence, "sentences": "1", "title": title(sentence.get("engine", ""))}
        return list(seen.values())


def title(engine: str) -> str:
    return ENGINE_TITLES.get(engine, engine)


def reason_vi(reason: str) -> str:
    """A failure reason (English, technical) as a few plain Vietnamese words."""
    text = reason.lower()
    if "not configured" in text or "is not set" in text:
        return say("engine_not_configured")
    if "not installed" in text:
        return say("engine_not_installed")
    if "no reply" in text or "not ready" in text or "timed out" in text:
        return say("engine_timeout")
    if "cannot connect" in text:
        return say("engine_unreachable")
    if "skipped for another" in text:
        return say("engine_cooling_down")
    if "not audio" in text or "no audio" in text or "does not decode" in text or "without an audio" in text:
        return say("engine_not_audio")
    if any(word in text for word in QUOTA_WORDS):
        return say("engine_quota")
    if "http 401" in text or "http 403" in text:
        return say("engine_key_refused")
    if "http 4" in text:
        return say("engine_refused")
    if "http 5" in text:
        return say("engine_server_error")
    if "model" in text and ("missing" in text or "sha256" in text or "load" in text):
        return say("engine_model_changed")
    return say("engine_failed")


def failover_note(record: WhoSpoke, engines: list[str] | None = None) -> str | None:
    """The plain sentence for a bulletin read (partly) by a fallback voice; None if none was needed."""
    if not record.fallbacks:
        return None
    used = [engine for engine in dict.fromkeys(s.get("engine", "") for s in record.sentences)
            if engine and engine not in record.fallbacks]
    failed = list(record.fallbacks)
    if engines:
        failed.sort(key=lambda e: engines.index(e) if e in engines else len(engines))
    if not used:
        return None
    because = "; ".join(f"{title(engine)} {reason_vi(record.fallbacks[engine])}" for engine in failed)
    speaker = ", ".join(title(engine) for engine in used)
    return say("engine_fallback", speaker=speaker, because=because)
