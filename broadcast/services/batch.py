"""Many documents in, one broadcast MP3 each: the job that started the project (180 Word files by hand).

Shared by ``broadcast say -f …`` and the web batch page: the same document reader
(:mod:`broadcast.services.documents`), cleaner, normaliser and :class:`~broadcast.speech.Speaker` as a single
bulletin. A document that cannot be read or has nothing to say is reported with the reason and the others
still convert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from broadcast.errors import ServiceError
from broadcast.services import documents
from broadcast.synth import EngineError

if TYPE_CHECKING:
    from broadcast.normalise import Lexicon
    from broadcast.speech import Speaker, Speech


@dataclass(frozen=True)
class Converted:
    """One document's outcome: the speech, or the reason it was refused."""

    name: str
    speech: Speech | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.speech is not None


def collect(paths: Iterable[Path]) -> list[Path]:
    """Files named on the command line, plus the documents inside named folders (sorted, recursive).

    A named file is kept whatever its type (it is then refused with a reason); inside a folder only
    ``.docx``, ``.txt`` and ``.pdf`` files are taken.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            suffixes = documents.DOCUMENT_SUFFIXES
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
        else:
            inside = [path]
        for item in inside:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                found.append(item)
    return found


def mp3_names(names: Iterable[str]) -> list[str]:
    """One distinct ``<stem>.mp3`` per document ("thong-bao.docx" and "thong-bao.pdf" → "thong-bao-2.mp3")."""
    taken: set[str] = set()
    out: list[str] = []
    for name in names:
        stem = PurePath(name).stem.strip() or "ban-tin"
        stem = "".join(ch if ch.isalnum() or ch in " -_.()" else "_" for ch in stem)[:120]
        candidate, k = f"{stem}.mp3", 2
        while candidate.lower() in taken:
            candidate, k = f"{stem}-{k}.mp3", k + 1
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def convert(speaker: Speaker, data: bytes, name: str, voice: str | None = None,
            lexicon: Lexicon | None = None, max_bytes: int | None = None) -> Converted:
    """Read one document and speak it; any refusal is returned with its reason, never raised."""
    try:
        if documents.classify(name) != documents.UploadKind.document:
            raise ServiceError(f"Không phải văn bản: chỉ nhận {', '.join(documents.DOCUMENT_SUFFIXES)}.")
        if max_bytes is not None:
            documents.check_size(data, max_bytes)
        text = documents.extract_text(data, name)
        return Converted(name, speech=speaker.speak(text, voice, lexicon))
    except ServiceError as exc:
        return Converted(name, reason=exc.message)
    except (EngineError, ValueError) as exc:
        return Converted(name, reason=f"không tạo được âm thanh: {exc}")
