"""step failures: scheduler steps set aside with their reason, retried with backoff

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('step_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=32), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.Column('first_failed_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_try_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('flagged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_step_failures')),
    sa.UniqueConstraint('job', 'row_id', name=op.f('uq_step_failures_job'))
    )
    with op.batch_alter_table('step_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_step_failures_next_try_at'), ['next_try_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('step_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_step_failures_next_try_at'))
    op.drop_table('step_failures')
