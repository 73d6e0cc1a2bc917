"""who spoke: per-sentence engine, model and voice of an audio asset, and its failovers

Revision ID: 0003_who_spoke
Revises: 0002_scheduling
Create Date: 2026-11-28 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_who_spoke'
down_revision: str | None = '0002_scheduling'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audioasset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speakers', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('audioasset', schema=None) as batch_op:
        batch_op.drop_column('speakers')
