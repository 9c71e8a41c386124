"""ledger: one double-entry book for time (爱心时间) and the mutual-aid fund

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 12:00:00.000000

Accounts (a person's or a household's time, the community's pools, the fund), transfers whose
entries sum to zero per unit, and the entries. Nothing is edited: a correction is a transfer
that reverses another. Each account keeps its balance, checked against its lower limit.

The time already given is carried over: every finished request with its minutes and every
logged visit becomes a credit from its community's time pool to the volunteer's time account,
dated when it was done, under the same source the bot uses from here on ("request:17",
"visit:5"), so nothing is ever credited twice.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ledger_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.Enum('person', 'household', 'pool', 'fund', name='accountowner', native_enum=False, length=24), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('unit', sa.Enum('minutes', 'fen', name='ledgerunit', native_enum=False, length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('lower_limit', sa.BigInteger(), nullable=True),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('lower_limit IS NULL OR balance >= lower_limit', name=op.f('ck_ledger_accounts_within_limit')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ledger_accounts_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_ledger_accounts_household_id_households')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ledger_accounts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_accounts')),
    sa.UniqueConstraint('key', name=op.f('uq_ledger_accounts_key'))
    )
    op.create_index(op.f('ix_ledger_accounts_community_id'), 'ledger_accounts', ['community_id'], unique=False)
    op.create_index(op.f('ix_ledger_accounts_household_id'), 'ledger_accounts', ['household_id'], unique=False)
    op.create_index(op.f('ix_ledger_accounts_user_id'), 'ledger_accounts', ['user_id'], unique=False)

    op.create_table('ledger_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=True),
    sa.Column('memo', sa.String(length=300), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('receipt_file_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_ledger_transfers_community_id_communities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ledger_transfers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_transfers.id'], name=op.f('fk_ledger_transfers_reverses_id_ledger_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transfers')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_transfers_reverses_id')),
    sa.UniqueConstraint('source', name=op.f('uq_ledger_transfers_source'))
    )
    op.create_index(op.f('ix_ledger_transfers_community_id'), 'ledger_transfers', ['community_id'], unique=False)
    op.create_index(op.f('ix_ledger_transfers_created_at'), 'ledger_transfers', ['created_at'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ledger_accounts.id'], name=op.f('fk_ledger_entries_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['transfer_id'], ['ledger_transfers.id'], name=op.f('fk_ledger_entries_transfer_id_ledger_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_account_at', 'ledger_entries', ['account_id', 'created_at'], unique=False)
    op.create_index('ix_ledger_entries_account_id_id', 'ledger_entries', ['account_id', 'id'], unique=False)
    op.create_index(op.f('ix_ledger_entries_transfer_id'), 'ledger_entries', ['transfer_id'], unique=False)
    op.create_table('fund_payouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('status', sa.Enum('pending', 'paid', 'cancelled', name='payoutstatus', native_enum=False, length=24), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_approver_id', sa.Integer(), nullable=True),
    sa.Column('first_approved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('second_approver_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_payouts_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_fund_payouts_household_id_households')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_fund_payouts_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['first_approver_id'], ['users.id'], name=op.f('fk_fund_payouts_first_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['second_approver_id'], ['users.id'], name=op.f('fk_fund_payouts_second_approver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['transfer_id'], ['ledger_transfers.id'], name=op.f('fk_fund_payouts_transfer_id_ledger_transfers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_payouts'))
    )
    op.create_index(op.f('ix_fund_payouts_community_id'), 'fund_payouts', ['community_id'], unique=False)
    op.create_index(op.f('ix_fund_payouts_household_id'), 'fund_payouts', ['household_id'], unique=False)
    op.create_table('fund_ledger_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('posted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_ledger_posts_community_id_communities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_ledger_posts')),
    sa.UniqueConstraint('community_id', 'period', name=op.f('uq_fund_ledger_posts_community_id'))
    )
    op.create_table('fund_readers',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('since', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_fund_readers_community_id_communities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_fund_readers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_fund_readers'))
    )
    op.create_index(op.f('ix_fund_readers_community_id'), 'fund_readers', ['community_id'], unique=False)
    op.create_table('give_back_nudges',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('since', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_give_back_nudges_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_give_back_nudges'))
    )
    _carry_over_time()


_T = storage.types.UTCDateTime(timezone=True)
REQUESTS = sa.table(
    'help_requests', sa.column('id'), sa.column('community_id'), sa.column('volunteer_id'),
    sa.column('status'), sa.column('minutes_spent'), sa.column('done_at', _T),
)
VISITS = sa.table(
    'visits', sa.column('id'), sa.column('pairing_id'), sa.column('volunteer_id'),
    sa.column('status'), sa.column('minutes'), sa.column('logged_at', _T),
)
PAIRINGS = sa.table('pairings', sa.column('id'), sa.column('community_id'))
ACCOUNTS = sa.table(
    'ledger_accounts', sa.column('id'), sa.column('key'), sa.column('community_id'),
    sa.column('owner'), sa.column('user_id'), sa.column('household_id'), sa.column('unit'),
    sa.column('currency'), sa.column('lower_limit'), sa.column('balance'),
    sa.column('created_at', _T),
)
TRANSFERS = sa.table(
    'ledger_transfers', sa.column('id'), sa.column('community_id'), sa.column('kind'),
    sa.column('source'), sa.column('created_at', _T),
)
ENTRIES = sa.table(
    'ledger_entries', sa.column('transfer_id'), sa.column('account_id'), sa.column('amount'),
    sa.column('created_at', _T),
)


def _carry_over_time() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    credits = [
        ('time.task', f'request:{row.id}', row.community_id, row.volunteer_id, row.minutes_spent, row.done_at or now)
        for row in bind.execute(
            sa.select(REQUESTS).where(
                REQUESTS.c.status == 'done', REQUESTS.c.volunteer_id.is_not(None),
                REQUESTS.c.minutes_spent > 0,
            ).order_by(REQUESTS.c.id)
        )
    ]
    credits += [
        ('time.visit', f'visit:{row.id}', row.community_id, row.volunteer_id, row.minutes, row.logged_at or now)
        for row in bind.execute(
            sa.select(VISITS.c.id, VISITS.c.volunteer_id, VISITS.c.minutes, VISITS.c.logged_at, PAIRINGS.c.community_id)
            .join(PAIRINGS, PAIRINGS.c.id == VISITS.c.pairing_id)
            .where(VISITS.c.status == 'logged', VISITS.c.minutes > 0)
            .order_by(VISITS.c.id)
        )
    ]
    balances: dict[tuple[str, int, int | None], int] = {}
    for _, _, community_id, volunteer_id, minutes, _ in credits:
        balances[('pool', community_id, None)] = balances.get(('pool', community_id, None), 0) - minutes
        key = ('person', community_id, volunteer_id)
        balances[key] = balances.get(key, 0) + minutes
    ids: dict[tuple[str, int, int | None], int] = {}
    for (owner, community_id, user_id), balance in balances.items():
        ids[(owner, community_id, user_id)] = bind.execute(
            sa.insert(ACCOUNTS).values(
                key=f"{owner}:{community_id}:{user_id if user_id is not None else '-'}:minutes",
                community_id=community_id, owner=owner, user_id=user_id, household_id=None,
                unit='minutes', currency=None, lower_limit=None if owner == 'pool' else 0,
                balance=balance, created_at=now,
            ).returning(ACCOUNTS.c.id)
        ).scalar_one()
    for kind, source, community_id, volunteer_id, minutes, at in credits:
        transfer_id = bind.execute(
            sa.insert(TRANSFERS).values(
                community_id=community_id, kind=kind, source=source, created_at=at
            ).returning(TRANSFERS.c.id)
        ).scalar_one()
        bind.execute(sa.insert(ENTRIES), [
            dict(transfer_id=transfer_id, account_id=ids[('pool', community_id, None)], amount=-minutes, created_at=at),
            dict(transfer_id=transfer_id, account_id=ids[('person', community_id, volunteer_id)], amount=minutes, created_at=at),
        ])


def downgrade() -> None:
    op.drop_table('give_back_nudges')
    op.drop_index('ix_fund_readers_community_id', table_name='fund_readers')
    op.drop_table('fund_readers')
    op.drop_table('fund_ledger_posts')
    op.drop_index('ix_fund_payouts_household_id', table_name='fund_payouts')
    op.drop_index('ix_fund_payouts_community_id', table_name='fund_payouts')
    op.drop_table('fund_payouts')
    op.drop_index('ix_ledger_entries_transfer_id', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_account_id_id', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_account_at', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_index('ix_ledger_transfers_created_at', table_name='ledger_transfers')
    op.drop_index('ix_ledger_transfers_community_id', table_name='ledger_transfers')
    op.drop_table('ledger_transfers')
    op.drop_index('ix_ledger_accounts_user_id', table_name='ledger_accounts')
    op.drop_index('ix_ledger_accounts_household_id', table_name='ledger_accounts')
    op.drop_index('ix_ledger_accounts_community_id', table_name='ledger_accounts')
    op.drop_table('ledger_accounts')
