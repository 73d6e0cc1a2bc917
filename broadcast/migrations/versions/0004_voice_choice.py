"""voice choice: a bulletin's reading speed step and a station's default voice

Revision ID: 0004_voice_choice
Revises: 0003_who_spoke
Create Date: 2026-11-28 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004_voice_choice'
down_revision: str | None = '0003_who_spoke'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speed', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_voice', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_column('default_voice')
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.drop_column('speed')
