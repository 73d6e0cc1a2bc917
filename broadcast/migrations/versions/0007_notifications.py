"""notifications: the staff inbox and e-mail state; users' e-mail address

Revision ID: 0007_notifications
Revises: 0006_approval_versions
Create Date: 2026-11-28 05:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import broadcast.models.types

revision: str = '0007_notifications'
down_revision: str | None = '0006_approval_versions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('body', sa.String(length=2000), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=False),
        sa.Column('created_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', broadcast.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('email_status', sa.String(length=16), nullable=False),
        sa.Column('email_error', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'key'),
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_email_status'), ['email_status'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_email_status'))
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
    op.drop_table('notification')
