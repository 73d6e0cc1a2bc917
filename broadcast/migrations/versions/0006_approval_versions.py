"""approval bound to immutable bulletin versions

Adds ``bulletinversion`` (one row per state of a bulletin: text, voice, per-bulletin lexicon overrides, the
spoken text and the audio the reviewer heard) and ``bulletin.approved_version_id``. Existing bulletins get a
version row each:

- ``ready`` → an *approved* version bound to the audio that airs today (its sha256 and spoken text);
- ``draft`` / ``rejected`` → a draft / rejected version;
- ``submitted`` → a pending version (its audio is made for the reviewer);
- ``approved`` (waiting for synthesis) and ``failed`` → the approver never heard audio, so the bulletin goes
  back to ``submitted`` with a pending version: it is rendered and must be approved again after listening;
- ``cancelled`` → a superseded version.

Revision ID: 0006_approval_versions
Revises: 0005_played_start
Create Date: 2026-11-28 04:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import broadcast.models.types

revision: str = '0006_approval_versions'
down_revision: str | None = '0005_played_start'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATE = {"draft": "draft", "rejected": "rejected", "submitted": "pending", "approved": "pending",
          "failed": "pending", "ready": "approved", "cancelled": "superseded"}


def upgrade() -> None:
    op.create_table('bulletinversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=200000), nullable=False),
    sa.Column('voice', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('speed', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Enum('normal', 'priority', 'emergency', name='priority', native_enum=False,
                                  create_constraint=False, length=16), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('lexicon_overrides', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('spoken_text', sqlmodel.sql.sqltypes.AutoString(length=1000000), nullable=False),
    sa.Column('spoken_json', sqlmodel.sql.sqltypes.AutoString(length=2000000), nullable=False),
    sa.Column('state', sa.Enum('draft', 'pending', 'approved', 'rejected', 'superseded', name='versionstate',
                               native_enum=False, create_constraint=False, length=16), nullable=False),
    sa.Column('asset_id', sa.Integer(), nullable=True),
    sa.Column('audio_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['approved_by'], ['user.id'], ),
    sa.ForeignKeyConstraint(['asset_id'], ['audioasset.id'], ),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bulletin_id', 'number')
    )
    with op.batch_alter_table('bulletinversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletinversion_bulletin_id'), ['bulletin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulletinversion_state'), ['state'], unique=False)
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_version_id', sa.Integer(), nullable=True))
    _convert_existing()


def _convert_existing() -> None:
    """One version row per existing bulletin (see the module docstring for the mapping)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT b.id, b.title, b.text, b.voice, b.speed, b.priority, b.source, b.status, b.version, b.asset_id,"
        " b.created_by, b.created_at, b.approved_by, b.approved_at, b.review_comment, a.sha256, a.spoken_text"
        " FROM bulletin b LEFT JOIN audioasset a ON a.id = b.asset_id")).all()
    for row in rows:
        status = row.status
        state = _STATE.get(status, "draft")
        approved = state == "approved" and row.asset_id is not None
        if state == "approved" and not approved:
            state = "pending"
        recording = row.source == "recording"
        asset_id = row.asset_id if approved or recording else None
        connection.execute(sa.text(
            "INSERT INTO bulletinversion (bulletin_id, number, reason, title, text, voice, speed, priority, source,"
            " lexicon_overrides, spoken_text, spoken_json, state, asset_id, audio_sha256, error, created_by,"
            " created_at, approved_by, approved_at, review_comment) VALUES (:bulletin_id, :number, 'migration',"
            " :title, :text, :voice, :speed, :priority, :source, '{}', :spoken, '[]', :state, :asset_id, :sha256, NULL,"
            " :created_by, :created_at, :approved_by, :approved_at, :review_comment)"),
            {"bulletin_id": row.id, "number": row.version or 1, "title": row.title, "text": row.text,
             "voice": row.voice, "speed": row.speed or 0, "priority": row.priority, "source": row.source,
             "spoken": (row.spoken_text or "") if approved else "", "state": state, "asset_id": asset_id,
             "sha256": row.sha256 if asset_id else None, "created_by": row.created_by,
             "created_at": row.created_at, "approved_by": row.approved_by if approved else None,
             "approved_at": row.approved_at if approved else None, "review_comment": row.review_comment})
        if approved:
            version_id = connection.execute(sa.text(
                "SELECT id FROM bulletinversion WHERE bulletin_id = :b AND number = :n"),
                {"b": row.id, "n": row.version or 1}).scalar_one()
            connection.execute(sa.text("UPDATE bulletin SET approved_version_id = :v WHERE id = :b"),
                               {"v": version_id, "b": row.id})
        elif status in ("approved", "failed"):
            connection.execute(sa.text(
                "UPDATE bulletin SET status = 'submitted', asset_id = NULL, approved_by = NULL,"
                " approved_at = NULL, error = NULL WHERE id = :b"), {"b": row.id})


def downgrade() -> None:
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.drop_column('approved_version_id')
    with op.batch_alter_table('bulletinversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulletinversion_state'))
        batch_op.drop_index(batch_op.f('ix_bulletinversion_bulletin_id'))
    op.drop_table('bulletinversion')
