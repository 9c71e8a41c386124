"""card messages: where each card of a help request was shown, to keep them all true

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:00:00.000000

One row per message that shows a request (the coordinators' card, the volunteers' group post,
the holder's card, a browsing copy, the resident's own), with its Telegram message id or the
outbox row that sends it, so every change of the request edits them all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('request_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum('coordinators', 'group', 'holder', 'browse', 'resident', name='cardaudience', native_enum=False, length=24), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('edit_id', sa.Integer(), nullable=True),
    sa.Column('shown', sa.String(length=64), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['edit_id'], ['outbox_messages.id'], name=op.f('fk_request_cards_edit_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_messages.id'], name=op.f('fk_request_cards_outbox_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['help_requests.id'], name=op.f('fk_request_cards_request_id_help_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_request_cards_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_cards'))
    )
    op.create_index(op.f('ix_request_cards_request_id'), 'request_cards', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_request_cards_request_id'), table_name='request_cards')
    op.drop_table('request_cards')
