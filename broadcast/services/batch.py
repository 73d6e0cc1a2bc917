"""Many documents in, one broadcast MP3 each: the job that started the project (180 Word files by hand).

Shared by ``broadcast say -f …`` and the web batch page: the same document reader
(:mod:`broadcast.services.documents`), cleaner, normaliser and :class:`~broadcast.speech.Speaker` as a single
bulletin. A document that cannot be read or has nothing to say is reported with the reason and the others
still convert.
"""

from __future__ import annotations

import io
import logging
import secrets
import shutil
import threading
import time
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from broadcast.atomic import atomic_write
from broadcast.errors import InvalidInput, NotFound, ServiceError
from broadcast.messages import say
from broadcast.services import documents
from broadcast.synth import EngineError

if TYPE_CHECKING:
    from broadcast.normalise import Lexicon
    from broadcast.speech import Speaker, Speech

log = logging.getLogger(__name__)


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
            raise InvalidInput(say("batch_not_document", allowed=", ".join(documents.DOCUMENT_SUFFIXES)))
        if max_bytes is not None:
            documents.check_size(data, max_bytes)
        text = documents.extract_text(data, name)
        return Converted(name, speech=speaker.speak(text, voice, lexicon))
    except ServiceError as exc:
        return Converted(name, reason=exc.message)
    except (EngineError, ValueError) as exc:
        return Converted(name, reason=say("batch_no_audio", reason=exc))


# --------------------------------------------------------------------------- web batch jobs
MAX_DOCUMENTS = 200
JOB_LIFETIME_S = 24 * 3600


@dataclass
class JobItem:
    """One uploaded document of a batch job and how far it got."""

    name: str
    mp3_name: str
    status: str = "waiting"  # waiting → working → done | refused
    reason: str = ""
    duration_s: float = 0.0


@dataclass
class Job:
    """A batch of documents converted in the background for one user; MP3s are kept in ``directory``."""

    id: str
    user_id: int
    created: float
    directory: Path
    items: list[JobItem]

    @property
    def finished(self) -> bool:
        return all(item.status in ("done", "refused") for item in self.items)

    def as_dict(self) -> dict[str, object]:
        done = sum(1 for item in self.items if item.status == "done")
        refused = sum(1 for item in self.items if item.status == "refused")
        return {"id": self.id, "total": len(self.items), "done": done, "refused": refused, "finished": self.finished,
                "items": [vars(item).copy() for item in self.items]}


class BatchJobs:
    """The batch jobs of one service process: one background worker converts documents in turn, so a batch of
    180 documents never takes more than one core from the broadcasts; finished jobs expire after a day."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch")

    def submit(self, speaker: Speaker, user_id: int, files: list[tuple[str, bytes]], voice: str | None,
               lexicon: Lexicon | None, max_bytes: int) -> Job:
        """Start converting ``files`` (name, bytes) for ``user_id``; returns at once."""
        if not files:
            raise InvalidInput(say("batch_none_chosen"))
        if len(files) > MAX_DOCUMENTS:
            raise InvalidInput(say("batch_too_many", count=MAX_DOCUMENTS))
        speaker.profile(voice)  # an unknown voice is refused now, not once per document
        self._expire()
        job_id = secrets.token_urlsafe(12)
        directory = self.root / job_id
        directory.mkdir(parents=True, exist_ok=False)
        names = mp3_names(name for name, _ in files)
        job = Job(job_id, user_id, time.time(), directory,
                  [JobItem(name, mp3) for (name, _), mp3 in zip(files, names, strict=True)])
        with self._lock:
            self._jobs[job_id] = job
        self._worker.submit(self._run, speaker, job, [data for _, data in files], voice, lexicon, max_bytes)
        return job

    def get(self, job_id: str, user_id: int) -> Job:
        """The job if it belongs to ``user_id``; anyone else's job does not exist for them."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.user_id != user_id:
            raise NotFound(say("batch_unknown"))
        return job

    def of_user(self, user_id: int) -> list[Job]:
        with self._lock:
            jobs = [job for job in self._jobs.values() if job.user_id == user_id]
        return sorted(jobs, key=lambda job: job.created, reverse=True)

    def zip_bytes(self, job: Job) -> bytes:
        """The converted MP3s of a job as a zip (stored, not deflated: MP3 does not compress)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for item in job.items:
                if item.status == "done":
                    archive.write(job.directory / item.mp3_name, item.mp3_name)
        return buffer.getvalue()

    def _run(self, speaker: Speaker, job: Job, blobs: list[bytes], voice: str | None, lexicon: Lexicon | None,
             max_bytes: int) -> None:
        for item, data in zip(job.items, blobs, strict=True):
            item.status = "working"
            try:
                done = convert(speaker, data, item.name, voice, lexicon, max_bytes)
                if done.speech is None:
                    item.reason, item.status = done.reason, "refused"
                    continue
                atomic_write(job.directory / item.mp3_name, done.speech.audio.mp3, fsync=False)
                item.duration_s = round(done.speech.audio.duration_s, 1)
                item.status = "done"
            except Exception as exc:  # one document must never stop the batch; the reason is shown
                log.exception("batch %s: %s failed", job.id, item.name)
                item.reason, item.status = say("batch_failed", reason=exc), "refused"

    def _expire(self) -> None:
        cutoff = time.time() - JOB_LIFETIME_S
        with self._lock:
            old = [job for job in self._jobs.values() if job.created < cutoff and job.finished]
            for job in old:
                del self._jobs[job.id]
        for job in old:
            shutil.rmtree(job.directory, ignore_errors=True)
