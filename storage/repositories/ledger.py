"""Queries of the ledger. Rows are only ever added; the one UPDATE is an account's balance,
made conditional on its lower limit so that two transfers at once cannot both pass it."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LedgerAccount, LedgerEntry, LedgerTransfer, LedgerUnit


async def account_by_key(session: AsyncSession, key: str) -> LedgerAccount | None:
    return (
        await session.scalars(select(LedgerAccount).where(LedgerAccount.key == key))
    ).one_or_none()


async def accounts_by_id(session: AsyncSession, ids: Collection[int]) -> list[LedgerAccount]:
    return list(await session.scalars(select(LedgerAccount).where(LedgerAccount.id.in_(list(ids)))))


async def lock_accounts(session: AsyncSession, ids: Sequence[int]) -> None:
    """Lock the accounts' rows in id order (PostgreSQL: FOR UPDATE; SQLite has one writer at a
    time anyway), so that two transfers over the same accounts wait for each other instead of
    deadlocking."""
    await session.execute(
        select(LedgerAccount.id)
        .where(LedgerAccount.id.in_(sorted(ids)))
        .order_by(LedgerAccount.id)
        .with_for_update()
    )


async def add_to_balance(session: AsyncSession, account_id: int, amount: int) -> int | None:
    """Add `amount` to the account's balance unless that would take it below its limit: the
    new balance, or None (nothing changed) when it would. One statement: on PostgreSQL a
    concurrent transfer waits for the row and the limit is checked on its new balance."""
    return await session.scalar(
        update(LedgerAccount)
        .where(
            LedgerAccount.id == account_id,
            LedgerAccount.lower_limit.is_(None)
            | (LedgerAccount.balance + amount >= LedgerAccount.lower_limit),
        )
        .values(balance=LedgerAccount.balance + amount)
        .returning(LedgerAccount.balance)
        .execution_options(synchronize_session=False)
    )


async def transfer_by_source(session: AsyncSession, source: str) -> LedgerTransfer | None:
    return (
        await session.scalars(select(LedgerTransfer).where(LedgerTransfer.source == source))
    ).one_or_none()


async def transfers_by_source_prefix(session: AsyncSession, prefix: str) -> list[LedgerTransfer]:
    """`source` equal to `prefix` or starting with `prefix@` (its corrections), oldest first."""
    return list(
        await session.scalars(
            select(LedgerTransfer)
            .where(
                (LedgerTransfer.source == prefix) | LedgerTransfer.source.startswith(f"{prefix}@")
            )
            .order_by(LedgerTransfer.id)
        )
    )


async def reversal_of(session: AsyncSession, transfer_id: int) -> LedgerTransfer | None:
    return (
        await session.scalars(
            select(LedgerTransfer).where(LedgerTransfer.reverses_id == transfer_id)
        )
    ).one_or_none()


async def entries_of(session: AsyncSession, transfer_id: int) -> list[LedgerEntry]:
    return list(
        await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.transfer_id == transfer_id)
            .order_by(LedgerEntry.id)
        )
    )


async def balance(session: AsyncSession, account_id: int) -> int:
    """The kept balance: one row."""
    found = await session.scalar(
        select(LedgerAccount.balance).where(LedgerAccount.id == account_id)
    )
    return int(found or 0)


async def balances(session: AsyncSession, account_ids: Collection[int]) -> int:
    found = await session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance), 0)).where(
            LedgerAccount.id.in_(list(account_ids))
        )
    )
    return int(found or 0)


async def sum_of_entries(
    session: AsyncSession, account_ids: Collection[int], *, since: datetime | None = None
) -> int:
    """The sum of the accounts' entries (since a moment): what a balance must always equal."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.account_id.in_(list(account_ids))
    )
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class StatementLine:
    entry: LedgerEntry
    transfer: LedgerTransfer


async def statement(
    session: AsyncSession, account_ids: Collection[int], *, limit: int, offset: int = 0
) -> list[StatementLine]:
    """The accounts' entries, newest first, with their transfers (read by the
    (account_id, id) index)."""
    rows = await session.execute(
        select(LedgerEntry, LedgerTransfer)
        .join(LedgerTransfer, LedgerTransfer.id == LedgerEntry.transfer_id)
        .where(LedgerEntry.account_id.in_(list(account_ids)))
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [StatementLine(entry, transfer) for entry, transfer in rows.all()]


async def count_entries(session: AsyncSession, account_ids: Collection[int]) -> int:
    return int(
        await session.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.account_id.in_(list(account_ids)))
        )
        or 0
    )


async def accounts_of_user(
    session: AsyncSession, user_id: int, unit: LedgerUnit
) -> list[LedgerAccount]:
    return list(
        await session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.user_id == user_id, LedgerAccount.unit == unit)
            .order_by(LedgerAccount.id)
        )
    )


async def accounts_of_community(session: AsyncSession, community_id: int) -> list[LedgerAccount]:
    return list(
        await session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.community_id == community_id)
            .order_by(LedgerAccount.id)
        )
    )


async def fund_currencies(
    session: AsyncSession, community_ids: Iterable[int]
) -> list[tuple[int, str]]:
    """The currency each of these communities' money accounts was opened in."""
    rows = await session.execute(
        select(LedgerAccount.community_id, LedgerAccount.currency)
        .where(
            LedgerAccount.community_id.in_(list(community_ids)),
            LedgerAccount.unit == LedgerUnit.FEN,
            LedgerAccount.currency.is_not(None),
        )
        .distinct()
    )
    return [(community_id, currency) for community_id, currency in rows.all()]
