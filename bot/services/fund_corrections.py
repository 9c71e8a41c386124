"""↩️ Correct this: money received or a payout paid, recorded by mistake, undone by a
coordinator of its community with a reversing transfer and a reason (`ledger.correct`: once
only, audited). The public ledger then shows the undoing by household code and category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services import fund, fund_campaigns, ledger
from storage.models import AccountOwner, FundCampaign, LedgerTransfer, User
from storage.repositories import ledger as queries

CORRECTABLE = (fund.RECEIVED, fund.PAYOUT)


@dataclass(frozen=True)
class Correction:
    reversal: LedgerTransfer
    amount: int  # what the undone entry had moved in or out of the fund, in fen
    currency: str
    campaign: FundCampaign | None  # the campaign a gift undone was towards


async def correctable(
    session: AsyncSession,
    coordinator: User | None,
    transfer_id: int,
    settings: Settings | None = None,
) -> LedgerTransfer:
    """The fund's transfer a coordinator of its community may still correct."""
    transfer = await session.get(LedgerTransfer, transfer_id)
    if transfer is None or transfer.kind not in CORRECTABLE:
        raise ledger.TransferNotFound()
    await fund.keeper_of(session, settings, coordinator, transfer.community_id)
    if await queries.reversal_of(session, transfer.id) is not None:
        raise ledger.AlreadyReversed()
    return transfer


async def correct(
    session: AsyncSession,
    coordinator: User | None,
    transfer_id: int,
    *,
    reason: str,
    now: datetime,
    settings: Settings | None = None,
) -> Correction:
    """Undo it (a second correction of the same entry: `ledger.AlreadyReversed`; money that
    was paid out since cannot be taken back out of the fund: `fund.FundTooLow`)."""
    transfer = await correctable(session, coordinator, transfer_id, settings)
    fund_money = await fund.fund_account(session, transfer.community_id, now=now)
    try:
        reversal = await ledger.correct(
            session, coordinator, transfer.id, reason=reason, now=now, settings=settings
        )
    except ledger.BelowLimit:
        balance = await ledger.balance_of(session, fund_money)
        raise fund.FundTooLow(balance, fund_money.currency or ledger.DEFAULT_CURRENCY) from None
    entries = await queries.entries_of(session, transfer.id)
    accounts = {
        a.id: a for a in await queries.accounts_by_id(session, {e.account_id for e in entries})
    }
    moved = sum(abs(e.amount) for e in entries if accounts[e.account_id].owner is AccountOwner.FUND)
    return Correction(
        reversal=reversal,
        amount=moved,
        currency=fund_money.currency or ledger.DEFAULT_CURRENCY,
        campaign=await fund_campaigns.campaign_of_transfer(session, transfer.id),
    )
