"""wishes: small wishes of households, verified by coordinators and lit by neighbours; campaign days

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 12:00:00.000000

点亮微心愿: a household's small wish (an item or a service), its verification, the donor's
claim with its deadline, delivery, receipt and thanks. One row per wish; every change is a
conditional UPDATE on its version. A campaign day gathers wishes, with a live counter
message in each of its groups.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, length=24)


def upgrade() -> None:
    when = storage.types.UTCDateTime(timezone=True)
    op.create_table('wish_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', when, nullable=False),
    sa.Column('closed_at', when, nullable=True),
    sa.ForeignKeyConstraint(['node_id'], ['communities.id'], name=op.f('fk_wish_campaigns_node_id_communities')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_wish_campaigns_opened_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_campaigns')),
    )
    op.create_table('wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('for_someone', sa.Boolean(), nullable=False),
    sa.Column('kind', _enum('item', 'service'), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('voice_file_id', sa.String(length=255), nullable=True),
    sa.Column('photo_file_id', sa.String(length=255), nullable=True),
    sa.Column('value_yuan', sa.Integer(), nullable=True),
    sa.Column('address_as', sa.String(length=32), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=128), nullable=False),
    sa.Column('status', _enum('pending', 'open', 'lit', 'delivered', 'received', 'declined', 'cancelled'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', when, nullable=False),
    sa.Column('updated_at', when, nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('donor_id', sa.Integer(), nullable=True),
    sa.Column('lit_at', when, nullable=True),
    sa.Column('due_at', when, nullable=True),
    sa.Column('reminded_at', when, nullable=True),
    sa.Column('times_lapsed', sa.Integer(), nullable=False),
    sa.Column('delivery', _enum('volunteer', 'pickup'), nullable=True),
    sa.Column('delivered_at', when, nullable=True),
    sa.Column('received_at', when, nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('thanks_text', sa.Text(), nullable=True),
    sa.Column('thanks_voice_file_id', sa.String(length=255), nullable=True),
    sa.Column('thanks_photo_file_id', sa.String(length=255), nullable=True),
    sa.Column('thanked_at', when, nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['wish_campaigns.id'], name=op.f('fk_wishes_campaign_id_wish_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_wishes_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_wishes_household_id_households')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_wishes_posted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_wishes_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['donor_id'], ['users.id'], name=op.f('fk_wishes_donor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_wishes_received_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishes')),
    )
    op.create_index('ix_wishes_status_due', 'wishes', ['status', 'due_at'], unique=False)
    op.create_index('ix_wishes_community_status', 'wishes', ['community_id', 'status'], unique=False)
    op.create_index(op.f('ix_wishes_household_id'), 'wishes', ['household_id'], unique=False)
    op.create_index(op.f('ix_wishes_donor_id'), 'wishes', ['donor_id'], unique=False)
    op.create_index(op.f('ix_wishes_campaign_id'), 'wishes', ['campaign_id'], unique=False)
    op.create_table('wish_campaign_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('edit_id', sa.Integer(), nullable=True),
    sa.Column('shown', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['wish_campaigns.id'], name=op.f('fk_wish_campaign_counters_campaign_id_wish_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_messages.id'], name=op.f('fk_wish_campaign_counters_outbox_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['edit_id'], ['outbox_messages.id'], name=op.f('fk_wish_campaign_counters_edit_id_outbox_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wish_campaign_counters')),
    )
    op.create_index(op.f('ix_wish_campaign_counters_campaign_id'), 'wish_campaign_counters', ['campaign_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_wish_campaign_counters_campaign_id'), table_name='wish_campaign_counters')
    op.drop_table('wish_campaign_counters')
    op.drop_index(op.f('ix_wishes_campaign_id'), table_name='wishes')
    op.drop_index(op.f('ix_wishes_donor_id'), table_name='wishes')
    op.drop_index(op.f('ix_wishes_household_id'), table_name='wishes')
    op.drop_index('ix_wishes_community_status', table_name='wishes')
    op.drop_index('ix_wishes_status_due', table_name='wishes')
    op.drop_table('wishes')
    op.drop_table('wish_campaigns')
