"""communities: many communities (and the streets and districts above them) on one deployment

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 19:00:00.000000

Until now a deployment was one community, configured by the environment. From here every
person, request, check-in plan, pairing, broadcast, place, invite and call-back belongs to a
row of `communities`. An existing database is moved over by itself: one community is made
(slug `main`, its settings left empty so the environment's still apply) and everything
already recorded is put in it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index the column): what belongs to a community from now on.
_OWNED = (
    ('users', True),
    ('places', True),
    ('invites', False),
    ('help_requests', True),
    ('checkin_plans', True),
    ('pairings', True),
    ('broadcasts', True),
    ('call_backs', True),
)
# Always set by the code; users' stays empty while someone is still registering.
_REQUIRED = tuple(table for table, _ in _OWNED if table != 'users')


def upgrade() -> None:
    op.create_table('communities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.Enum('district', 'street', 'community', name='communitylevel', native_enum=False, length=24), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('slug', sa.String(length=32), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('quiet_hours', sa.String(length=16), nullable=True),
    sa.Column('emergency_numbers', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('coordinator_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('volunteer_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['communities.id'], name=op.f('fk_communities_parent_id_communities'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communities')),
    sa.UniqueConstraint('slug', name=op.f('uq_communities_slug')),
    sa.UniqueConstraint('coordinator_chat_id', name=op.f('uq_communities_coordinator_chat_id')),
    sa.UniqueConstraint('volunteer_chat_id', name=op.f('uq_communities_volunteer_chat_id')),
    )
    op.create_index(op.f('ix_communities_parent_id'), 'communities', ['parent_id'], unique=False)
    op.create_table('served_communities',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('added_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_served_communities_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_served_communities_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_served_communities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'community_id', name=op.f('pk_served_communities')),
    )
    communities = sa.table(
        'communities',
        sa.column('id', sa.Integer()), sa.column('level', sa.String()), sa.column('name', sa.String()),
        sa.column('slug', sa.String()), sa.column('created_at', storage.types.UTCDateTime(timezone=True)),
    )
    op.bulk_insert(communities, [
        {'id': 1, 'level': 'community', 'name': 'Community', 'slug': 'main', 'created_at': datetime.now(UTC)},
    ])
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if not sqlite:  # the row above was given its id by hand: move the sequence past it
        op.execute(sa.text("SELECT setval(pg_get_serial_sequence('communities', 'id'), 1)"))
    for table, indexed in _OWNED:
        name = f'fk_{table}_community_id_communities'
        # A plain ADD COLUMN with its REFERENCES, never a batch "recreate" (see 0009).
        if sqlite:
            op.execute(sa.text(
                f'ALTER TABLE {table} ADD COLUMN community_id INTEGER CONSTRAINT {name} '
                'REFERENCES communities (id)'
            ))
        else:
            op.add_column(table, sa.Column('community_id', sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(name), table, 'communities', ['community_id'], ['id'])
        if table == 'users':
            op.execute(sa.text('UPDATE users SET community_id = 1 WHERE onboarded_at IS NOT NULL'))
        else:
            op.execute(sa.text(f'UPDATE {table} SET community_id = 1'))
        if indexed:
            op.create_index(op.f(f'ix_{table}_community_id'), table, ['community_id'], unique=False)
        if not sqlite and table in _REQUIRED:
            op.alter_column(table, 'community_id', existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    # On SQLite this recreates the tables: take a copy of the database first.
    for table, indexed in reversed(_OWNED):
        if indexed:
            op.drop_index(op.f(f'ix_{table}_community_id'), table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_community_id_communities'), type_='foreignkey')
            batch_op.drop_column('community_id')
    op.drop_table('served_communities')
    op.drop_index(op.f('ix_communities_parent_id'), table_name='communities')
    op.drop_table('communities')
