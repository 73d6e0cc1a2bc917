"""receiver events: the start of playback (``started_at``) beside its end (``at``)

Revision ID: 0005_played_start
Revises: 0004_voice_choice
Create Date: 2026-11-28 04:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import broadcast.models.types

revision: str = '0005_played_start'
down_revision: str | None = '0004_voice_choice'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('receiverevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('receiverevent', schema=None) as batch_op:
        batch_op.drop_column('started_at')
