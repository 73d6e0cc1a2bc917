"""The approval-versions migration turns existing bulletins into version rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text
from sqlmodel import Session, select

from broadcast.db import alembic_config, make_engine, upgrade
from broadcast.models import Bulletin, BulletinStatus, BulletinVersion, VersionState

BEFORE = "0005_played_start"
ROWS = {  # status before → (state of its version, status after, airs)
    "ready": (VersionState.approved, BulletinStatus.ready, True),
    "approved": (VersionState.pending, BulletinStatus.submitted, False),  # approved unheard: review again
    "failed": (VersionState.pending, BulletinStatus.submitted, False),
    "submitted": (VersionState.pending, BulletinStatus.submitted, False),
    "draft": (VersionState.draft, BulletinStatus.draft, False),
    "rejected": (VersionState.rejected, BulletinStatus.rejected, False),
}


def test_existing_bulletins_become_versions(db_url: str) -> None:
    engine = make_engine(db_url)
    config = alembic_config(db_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO \"user\" (username, full_name, password_hash, role, active, created_at)"
            " VALUES ('tac-gia', '', 'x', 'editor', true, CURRENT_TIMESTAMP)"))
        connection.execute(text(
            "INSERT INTO audioasset (sha256, path, bytes, format, duration_s, engine, spoken_text, speakers,"
            " created_at) VALUES (:sha, 'ab/x.mp3', 1000, 'mp3', 3.5, 'espeak-ng', 'Ủy ban nhân dân xã', '',"
            " CURRENT_TIMESTAMP)"), {"sha": "a" * 64})
        asset_id = connection.execute(text("SELECT id FROM audioasset")).scalar_one()
        for status in ROWS:
            connection.execute(text(
                "INSERT INTO bulletin (title, text, source, priority, voice, speed, status, version, asset_id,"
                " created_by, created_at, updated_at) VALUES (:title, 'UBND xã', 'text', 'normal', 'mien-bac', 1,"
                " :status, 3, :asset, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                {"title": status, "status": status, "asset": asset_id if status == "ready" else None})
    upgrade(engine)
    with Session(engine) as session:
        for bulletin in session.exec(select(Bulletin)).all():
            state, status, airs = ROWS[bulletin.title]
            version = session.exec(select(BulletinVersion).where(BulletinVersion.bulletin_id == bulletin.id)).one()
            assert (version.number, version.state, version.reason, version.speed) == (3, state, "migration", 1)
            assert bulletin.status == status, bulletin.title
            if airs:
                assert bulletin.approved_version_id == version.id and bulletin.asset_id == version.asset_id
                assert version.audio_sha256 == "a" * 64 and version.spoken_text == "Ủy ban nhân dân xã"
            else:
                assert bulletin.approved_version_id is None and bulletin.asset_id is None
                assert version.asset_id is None and version.spoken_text == ""
    engine.dispose()
