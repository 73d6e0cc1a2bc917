"""station location: point, area polygon and administrative codes (CAP area matching)

Revision ID: 0009_station_location
Revises: 0008_object_mirror
Create Date: 2026-11-28 09:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009_station_location'
down_revision: str | None = '0008_object_mirror'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lon', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('area_geojson', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('province_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('district_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('commune_code', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_station_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_district_code'), ['district_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_commune_code'), ['commune_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_commune_code'))
        batch_op.drop_index(batch_op.f('ix_station_district_code'))
        batch_op.drop_index(batch_op.f('ix_station_province_code'))
        batch_op.drop_column('commune_code')
        batch_op.drop_column('district_code')
        batch_op.drop_column('province_code')
        batch_op.drop_column('area_geojson')
        batch_op.drop_column('lon')
        batch_op.drop_column('lat')
