"""storehouse: goods per community, the append-only log of movements, recurring pledges

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:00:00.000000

`store_items` holds each kind of goods of a community with its kept stock (never below zero);
`store_movements` every batch received (expiry date, donor or anonymous, pledge) and every gift
to a household (maybe lighting a wish), never changed; `store_pledges` recurring gifts of a
household or a named shop and when each is next due.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('store_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('is_food', sa.Boolean(), nullable=False),
    sa.Column('low_at', sa.Integer(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_store_items_stock_not_negative')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_store_items_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_store_items_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_items')),
    sa.UniqueConstraint('community_id', 'name', name=op.f('uq_store_items_community_id'))
    )
    op.create_index(op.f('ix_store_items_community_id'), 'store_items', ['community_id'], unique=False)
    op.create_table('store_pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('shop_name', sa.String(length=64), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('cadence', sa.Enum('days', 'monthly', name='pledgecadence', native_enum=False, length=24), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=False),
    sa.Column('stopped_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_store_pledges_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_store_pledges_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_store_pledges_household_id_households')),
    sa.ForeignKeyConstraint(['item_id'], ['store_items.id'], name=op.f('fk_store_pledges_item_id_store_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_pledges'))
    )
    op.create_index(op.f('ix_store_pledges_community_id'), 'store_pledges', ['community_id'], unique=False)
    op.create_index(op.f('ix_store_pledges_next_due_on'), 'store_pledges', ['next_due_on'], unique=False)
    op.create_table('store_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('received', 'given', name='movementkind', native_enum=False, length=24), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('donor', sa.String(length=64), nullable=True),
    sa.Column('pledge_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('wish_id', sa.Integer(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_store_movements_quantity_positive')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_store_movements_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_store_movements_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_store_movements_household_id_households')),
    sa.ForeignKeyConstraint(['item_id'], ['store_items.id'], name=op.f('fk_store_movements_item_id_store_items')),
    sa.ForeignKeyConstraint(['pledge_id'], ['store_pledges.id'], name=op.f('fk_store_movements_pledge_id_store_pledges'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['wish_id'], ['wishes.id'], name=op.f('fk_store_movements_wish_id_wishes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_movements'))
    )
    op.create_index(op.f('ix_store_movements_community_id'), 'store_movements', ['community_id'], unique=False)
    op.create_index(op.f('ix_store_movements_household_id'), 'store_movements', ['household_id'], unique=False)
    op.create_index('ix_store_movements_item_kind', 'store_movements', ['item_id', 'kind'], unique=False)
    op.create_index(op.f('ix_store_movements_pledge_id'), 'store_movements', ['pledge_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_store_movements_pledge_id'), table_name='store_movements')
    op.drop_index('ix_store_movements_item_kind', table_name='store_movements')
    op.drop_index(op.f('ix_store_movements_household_id'), table_name='store_movements')
    op.drop_index(op.f('ix_store_movements_community_id'), table_name='store_movements')
    op.drop_table('store_movements')
    op.drop_index(op.f('ix_store_pledges_next_due_on'), table_name='store_pledges')
    op.drop_index(op.f('ix_store_pledges_community_id'), table_name='store_pledges')
    op.drop_table('store_pledges')
    op.drop_index(op.f('ix_store_items_community_id'), table_name='store_items')
    op.drop_table('store_items')
