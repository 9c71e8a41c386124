"""numbers digests: the day and hour each community's coordinators get their weekly numbers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 12:30:00.000000

`numbers_digests` holds, per community (street, district), the weekday and local hour its
coordinators chose for the weekly digest of /numbers, and when it is next due.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('numbers_digests',
    sa.Column('community_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('next_due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_numbers_digests_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_numbers_digests_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('community_id', name=op.f('pk_numbers_digests'))
    )
    op.create_index(op.f('ix_numbers_digests_next_due_at'), 'numbers_digests', ['next_due_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_numbers_digests_next_due_at'), table_name='numbers_digests')
    op.drop_table('numbers_digests')
