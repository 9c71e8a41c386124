"""time offers: anyone offers time (what, how long, when free), matched and credited once

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 15:00:00.000000

`time_offers` holds each offer of time of a community: who offered it, what (a kind tapped
and their words), how many minutes, when they are free, where it stands (open, matched,
done, withdrawn), the request or wish it was matched to, and a version for conditional
updates. The time itself is credited in the ledger (source "offer:<id>").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = storage.types.UTCDateTime(timezone=True)
    op.create_table('time_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('offered_by_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=True),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('free_when', sa.String(length=24), nullable=True),
    sa.Column('free_words', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('open', 'matched', 'done', 'withdrawn', native_enum=False, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('wish_id', sa.Integer(), nullable=True),
    sa.Column('matched_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', when, nullable=False),
    sa.Column('updated_at', when, nullable=False),
    sa.Column('given_at', when, nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_time_offers_community_id_communities')),
    sa.ForeignKeyConstraint(['offered_by_id'], ['users.id'], name=op.f('fk_time_offers_offered_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_time_offers_request_id_help_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_time_offers_wish_id_wishes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['matched_by_id'], ['users.id'], name=op.f('fk_time_offers_matched_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_offers')),
    )
    op.create_index('ix_time_offers_community_status', 'time_offers', ['community_id', 'status'], unique=False)
    op.create_index(op.f('ix_time_offers_offered_by_id'), 'time_offers', ['offered_by_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_time_offers_offered_by_id'), table_name='time_offers')
    op.drop_index('ix_time_offers_community_status', table_name='time_offers')
    op.drop_table('time_offers')
