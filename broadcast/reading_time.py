"""How long a text will read for, known before anything is synthesised, and the limit on it.

A 77,000-character text is about 80 minutes of audio; the service refuses a text whose audio would run past
the configured maximum (``BROADCAST_MAX_UPLOAD_MINUTES``, the same limit as recorded uploads) before it
spends minutes of CPU on it. The estimate is the normalised text's syllables at the voice's pace (190 a
minute unless the profile sets its own), plus the pauses the assembler and the pacing put in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from broadcast.errors import InvalidInput

#: Syllables a minute when a voice does not set its own pace (issue 11's default pacing).
DEFAULT_SYLLABLES_PER_MINUTE = 190
DEFAULT_SENTENCE_PAUSE_MS = 450
DEFAULT_PARAGRAPH_PAUSE_MS = 900
COMMA_PAUSE_MS = 300
_SYLLABLE = re.compile(r"[^\W_]+")


class TooLongToRead(InvalidInput):
    """The text's audio would exceed the allowed duration (HTTP 422)."""


def estimate_seconds(paragraphs: Sequence[Sequence[str]], syllables_per_minute: int | None = None,
                     sentence_pause_ms: int = DEFAULT_SENTENCE_PAUSE_MS,
                     paragraph_pause_ms: int = DEFAULT_PARAGRAPH_PAUSE_MS) -> float:
    """Seconds of audio for already-normalised sentences grouped in paragraphs."""
    pace = syllables_per_minute or DEFAULT_SYLLABLES_PER_MINUTE
    sentences = [s for paragraph in paragraphs for s in paragraph if s.strip()]
    spoken = sum(len(_SYLLABLE.findall(s)) for s in sentences) * 60.0 / pace
    commas = sum(s.count(",") for s in sentences) * COMMA_PAUSE_MS / 1000
    blocks = sum(1 for paragraph in paragraphs if any(s.strip() for s in paragraph))
    pauses = (max(0, len(sentences) - blocks) * sentence_pause_ms + max(0, blocks - 1) * paragraph_pause_ms) / 1000
    return spoken + commas + pauses


def refuse_if_too_long(estimated_s: float, max_minutes: float) -> None:
    """Raise :class:`TooLongToRead` naming the estimated and the allowed minutes."""
    if estimated_s > max_minutes * 60:
        raise TooLongToRead(
            f"the text would read for about {math.ceil(estimated_s / 60)} minutes; the limit is "
            f"{max_minutes:g} minutes (BROADCAST_MAX_UPLOAD_MINUTES): split it into shorter bulletins",
            estimated_minutes=round(estimated_s / 60, 1), allowed_minutes=max_minutes,
        )

