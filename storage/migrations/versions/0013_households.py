"""households: the homes a community looks after

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00.000000

Wishes, the fund's payouts and the case file are about a household, not only a person: an
elder without a phone belongs to one as much as her son who uses the bot. `households` holds
them, each with a code ("A17") that is all anyone but its coordinators sees; `users.household_id`
says whose home someone lives in.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=128), nullable=False),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_households_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_households_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['place_id'], ['places.id'], name=op.f('fk_households_place_id_places'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('community_id', 'code', name=op.f('uq_households_community_id')),
    )
    op.create_index(op.f('ix_households_community_id'), 'households', ['community_id'], unique=False)
    name = 'fk_users_household_id_households'
    # A plain ADD COLUMN with its REFERENCES, never a batch "recreate" (see 0009).
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(sa.text(
            f'ALTER TABLE users ADD COLUMN household_id INTEGER CONSTRAINT {name} '
            'REFERENCES households (id) ON DELETE SET NULL'
        ))
    else:
        op.add_column('users', sa.Column('household_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(name), 'users', 'households', ['household_id'], ['id'], ondelete='SET NULL')
    op.create_index(op.f('ix_users_household_id'), 'users', ['household_id'], unique=False)


def downgrade() -> None:
    # On SQLite this recreates the users table: take a copy of the database first.
    op.drop_index(op.f('ix_users_household_id'), table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_users_household_id_households'), type_='foreignkey')
        batch_op.drop_column('household_id')
    op.drop_index(op.f('ix_households_community_id'), table_name='households')
    op.drop_table('households')
