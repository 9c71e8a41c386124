"""group language and call-backs: each group's own language; "please call me" requests

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 06:00:00.000000

`group_chats` holds the language a coordinator chose for a group (its posts are written in it);
`call_backs` holds who asked to be phoned, until a coordinator marks the call done.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('group_chats',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_group_chats_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_group_chats'))
    )
    op.create_table('call_backs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_call_backs_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_call_backs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_backs'))
    )
    op.create_index('ix_call_backs_done_at', 'call_backs', ['done_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_call_backs_done_at', table_name='call_backs')
    op.drop_table('call_backs')
    op.drop_table('group_chats')
