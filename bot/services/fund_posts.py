"""The fund's monthly public ledger: once a month has ended in a community's own timezone,
its public ledger (totals, and each payout by household code, amount and category) is posted
once (to the volunteers' group, and to each person who asked for it). The claim is a row per
community and month, so several bot processes post it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.policy.permissions import is_registered
from bot.services import fund_reports
from bot.services.communities import CommunityTree
from bot.services.errors import NotAllowed
from storage.models import AccountOwner, FundLedgerPost, FundReader, LedgerAccount, User
from storage.repositories import audit


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


async def reads_monthly(session: AsyncSession, person: User | None) -> bool | None:
    """Whether the person reads their community's monthly fund ledger; None when their
    community keeps no fund (nothing to offer)."""
    if person is None or person.community_id is None:
        return None
    has_fund = await session.scalar(
        select(LedgerAccount.id).where(
            LedgerAccount.owner == AccountOwner.FUND,
            LedgerAccount.community_id == person.community_id,
        )
    )
    if has_fund is None:
        return None
    return await session.get(FundReader, person.id) is not None


async def set_monthly(
    session: AsyncSession, person: User | None, on: bool, *, now: datetime
) -> bool:
    """Opt in (or out) of the fund's monthly ledger of one's own community. Returns whether
    the person reads it now."""
    if not is_registered(person) or person is None or person.community_id is None:
        raise NotAllowed()
    found = await session.get(FundReader, person.id)
    if on and found is None:
        session.add(FundReader(user_id=person.id, community_id=person.community_id, since=now))
    elif not on and found is not None:
        await session.delete(found)
    else:
        return on
    audit.record(
        session,
        at=now,
        action="fund.ledger_read_on" if on else "fund.ledger_read_off",
        actor_id=person.id,
        subject_id=person.id,
    )
    await session.flush()
    return on


async def readers(session: AsyncSession, community_id: int) -> list[User]:
    """Who asked for the community's monthly ledger (and still lives there, data not deleted)."""
    return list(
        await session.scalars(
            select(User)
            .join(FundReader, FundReader.user_id == User.id)
            .where(
                FundReader.community_id == community_id,
                User.community_id == community_id,
                User.deleted_at.is_(None),
            )
            .order_by(User.id)
        )
    )


async def stop_reading(session: AsyncSession, user_id: int) -> None:
    """On "delete my data": no monthly ledger, and no link left to them."""
    await session.execute(delete(FundReader).where(FundReader.user_id == user_id))
