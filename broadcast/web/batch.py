"""Batch page: upload many documents, follow their conversion, download the MP3s as one zip (issue 11).

The conversion is :mod:`broadcast.services.batch` (the same reader, cleaner, normaliser and voices as a
single bulletin and as ``broadcast say``); this module only handles the pages. A job belongs to the person
who started it: anyone else gets "not found".
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from broadcast.errors import InvalidInput, ServiceError
from broadcast.services import documents, lexicon
from broadcast.services.batch import MAX_DOCUMENTS, BatchJobs
from broadcast.web import i18n
from broadcast.web.core import Web, WebCtx, WebPost, WebRoute, redirect, render
from broadcast.web.messages import say

router = APIRouter(route_class=WebRoute)
_registries: dict[Path, BatchJobs] = {}
_registries_lock = threading.Lock()


def jobs_for(ctx: WebCtx) -> BatchJobs:
    """The batch jobs of this service (one registry per data directory)."""
    root = ctx.settings.data_dir / "batches"
    with _registries_lock:
        found = _registries.get(root)
        if found is None:
            found = _registries[root] = BatchJobs(root)
        return found


def _voices(ctx: WebCtx) -> list[str]:
    speaker = ctx.runtime.speaker
    return [speaker.default_voice] + sorted(v for v in speaker.profiles if v != speaker.default_voice)


def _page(ctx: WebCtx, error: i18n.Message | None = None, status_code: int = 200) -> HTMLResponse:
    return render(ctx, "batch.html", status_code=status_code, error=error, jobs=jobs_for(ctx).of_user(ctx.user.id),
                  voices=_voices(ctx), max_mb=ctx.settings.max_upload_mb, max_documents=MAX_DOCUMENTS)


@router.get("/batch", response_class=HTMLResponse)
def batch_page(ctx: Web) -> HTMLResponse:
    return _page(ctx)


@router.post("/batch", response_class=HTMLResponse)
def start(ctx: WebPost, files: Annotated[list[UploadFile] | None, File()] = None,
          voice: Annotated[str, Form()] = "") -> Response:
    """Check every upload before anything is converted; then convert in the background."""
    limit = ctx.settings.max_upload_mb * 1024 * 1024
    try:
        chosen = [f for f in files or [] if f.filename]
        blobs: list[tuple[str, bytes]] = []
        for upload in chosen:
            name = Path(upload.filename or "").name
            if documents.classify(name) != documents.UploadKind.document:
                raise InvalidInput(say("batch_not_text", name=name, suffixes=", ".join(documents.DOCUMENT_SUFFIXES)))
            blobs.append((name, upload.file.read(limit + 1)))
        current = lexicon.current_lexicon(ctx.session)
        job = jobs_for(ctx).submit(ctx.runtime.speaker, ctx.user.id, blobs, voice or None, current, limit)
    except ServiceError as exc:
        return _page(ctx, i18n.translate(exc.message), status_code=exc.status_code)
    return redirect(f"/batch/{job.id}")


@router.get("/batch/{job_id}", response_class=HTMLResponse)
def job_page(ctx: Web, job_id: str) -> HTMLResponse:
    job = jobs_for(ctx).get(job_id, ctx.user.id)
    return render(ctx, "batch_job.html", job=job, state=job.as_dict())


@router.get("/batch/{job_id}/status")
def job_status(ctx: Web, job_id: str) -> JSONResponse:
    return JSONResponse(jobs_for(ctx).get(job_id, ctx.user.id).as_dict())


@router.get("/batch/{job_id}/mp3.zip")
def job_zip(ctx: Web, job_id: str) -> Response:
    registry = jobs_for(ctx)
    job = registry.get(job_id, ctx.user.id)
    return Response(registry.zip_bytes(job), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="ban-tin-{job.id[:8]}.zip"'})
