"""push secrets encrypted at rest: room for the ciphertext (rows are encrypted at start-up)

Revision ID: 0011_push_secret_encrypted
Revises: 0010_cap_alerts
Create Date: 2026-11-28 10:25:00
"""
from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = '0011_push_secret_encrypted'
down_revision: str | None = '0010_cap_alerts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.alter_column('push_secret', type_=sqlmodel.sql.sqltypes.AutoString(length=400),
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.alter_column('push_secret', type_=sqlmodel.sql.sqltypes.AutoString(length=200),
                              existing_type=sqlmodel.sql.sqltypes.AutoString(length=400), existing_nullable=True)
