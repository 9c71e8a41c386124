"""fund campaigns: a goal, gifts tagged towards it, a progress message per group; each
community's currency

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 15:00:00.000000

`fund_campaigns` a campaign of a community's fund (a title, a goal in fen, perhaps an end
date); `fund_campaign_gifts` tags a transfer of money received as given towards one (the money
stays in the one fund account); `fund_campaign_counters` each group's progress message, edited
through the outbox. `communities.currency` the ISO 4217 code of its fund (empty: inherited
along the tree, at the top CNY).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('fund_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('goal', sa.BigInteger(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTC, nullable=False),
    sa.Column('closed_at', UTC, nullable=True),
    sa.Column('closed_why', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_campaigns_community_id_communities')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_fund_campaigns_opened_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_campaigns'))
    )
    op.create_index(op.f('ix_fund_campaigns_community_id'), 'fund_campaigns', ['community_id'], unique=False)
    op.create_table('fund_campaign_gifts',
    sa.Column('transfer_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['fund_campaigns.id'], name=op.f('fk_fund_campaign_gifts_campaign_id_fund_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transfer_id'], ['ledger_transfers.id'], name=op.f('fk_fund_campaign_gifts_transfer_id_ledger_transfers')),
    sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_fund_campaign_gifts'))
    )
    op.create_index(op.f('ix_fund_campaign_gifts_campaign_id'), 'fund_campaign_gifts', ['campaign_id'], unique=False)
    op.create_table('fund_campaign_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('edit_id', sa.Integer(), nullable=True),
    sa.Column('shown', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['fund_campaigns.id'], name=op.f('fk_fund_campaign_counters_campaign_id_fund_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['edit_id'], ['outbox_messages.id'], name=op.f('fk_fund_campaign_counters_edit_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_messages.id'], name=op.f('fk_fund_campaign_counters_outbox_id_outbox_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_campaign_counters'))
    )
    op.create_index(op.f('ix_fund_campaign_counters_campaign_id'), 'fund_campaign_counters', ['campaign_id'], unique=False)
    op.add_column('communities', sa.Column('currency', sa.String(length=3), nullable=True))


def downgrade() -> None:
    # not a batch: on SQLite that copies `communities`, which rows of other tables refer to
    op.drop_column('communities', 'currency')
    op.drop_index(op.f('ix_fund_campaign_counters_campaign_id'), table_name='fund_campaign_counters')
    op.drop_table('fund_campaign_counters')
    op.drop_index(op.f('ix_fund_campaign_gifts_campaign_id'), table_name='fund_campaign_gifts')
    op.drop_table('fund_campaign_gifts')
    op.drop_index(op.f('ix_fund_campaigns_community_id'), table_name='fund_campaigns')
    op.drop_table('fund_campaigns')
