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
    # not batch mode (see downgrade): a plain ADD COLUMN with a default is in place on both backends
    op.add_column('user', sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                    server_default=sa.false()))


def downgrade() -> None:
    # not batch mode: on SQLite that copies and drops "user", which every other table references, and
    # the service's connections enforce foreign keys; SQLite (3.35+) drops a plain column in place
    op.drop_column('user', 'must_change_password')
