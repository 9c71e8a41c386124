"""The mutual-aid fund (互助基金): money received, payouts to households approved by two
coordinators, the public ledger and the coordinators' export. The bot takes no payments: it
records what the coordinators received and paid out, in the ledger (fen, the community's
currency).

A payout is asked for by one coordinator and needs two others' approval, by buttons, never the
asker's own and never one person twice. Each approval is a conditional UPDATE; the second one
also writes the transfer (the fund → the household), all in one savepoint, so two presses at
once give one payout and a fund without enough money refuses it whole. Anything shown beyond
the community's coordinators names a household by its code only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import ledger
from bot.services.communities import require_within
from bot.services.errors import DomainError, InvalidInput
from bot.services.users import clean_text
from storage.models import (
    AccountOwner,
    FundPayout,
    Household,
    LedgerAccount,
    LedgerTransfer,
    LedgerUnit,
    PayoutStatus,
    User,
)
from storage.repositories import audit
from storage.repositories import households as household_queries

RECEIVED = "fund.received"
PAYOUT = "fund.payout"
CATEGORIES = ("medical", "food", "housing", "education", "funeral", "other")
MAX_FEN = 10_000_000_00  # ten million yuan: more is a typing slip
DONOR_MAX = 64
NOTE_MAX = 300


class AmountInvalid(InvalidInput):
    """Not a positive amount of money (at most MAX_FEN fen)."""


class CategoryInvalid(InvalidInput):
    pass


class PayoutNotFound(DomainError):
    pass


class SelfApproval(DomainError):
    """The coordinator who asked for a payout cannot approve it."""


class ApprovedAlready(DomainError):
    """This coordinator approved it already: another coordinator must give the second one."""


class PayoutDecided(DomainError):
    """The payout was paid or cancelled already (or the other approval came first)."""

    def __init__(self, status: PayoutStatus) -> None:
        super().__init__(status)
        self.status = status


class FundTooLow(DomainError):
    """The fund holds less than the payout (or than a gift to be undone)."""

    def __init__(self, balance: int, currency: str = ledger.DEFAULT_CURRENCY) -> None:
        super().__init__(balance)
        self.balance, self.currency = balance, currency


# ---- accounts -----------------------------------------------------------------------------


async def fund_account(session: AsyncSession, community_id: int, *, now: datetime) -> LedgerAccount:
    """The fund's money: never below zero."""
    return await ledger.open_account(
        session, community_id=community_id, owner=AccountOwner.FUND, unit=LedgerUnit.FEN, now=now
    )


async def _received_from(
    session: AsyncSession, community_id: int, *, now: datetime
) -> LedgerAccount:
    """The community's side of the money it received (below zero by all of it)."""
    return await ledger.open_account(
        session,
        community_id=community_id,
        owner=AccountOwner.POOL,
        unit=LedgerUnit.FEN,
        lower_limit=None,
        now=now,
    )


async def _household_money(
    session: AsyncSession, household: Household, *, now: datetime
) -> LedgerAccount:
    return await ledger.open_account(
        session,
        community_id=household.community_id,
        owner=AccountOwner.HOUSEHOLD,
        unit=LedgerUnit.FEN,
        household_id=household.id,
        now=now,
    )


def _amount(fen: int) -> int:
    if isinstance(fen, bool) or not isinstance(fen, int) or not 0 < fen <= MAX_FEN:
        raise AmountInvalid()
    return fen


def parse_amount(text: str | None) -> int | None:
    """ "300", "¥300.50", "300元", "1,200": fen, or None."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "")
    for mark in ("¥", "￥", "元", "块", "CNY", "RMB", "yuan"):
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.strip()
    whole, _, part = cleaned.partition(".")
    if not whole.isdigit() or not (part == "" or (part.isdigit() and len(part) <= 2)):
        return None
    fen = int(whole) * 100 + (int(part.ljust(2, "0")) if part else 0)
    return fen if 0 < fen <= MAX_FEN else None


async def keeper_of(
    session: AsyncSession, settings: Settings | None, person: User | None, community_id: int
) -> User:
    person = require(person, Action.KEEP_FUND)
    await require_within(session, settings, person, community_id)
    return person


async def balance_for(
    session: AsyncSession,
    coordinator: User | None,
    community_id: int,
    *,
    now: datetime,
    settings: Settings | None = None,
) -> tuple[int, str]:
    """What the fund holds now, and in which currency (for its coordinators' menu)."""
    await keeper_of(session, settings, coordinator, community_id)
    fund = await fund_account(session, community_id, now=now)
    return await ledger.balance_of(session, fund), fund.currency or ledger.DEFAULT_CURRENCY


async def households_for(
    session: AsyncSession,
    coordinator: User | None,
    community_id: int,
    settings: Settings | None = None,
) -> list[Household]:
    await keeper_of(session, settings, coordinator, community_id)
    return await household_queries.listed(session, [community_id])


# ---- money received -----------------------------------------------------------------------


async def record_received(
    session: AsyncSession,
    coordinator: User | None,
    *,
    community_id: int,
    amount: int,
    donor: str | None,
    receipt_file_id: str | None,
    now: datetime,
    settings: Settings | None = None,
) -> LedgerTransfer:
    """Money a coordinator received for the fund: from a donor (named for the coordinators
    only, in the memo) or anonymous, with a photo of the receipt if there is one."""
    coordinator = await keeper_of(session, settings, coordinator, community_id)
    donor = clean_text(donor or "")[:DONOR_MAX] or None
    source = await _received_from(session, community_id, now=now)
    fund = await fund_account(session, community_id, now=now)
    return await ledger.post(
        session,
        community_id=community_id,
        kind=RECEIVED,
        legs=[(source, -_amount(amount)), (fund, amount)],
        now=now,
        by_id=coordinator.id,
        memo=donor,
        receipt_file_id=receipt_file_id,
    )


# ---- payouts ------------------------------------------------------------------------------


async def request_payout(
    session: AsyncSession,
    coordinator: User | None,
    *,
    household_id: int,
    amount: int,
    category: str,
    note: str | None,
    now: datetime,
    settings: Settings | None = None,
) -> FundPayout:
    household = await household_queries.get(session, household_id)
    if household is None:
        raise PayoutNotFound()
    coordinator = await keeper_of(session, settings, coordinator, household.community_id)
    if category not in CATEGORIES:
        raise CategoryInvalid()
    note = clean_text(note or "")
    if len(note) > NOTE_MAX:
        raise InvalidInput()
    fund = await fund_account(session, household.community_id, now=now)
    balance = await ledger.balance_of(session, fund)
    if balance < _amount(amount):
        raise FundTooLow(balance, fund.currency or ledger.DEFAULT_CURRENCY)
    payout = FundPayout(
        community_id=household.community_id,
        household_id=household.id,
        amount=amount,
        category=category,
        note=note or None,
        status=PayoutStatus.PENDING,
        requested_by_id=coordinator.id,
        requested_at=now,
    )
    session.add(payout)
    await session.flush()
    _audit(session, now, "fund.payout_asked", coordinator, payout)
    return payout


def _audit(session: AsyncSession, now: datetime, action: str, by: User, payout: FundPayout) -> None:
    audit.record(
        session,
        at=now,
        action=action,
        actor_id=by.id,
        subject_id=None,
        detail={"payout_id": payout.id, "community_id": payout.community_id},
    )


async def payout_for(
    session: AsyncSession,
    coordinator: User | None,
    payout_id: int,
    settings: Settings | None = None,
) -> FundPayout:
    payout = await session.get(FundPayout, payout_id, populate_existing=True)
    if payout is None:
        raise PayoutNotFound()
    await keeper_of(session, settings, coordinator, payout.community_id)
    return payout


@dataclass(frozen=True)
class Approval:
    payout: FundPayout
    paid: bool  # the second approval: recorded as paid


async def approve_payout(
    session: AsyncSession,
    coordinator: User | None,
    payout_id: int,
    *,
    now: datetime,
    settings: Settings | None = None,
) -> Approval:
    payout = await payout_for(session, coordinator, payout_id, settings)
    assert coordinator is not None
    if payout.status is not PayoutStatus.PENDING:
        raise PayoutDecided(payout.status)
    if payout.requested_by_id == coordinator.id:
        raise SelfApproval()
    if payout.first_approver_id == coordinator.id:
        raise ApprovedAlready()
    pending = (FundPayout.id == payout.id, FundPayout.status == PayoutStatus.PENDING)
    if payout.first_approver_id is None:
        first = await session.execute(
            update(FundPayout)
            .where(*pending, FundPayout.first_approver_id.is_(None))
            .values(first_approver_id=coordinator.id, first_approved_at=now)
            .execution_options(synchronize_session=False)
        )
        if first.rowcount:  # type: ignore[attr-defined]
            await session.refresh(payout)
            _audit(session, now, "fund.payout_approved", coordinator, payout)
            return Approval(payout, paid=False)
        await session.refresh(payout)  # another coordinator was first: this is the second
        if payout.status is not PayoutStatus.PENDING:
            raise PayoutDecided(payout.status)
        if payout.first_approver_id == coordinator.id:
            raise ApprovedAlready()
    return await _pay(session, coordinator, payout, now=now)


async def _pay(
    session: AsyncSession, coordinator: User, payout: FundPayout, *, now: datetime
) -> Approval:
    household = await household_queries.get(session, payout.household_id)
    assert household is not None
    fund = await fund_account(session, payout.community_id, now=now)
    to = await _household_money(session, household, now=now)
    try:
        async with session.begin_nested():
            second = await session.execute(
                update(FundPayout)
                .where(
                    FundPayout.id == payout.id,
                    FundPayout.status == PayoutStatus.PENDING,
                    FundPayout.first_approver_id.is_not(None),
                    FundPayout.first_approver_id != coordinator.id,
                    FundPayout.second_approver_id.is_(None),
                )
                .values(second_approver_id=coordinator.id, status=PayoutStatus.PAID, paid_at=now)
                .execution_options(synchronize_session=False)
            )
            if not second.rowcount:  # type: ignore[attr-defined]
                raise PayoutDecided(PayoutStatus.PAID)
            transfer = await ledger.post(
                session,
                community_id=payout.community_id,
                kind=PAYOUT,
                category=payout.category,
                legs=[(fund, -payout.amount), (to, payout.amount)],
                now=now,
                by_id=coordinator.id,
                memo=payout.note,
                source=f"payout:{payout.id}",
            )
            await session.execute(
                update(FundPayout)
                .where(FundPayout.id == payout.id)
                .values(transfer_id=transfer.id)
                .execution_options(synchronize_session=False)
            )
    except ledger.BelowLimit:
        balance = await ledger.balance_of(session, fund)
        raise FundTooLow(balance, fund.currency or ledger.DEFAULT_CURRENCY) from None
    finally:
        await session.refresh(payout)
    _audit(session, now, "fund.payout_paid", coordinator, payout)
    return Approval(payout, paid=True)


async def cancel_payout(
    session: AsyncSession,
    coordinator: User | None,
    payout_id: int,
    *,
    now: datetime,
    settings: Settings | None = None,
) -> FundPayout:
    payout = await payout_for(session, coordinator, payout_id, settings)
    assert coordinator is not None
    done = await session.execute(
        update(FundPayout)
        .where(FundPayout.id == payout.id, FundPayout.status == PayoutStatus.PENDING)
        .values(status=PayoutStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(payout)
    if not done.rowcount:  # type: ignore[attr-defined]
        raise PayoutDecided(payout.status)
    _audit(session, now, "fund.payout_cancelled", coordinator, payout)
    return payout
