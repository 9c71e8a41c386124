"""outbox leases, delivery policy and purge

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_expires_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('at_least_once', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('purged_at', storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_messages_purge', ['purged_at', 'created_at'], unique=False)
    # Rows held by a sender from before the upgrade: their lease has run out, any sender takes
    # them over. Urgent ones protect a person: sent again if interrupted.
    op.execute(
        "UPDATE outbox_messages SET lease_expires_at = claimed_at "
        "WHERE status IN ('claimed', 'sending')"
    )
    op.execute("UPDATE outbox_messages SET at_least_once = (priority >= 100)")


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_purge')
        batch_op.drop_column('purged_at')
        batch_op.drop_column('at_least_once')
        batch_op.drop_column('lease_expires_at')
