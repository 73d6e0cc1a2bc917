"""Media downloads by content hash: immutable, cacheable, with Range support for resuming."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from broadcast.api.deps import RuntimeDep
from broadcast.media import SHA256_RE

router = APIRouter(tags=["media"])


@router.get("/media/{sha256}.mp3", response_class=FileResponse)
def download(sha256: str, runtime: RuntimeDep) -> FileResponse:
    """The MP3 with this SHA-256. Public by design: the hash is unguessable and the content is meant to air."""
    if not SHA256_RE.match(sha256):
        raise HTTPException(404, "not a media file name")
    path = runtime.media.path_for(sha256)
    if not path.is_file():
        raise HTTPException(404, "no such media")
    return FileResponse(path, media_type="audio/mpeg", headers={
        "Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha256}"'})
