"""What a household's case file reads from the other programmes: its wishes, the fund's payouts
to it, and the time it (or someone living there) gave."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    FundPayout,
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
    LedgerUnit,
    Wish,
)
from storage.models.ledger import AccountOwner, PayoutStatus


async def wishes_of(session: AsyncSession, household_id: int) -> list[Wish]:
    return list(await session.scalars(select(Wish).where(Wish.household_id == household_id)))


async def payouts_paid_to(session: AsyncSession, household_id: int) -> list[FundPayout]:
    """Paid, and not corrected since (a payout recorded by mistake and undone is left out)."""
    reversal = aliased(LedgerTransfer)
    return list(
        await session.scalars(
            select(FundPayout)
            .outerjoin(reversal, reversal.reverses_id == FundPayout.transfer_id)
            .where(
                FundPayout.household_id == household_id,
                FundPayout.status == PayoutStatus.PAID,
                reversal.id.is_(None),
            )
        )
    )


async def time_given(
    session: AsyncSession, household_id: int, person_ids: Collection[int]
) -> list[tuple[datetime, int, str]]:
    """(when, minutes, transfer kind) of each credit to the household's time account or to a
    time account of someone living there, leaving out credits that were reversed."""
    reversal = aliased(LedgerTransfer)
    owned = or_(
        and_(
            LedgerAccount.owner == AccountOwner.HOUSEHOLD,
            LedgerAccount.household_id == household_id,
        ),
        and_(
            LedgerAccount.owner == AccountOwner.PERSON,
            LedgerAccount.user_id.in_(list(person_ids) or [-1]),
        ),
    )
    rows = await session.execute(
        select(LedgerTransfer.created_at, LedgerEntry.amount, LedgerTransfer.kind)
        .join(LedgerEntry, LedgerEntry.transfer_id == LedgerTransfer.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .outerjoin(reversal, reversal.reverses_id == LedgerTransfer.id)
        .where(
            owned,
            LedgerAccount.unit == LedgerUnit.MINUTES,
            LedgerEntry.amount > 0,
            LedgerTransfer.reverses_id.is_(None),
            reversal.id.is_(None),
        )
    )
    return [(at, int(minutes), kind) for at, minutes, kind in rows.all()]
