"""Campaigns of the mutual-aid fund (为李奶奶筹集手术费): a coordinator opens one with a goal and
perhaps an end date; money received may be recorded towards it; each group of the community
reads its progress ("已筹 ¥3,200 / ¥5,000"), kept true as money comes in.

The money stays in the one fund account: a gift towards a campaign is a tag on its transfer
(`FundCampaignGift`), so payouts draw on all of it and the ledger's transfers still sum to zero
per unit. What a campaign raised is the fund's entries of its tagged transfers and of their
reversals: a gift corrected counts no more. The title goes to the groups, so it is typed by a
coordinator and holds no digit (no phone, flat number or address); the goal is asked apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import fund, ledger
from bot.services.errors import DomainError, InvalidInput
from bot.services.slots import local_today
from bot.services.users import clean_text
from storage.models import FundCampaign, FundCampaignGift, LedgerEntry, LedgerTransfer, User
from storage.repositories import audit

TITLE_MAX = 64
GOAL = "goal"  # why a campaign closed: its goal reached
ENDED = "ended"  # its end date passed
CLOSED = "closed"  # a coordinator closed it


class TitleInvalid(InvalidInput):
    """Empty, longer than TITLE_MAX, or with a digit (a phone or an address has no place in
    a group)."""


class CampaignNotFound(DomainError):
    """No open campaign of this community by that id (a forged or stale button)."""


class CampaignClosed(DomainError):
    pass


@dataclass(frozen=True)
class Progress:
    """A campaign's figures as its progress message shows them."""

    title: str
    raised: int  # fen
    goal: int
    currency: str
    closed_why: str | None
    ends_on: date | None

    @property
    def percent(self) -> int:
        return max(0, self.raised) * 100 // self.goal if self.goal else 0


def clean_title(text: str | None) -> str:
    title = clean_text(text or "")
    if not title or len(title) > TITLE_MAX or any(ch.isdigit() for ch in title):
        raise TitleInvalid()
    return title


async def open_campaign(
    session: AsyncSession,
    coordinator: User | None,
    *,
    community_id: int,
    title: str,
    goal: int,
    ends_on: date | None,
    now: datetime,
    settings: Settings | None = None,
) -> FundCampaign:
    coordinator = await fund.keeper_of(session, settings, coordinator, community_id)
    if isinstance(goal, bool) or not isinstance(goal, int) or not 0 < goal <= fund.MAX_FEN:
        raise fund.AmountInvalid()
    campaign = FundCampaign(
        community_id=community_id,
        title=clean_title(title),
        goal=goal,
        ends_on=ends_on,
        opened_by_id=coordinator.id,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    _audit(session, now, "fund.campaign_opened", coordinator, campaign)
    return campaign


def _audit(
    session: AsyncSession, now: datetime, action: str, by: User | None, campaign: FundCampaign
) -> None:
    audit.record(
        session,
        at=now,
        action=action,
        actor_id=by.id if by is not None else None,
        subject_id=None,
        detail={"campaign_id": campaign.id, "community_id": campaign.community_id},
    )


async def open_ones(
    session: AsyncSession,
    coordinator: User | None,
    community_id: int,
    settings: Settings | None = None,
) -> list[FundCampaign]:
    """The community's campaigns still open, oldest first (for the coordinators' pickers)."""
    await fund.keeper_of(session, settings, coordinator, community_id)
    return list(
        await session.scalars(
            select(FundCampaign)
            .where(FundCampaign.community_id == community_id, FundCampaign.closed_at.is_(None))
            .order_by(FundCampaign.id)
        )
    )


async def running(session: AsyncSession) -> list[FundCampaign]:
    return list(
        await session.scalars(
            select(FundCampaign).where(FundCampaign.closed_at.is_(None)).order_by(FundCampaign.id)
        )
    )


async def _open_one(
    session: AsyncSession, coordinator: User | None, campaign_id: int, community_id: int,
    settings: Settings | None,
) -> FundCampaign:  # fmt: skip
    await fund.keeper_of(session, settings, coordinator, community_id)
    campaign = await session.get(FundCampaign, campaign_id, populate_existing=True)
    if campaign is None or campaign.community_id != community_id:
        raise CampaignNotFound()
    if campaign.closed_at is not None:
        raise CampaignClosed()
    return campaign


async def record_gift(
    session: AsyncSession,
    coordinator: User | None,
    *,
    community_id: int,
    campaign_id: int | None,
    amount: int,
    donor: str | None,
    receipt_file_id: str | None,
    now: datetime,
    settings: Settings | None = None,
) -> tuple[LedgerTransfer, FundCampaign | None]:
    """Money received, towards a campaign of the community or none. The transfer locks the
    fund's account, so two gifts at once are counted one after the other; the one that reaches
    the goal closes the campaign (once)."""
    campaign = None
    if campaign_id is not None:
        campaign = await _open_one(session, coordinator, campaign_id, community_id, settings)
    transfer = await fund.record_received(
        session, coordinator, community_id=community_id, amount=amount, donor=donor,
        receipt_file_id=receipt_file_id, now=now, settings=settings,
    )  # fmt: skip
    if campaign is None:
        return transfer, None
    session.add(FundCampaignGift(transfer_id=transfer.id, campaign_id=campaign.id))
    await session.flush()
    if await raised(session, campaign) >= campaign.goal:
        await _close(session, campaign, GOAL, now=now, by=coordinator)
    return transfer, campaign


async def raised(session: AsyncSession, campaign: FundCampaign) -> int:
    """The fund's entries of the campaign's gifts and of their reversals."""
    fund_account = await fund.fund_account(session, campaign.community_id, now=campaign.created_at)
    gifts = select(FundCampaignGift.transfer_id).where(FundCampaignGift.campaign_id == campaign.id)
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransfer, LedgerTransfer.id == LedgerEntry.transfer_id)
        .where(
            LedgerEntry.account_id == fund_account.id,
            or_(LedgerTransfer.id.in_(gifts), LedgerTransfer.reverses_id.in_(gifts)),
        )
    )
    return int(total or 0)


async def progress(session: AsyncSession, campaign: FundCampaign) -> Progress:
    fund_account = await fund.fund_account(session, campaign.community_id, now=campaign.created_at)
    return Progress(
        title=campaign.title,
        raised=await raised(session, campaign),
        goal=campaign.goal,
        currency=fund_account.currency or ledger.DEFAULT_CURRENCY,
        closed_why=campaign.closed_why,
        ends_on=campaign.ends_on,
    )


async def _close(
    session: AsyncSession, campaign: FundCampaign, why: str, *, now: datetime, by: User | None
) -> bool:
    result = await session.execute(
        update(FundCampaign)
        .where(FundCampaign.id == campaign.id, FundCampaign.closed_at.is_(None))
        .values(closed_at=now, closed_why=why)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(campaign)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _audit(session, now, "fund.campaign_closed", by, campaign)
    return True


async def close_campaign(
    session: AsyncSession,
    coordinator: User | None,
    campaign_id: int,
    *,
    community_id: int,
    now: datetime,
    settings: Settings | None = None,
) -> FundCampaign:
    """A coordinator closes it (a double tap: `CampaignClosed` the second time)."""
    campaign = await _open_one(session, coordinator, campaign_id, community_id, settings)
    if not await _close(session, campaign, CLOSED, now=now, by=coordinator):
        raise CampaignClosed()
    return campaign


async def close_if_ended(
    session: AsyncSession, campaign: FundCampaign, *, now: datetime, timezone: str
) -> bool:
    """For the scheduler: a campaign whose last day is over where it runs, closed once."""
    if campaign.ends_on is None or local_today(now, timezone) <= campaign.ends_on:
        return False
    return await _close(session, campaign, ENDED, now=now, by=None)


async def campaign_of_transfer(session: AsyncSession, transfer_id: int) -> FundCampaign | None:
    """The campaign a gift was recorded towards (for a correction of it)."""
    campaign_id = await session.scalar(
        select(FundCampaignGift.campaign_id).where(FundCampaignGift.transfer_id == transfer_id)
    )
    return await session.get(FundCampaign, campaign_id) if campaign_id is not None else None
