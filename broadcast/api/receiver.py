"""Receiver protocol v1, device side: the signed playlist and the signing key."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from broadcast.api.deps import CurrentReceiver, RuntimeDep, SessionDep
from broadcast.distribute.manifests import current_manifest
from broadcast.models import utcnow

router = APIRouter(prefix="/receiver", tags=["receiver protocol"])


def media_base(request: Request, configured: str) -> str:
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


@router.get("/signing-key")
def signing_key(runtime: RuntimeDep) -> dict[str, str]:
    """The Ed25519 public key receivers pin at enrolment (also printed by `broadcast keys show`)."""
    key = runtime.signing_key
    return {"alg": "Ed25519", "key_id": key.key_id, "public_key": key.public_b64}


@router.get("/playlist", responses={200: {"description": "Signed manifest"}, 304: {"description": "Unchanged"}})
def playlist(request: Request, receiver: CurrentReceiver, session: SessionDep, runtime: RuntimeDep) -> Response:
    """The receiver's signed manifest for the next 24 hours; send If-None-Match to get 304 when unchanged."""
    receiver.last_seen_at = utcnow()
    session.add(receiver)
    published = current_manifest(session, receiver, runtime.signing_key,
                                 media_base(request, runtime.settings.public_url))
    headers = {"ETag": published.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == published.etag:
        return Response(status_code=304, headers=headers)
    return Response(published.body, media_type="application/json", headers=headers)
