"""CAP alerts: every alert received (raw XML, validation, matched stations, resulting bulletin) and feed state

Revision ID: 0010_cap_alerts
Revises: 0009_station_location
Create Date: 2026-11-28 09:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from broadcast.models.types import UTCDateTime

revision: str = '0010_cap_alerts'
down_revision: str | None = '0009_station_location'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _s(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        'capalert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sender', _s(300), nullable=False),
        sa.Column('identifier', _s(300), nullable=False),
        sa.Column('sent', UTCDateTime(timezone=True), nullable=False),
        sa.Column('status', _s(16), nullable=False),
        sa.Column('msg_type', _s(16), nullable=False),
        sa.Column('scope', _s(16), nullable=False),
        sa.Column('references', _s(4000), nullable=False),
        sa.Column('language', _s(32), nullable=False),
        sa.Column('in_vietnamese', sa.Boolean(), nullable=False),
        sa.Column('event', _s(300), nullable=False),
        sa.Column('headline', _s(1000), nullable=False),
        sa.Column('sender_name', _s(300), nullable=False),
        sa.Column('urgency', _s(16), nullable=False),
        sa.Column('severity', _s(16), nullable=False),
        sa.Column('certainty', _s(16), nullable=False),
        sa.Column('effective', UTCDateTime(timezone=True), nullable=True),
        sa.Column('expires', UTCDateTime(timezone=True), nullable=True),
        sa.Column('area_desc', _s(2000), nullable=False),
        sa.Column('raw_xml', sa.Text(), nullable=False),
        sa.Column('sha256', _s(64), nullable=False),
        sa.Column('via', _s(16), nullable=False),
        sa.Column('received_by', sa.Integer(), nullable=True),
        sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('validation', _s(300), nullable=False),
        sa.Column('matched_json', sa.Text(), nullable=False),
        sa.Column('bulletin_id', sa.Integer(), nullable=True),
        sa.Column('refers_to_id', sa.Integer(), nullable=True),
        sa.Column('outcome', _s(32), nullable=False),
        sa.Column('outcome_detail', _s(2000), nullable=False),
        sa.Column('auto_approve', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id']),
        sa.ForeignKeyConstraint(['received_by'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sender', 'identifier'),
    )
    with op.batch_alter_table('capalert', schema=None) as batch_op:
        for column in ('sender', 'sent', 'expires', 'sha256', 'received_at', 'bulletin_id', 'outcome'):
            batch_op.create_index(batch_op.f(f'ix_capalert_{column}'), [column], unique=False)
    op.create_table(
        'capfeed',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', _s(1000), nullable=False),
        sa.Column('etag', _s(300), nullable=False),
        sa.Column('last_modified', _s(100), nullable=False),
        sa.Column('last_polled_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('next_poll_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_error', _s(1000), nullable=False),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('url'),
    )


def downgrade() -> None:
    op.drop_table('capfeed')
    with op.batch_alter_table('capalert', schema=None) as batch_op:
        for column in ('sender', 'sent', 'expires', 'sha256', 'received_at', 'bulletin_id', 'outcome'):
            batch_op.drop_index(batch_op.f(f'ix_capalert_{column}'))
    op.drop_table('capalert')
