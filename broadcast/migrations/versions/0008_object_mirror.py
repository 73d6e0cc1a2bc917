"""object storage mirror: what the service keeps in the S3 bucket

Revision ID: 0008_object_mirror
Revises: 0007_notifications
Create Date: 2026-11-28 05:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import broadcast.models.types

revision: str = '0008_object_mirror'
down_revision: str | None = '0007_notifications'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('mirrorobject',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unreferenced_since', broadcast.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('error_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('mirrorobject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mirrorobject_station_id'), ['station_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mirrorobject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mirrorobject_station_id'))
    op.drop_table('mirrorobject')
