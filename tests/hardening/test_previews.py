"""Item 6: previews of unapproved text expire (their media goes) and each user has a cap on concurrent ones."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from broadcast.db import session_scope
from broadcast.models import AudioAsset, BulletinVersion, Priority, User, utcnow
from broadcast.services.bulletins import create_bulletin
from broadcast.services.previews import expire_unreferenced
from tests.conftest import World


def _preview(client, csrf: str, text: str):  # type: ignore[no-untyped-def]
    return client.post("/bulletins/preview", data={"text": text},
                       headers={"X-CSRF-Token": csrf, "X-Requested-With": "fetch"})


def test_preview_audio_expires_unless_a_version_uses_it(web_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    client, csrf = web_client("editor")
    reply = _preview(client, csrf, "Thông báo họp dân lúc 7 giờ sáng mai tại nhà văn hoá thôn.")
    assert reply.status_code == 200, reply.text
    root = Path(runtime.media.root)
    with session_scope(runtime.engine) as session:
        preview = session.exec(select(AudioAsset)).one()  # the world has no audio before the preview
        assert preview.sha256 in reply.text  # the page offers exactly this audio
        kept = AudioAsset(sha256="b" * 64, path="bb/" + "b" * 64 + ".mp3", bytes=3, format="mp3", duration_s=1.0)
        session.add(kept)
        session.flush()
        editor = session.exec(select(User).where(User.username == "editor")).one()
        create_bulletin(session, editor, title="Giữ", text="Giữ âm thanh này.", priority=Priority.normal,
                        voice="mien-bac", station_codes=["xa-a"])
        version = session.exec(select(BulletinVersion)).one()  # a version that uses the second asset
        version.asset_id = kept.id
        session.add(version)
        preview_path, kept_path = root / preview.path, root / kept.path
    kept_path.parent.mkdir(parents=True, exist_ok=True)
    kept_path.write_bytes(b"mp3")
    assert preview_path.is_file()
    ttl = timedelta(hours=runtime.settings.preview_ttl_hours)
    # Younger than the TTL: nothing goes.
    assert expire_unreferenced(runtime.engine, root, utcnow(), ttl) == []
    # Past the TTL: the preview's row and file go, the asset a version uses stays.
    removed = expire_unreferenced(runtime.engine, root, utcnow() + ttl + timedelta(minutes=1), ttl)
    assert removed == [preview.path]
    assert not preview_path.exists() and kept_path.is_file()
    with session_scope(runtime.engine) as session:
        left = set(session.exec(select(AudioAsset.sha256)).all())
    assert preview.sha256 not in left and "b" * 64 in left


def test_concurrent_previews_per_user_are_capped(web_client, world: World, runtime) -> None:  # type: ignore[no-untyped-def]
    client, csrf = web_client("editor")
    slots = runtime.preview_slots
    editor_id = _user_id(runtime, "editor")
    for _ in range(runtime.settings.previews_per_user):  # this user's previews still being synthesised
        slots.acquire(editor_id)
    try:
        refused = _preview(client, csrf, "Thông báo họp dân.")
        assert refused.status_code == 429, refused.text
        assert "cùng lúc" in refused.text
        other, other_csrf = web_client("approver")  # another user is not held up
        assert _preview(other, other_csrf, "Thông báo họp dân.").status_code == 200
    finally:
        for _ in range(runtime.settings.previews_per_user):
            slots.release(editor_id)
    assert _preview(client, csrf, "Thông báo họp dân.").status_code == 200  # slots free again


def _user_id(runtime, username: str) -> int:  # type: ignore[no-untyped-def]
    from broadcast.models import User

    with session_scope(runtime.engine) as session:
        return session.exec(select(User.id).where(User.username == username)).one()
