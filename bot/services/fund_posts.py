"""The fund's monthly public ledger: once a month has ended in a community's own timezone,
its public ledger (totals, and each payout by household code, amount and category) is posted
once. The claim is a row per community and month, so several bot processes post it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import fund_reports
from bot.services.communities import CommunityTree
from storage.models import AccountOwner, FundLedgerPost, LedgerAccount


@dataclass(frozen=True)
class MonthlyPost:
    community_id: int
    period: str  # "2026-03"
    ledger: fund_reports.PublicLedger


def last_month(now: datetime, timezone: str) -> tuple[datetime, datetime, str]:
    """The month before the current one in `timezone`: its start, its end, its name."""
    local = now.astimezone(ZoneInfo(timezone))
    end = datetime(local.year, local.month, 1, tzinfo=local.tzinfo)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    start = datetime(year, month, 1, tzinfo=local.tzinfo)
    return start, end, f"{year}-{month:02d}"


async def take_due_posts(
    session: AsyncSession, tree: CommunityTree, *, now: datetime
) -> list[MonthlyPost]:
    """The months just ended of every community whose fund existed then, each claimed once."""
    funds = await session.execute(
        select(LedgerAccount.community_id, LedgerAccount.created_at).where(
            LedgerAccount.owner == AccountOwner.FUND
        )
    )
    due = []
    for community_id, opened_at in funds.all():
        start, end, period = last_month(now, tree.settings(community_id).timezone)
        if opened_at >= end:
            continue  # the fund began this month: nothing to say of the last one
        if await session.scalar(
            select(FundLedgerPost.id).where(
                FundLedgerPost.community_id == community_id, FundLedgerPost.period == period
            )
        ):
            continue
        try:
            async with session.begin_nested():
                session.add(FundLedgerPost(community_id=community_id, period=period, posted_at=now))
                await session.flush()
        except IntegrityError:
            continue  # another process claimed it
        book = await fund_reports.public_ledger(session, community_id, since=start, until=end)
        due.append(MonthlyPost(community_id, period, book))
    return due
