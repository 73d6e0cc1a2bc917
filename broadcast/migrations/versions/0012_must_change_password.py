"""user.must_change_password: set by an admin's reset, cleared when the one-time password is changed

Revision ID: 0012_must_change_password
Revises: 0011_push_secret_encrypted
Create Date: 2026-11-28 10:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_must_change_password'
down_revision: str | None = '0011_push_secret_encrypted'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
