"""Queries about hours certificates, and the credited time one is drawn from."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Certificate, LedgerAccount, LedgerEntry, LedgerUnit


@dataclass(frozen=True)
class Credited:
    minutes: int  # the sum of the entries: credits less their reversals
    first: datetime | None
    last: datetime | None


async def credited(session: AsyncSession, user_id: int, community_ids: Collection[int]) -> Credited:
    """A person's time entries in these communities: their sum, the first and the last."""
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(LedgerEntry.amount), 0),
                func.min(LedgerEntry.created_at),
                func.max(LedgerEntry.created_at),
            )
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(
                LedgerAccount.user_id == user_id,
                LedgerAccount.unit == LedgerUnit.MINUTES,
                LedgerAccount.community_id.in_(list(community_ids)),
            )
        )
    ).one()
    return Credited(int(row[0] or 0), row[1], row[2])


async def by_code(session: AsyncSession, code: str) -> Certificate | None:
    return await session.scalar(select(Certificate).where(Certificate.code == code))


async def by_source(session: AsyncSession, source: str) -> Certificate | None:
    return await session.scalar(select(Certificate).where(Certificate.source == source))
