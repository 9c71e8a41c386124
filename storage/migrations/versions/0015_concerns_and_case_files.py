"""concerns and case files

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 11:49:27.339286

A neighbour's concern about someone (主动发现) goes to the coordinators, who link it to a
household and owe it a follow-up (a call, a visit) by a due time; a household has a short needs
assessment. `concerns`, `follow_ups` and `needs_assessments` hold them, and
`household_members` the people of a household who do not use linli (an elder without a
phone). New tables only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('needs_assessments',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('lives_alone', sa.Boolean(), nullable=True),
    sa.Column('mobility', sa.Enum('good', 'limited', 'housebound', name='mobility', native_enum=False, length=24), nullable=True),
    sa.Column('hearing', sa.Enum('good', 'hard', name='hearing', native_enum=False, length=24), nullable=True),
    sa.Column('low_income', sa.Enum('none', 'dibao', 'dibian', 'tekun', name='lowincome', native_enum=False, length=24), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_needs_assessments_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_needs_assessments_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_needs_assessments'))
    )
    op.create_table('concerns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('voice_file_id', sa.String(length=255), nullable=True),
    sa.Column('photo_file_id', sa.String(length=255), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('building', sa.String(length=64), nullable=True),
    sa.Column('person_name', sa.String(length=64), nullable=True),
    sa.Column('wants_outcome', sa.Boolean(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', 'merged', name='concernstatus', native_enum=False, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_concerns_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_concerns_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_concerns_household_id_households'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['concerns.id'], name=op.f('fk_concerns_merged_into_id_concerns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_concerns_place_id_places'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_concerns_reporter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concerns'))
    )
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concerns_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_concerns_status'), ['status'], unique=False)

    op.create_table('follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('concern_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('call', 'visit', name='followupkind', native_enum=False, length=24), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_step', sa.Integer(), nullable=False),
    sa.Column('next_due_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('flagged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_follow_ups_community_id_communities')),
    sa.ForeignKeyConstraint(['concern_id'], ['concerns.id'], name=op.f('fk_follow_ups_concern_id_concerns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_follow_ups_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_follow_ups_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_follow_ups_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_follow_ups_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_ups_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_ups_next_due_at'), ['next_due_at'], unique=False)

    op.create_table('household_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_household_members_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_members_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_members'))
    )
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_members_household_id'), ['household_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_members_household_id'))

    op.drop_table('household_members')
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_ups_next_due_at'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_household_id'))
        batch_op.drop_index(batch_op.f('ix_follow_ups_community_id'))

    op.drop_table('follow_ups')
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concerns_status'))
        batch_op.drop_index(batch_op.f('ix_concerns_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_concerns_household_id'))
        batch_op.drop_index(batch_op.f('ix_concerns_community_id'))

    op.drop_table('concerns')
    op.drop_table('needs_assessments')
