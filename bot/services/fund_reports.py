"""What the mutual-aid fund shows: the public ledger (totals, and each payout by household code,
amount and category, never a name, address, phone, note or donor) and the coordinators' CSV
export of the whole ledger (full detail, audited)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import Settings
from bot.services import ledger
from bot.services.fund import PAYOUT, RECEIVED, fund_account, keeper_of
from storage.models import (
    AccountOwner,
    FundPayout,
    Household,
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
    PayoutStatus,
    User,
)
from storage.repositories import audit
from storage.repositories import households as household_queries


@dataclass(frozen=True)
class PublicPayout:
    code: str  # the household's code, all anyone but the coordinators sees of it
    amount: int
    category: str


@dataclass(frozen=True)
class PublicCorrection:
    """A mistake undone, as anyone may read it: what it undid (money received, or a payout by
    household code and category) and how much."""

    undid: str  # RECEIVED or PAYOUT
    amount: int  # what the undone entry had moved, in fen
    code: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class PublicLedger:
    """The fund as anyone may read it: totals and payouts by household code and category."""

    currency: str
    received: int
    paid_out: int
    balance: int
    payouts: list[PublicPayout]  # paid, and not reversed since
    corrections: int = 0  # the net of reversals (a mistake undone) in the period
    corrected: tuple[PublicCorrection, ...] = ()


async def public_ledger(
    session: AsyncSession, community_id: int, *, since: datetime, until: datetime
) -> PublicLedger:
    """The fund between two moments (a month): built from codes, amounts and categories only,
    so no name, address, phone, note or donor can reach it."""
    now = until
    fund = await fund_account(session, community_id, now=now)
    moves = (
        await session.execute(
            select(
                LedgerTransfer.kind, LedgerTransfer.category, LedgerEntry.amount, LedgerTransfer.id
            )
            .join(LedgerEntry, LedgerEntry.transfer_id == LedgerTransfer.id)
            .where(
                LedgerEntry.account_id == fund.id,
                LedgerTransfer.created_at >= since,
                LedgerTransfer.created_at < until,
            )
        )
    ).all()
    received = sum(amount for kind, _, amount, _ in moves if kind == RECEIVED)
    paid_out = -sum(amount for kind, _, amount, _ in moves if kind == PAYOUT)
    corrections = sum(amount for kind, _, amount, _ in moves if kind == ledger.REVERSAL)
    reversed_ = aliased(LedgerTransfer)
    rows = (
        await session.execute(
            select(Household.code, FundPayout.amount, FundPayout.category)
            .join(Household, Household.id == FundPayout.household_id)
            .join(LedgerTransfer, LedgerTransfer.id == FundPayout.transfer_id)
            .where(
                FundPayout.community_id == community_id,
                FundPayout.status == PayoutStatus.PAID,
                LedgerTransfer.created_at >= since,
                LedgerTransfer.created_at < until,
                ~exists().where(reversed_.reverses_id == LedgerTransfer.id),
            )
            .order_by(FundPayout.paid_at, FundPayout.id)
        )
    ).all()
    reversals = [transfer_id for kind, _, _, transfer_id in moves if kind == ledger.REVERSAL]
    return PublicLedger(
        corrected=await _corrected(session, reversals),
        currency=fund.currency or ledger.DEFAULT_CURRENCY,
        received=received,
        paid_out=paid_out,
        corrections=corrections,
        balance=await ledger.balance_of(session, fund),
        payouts=[PublicPayout(code, amount, category) for code, amount, category in rows],
    )


async def _corrected(
    session: AsyncSession, reversal_ids: list[int]
) -> tuple[PublicCorrection, ...]:
    """The entries these reversals undid, by kind, amount, household code and category only."""
    if not reversal_ids:
        return ()
    undone = aliased(LedgerTransfer)
    rows = (
        await session.execute(
            select(undone.kind, LedgerEntry.amount, Household.code, undone.category)
            .select_from(LedgerTransfer)
            .join(undone, undone.id == LedgerTransfer.reverses_id)
            .join(LedgerEntry, LedgerEntry.transfer_id == undone.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .outerjoin(FundPayout, FundPayout.transfer_id == undone.id)
            .outerjoin(Household, Household.id == FundPayout.household_id)
            .where(
                LedgerTransfer.id.in_(reversal_ids),
                LedgerAccount.owner == AccountOwner.FUND,
                undone.kind.in_((RECEIVED, PAYOUT)),
            )
            .order_by(LedgerTransfer.id)
        )
    ).all()
    return tuple(
        PublicCorrection(kind, abs(amount), code if kind == PAYOUT else None, category)
        for kind, amount, code, category in rows
    )


CSV_HEADER = (
    "date_utc", "transfer", "kind", "category", "account", "amount", "unit", "currency",
    "memo", "reverses", "reason", "receipt_file_id", "by",
)  # fmt: skip


async def export_csv(
    session: AsyncSession,
    coordinator: User | None,
    community_id: int,
    *,
    now: datetime,
    settings: Settings | None = None,
) -> str:
    """Every entry of the community's ledger, with the full detail (memos, donors, household
    codes, who recorded it): for its coordinators only, and the export is audited."""
    coordinator = await keeper_of(session, settings, coordinator, community_id)
    rows = (
        await session.execute(
            select(LedgerEntry, LedgerTransfer, LedgerAccount)
            .join(LedgerTransfer, LedgerTransfer.id == LedgerEntry.transfer_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerTransfer.community_id == community_id)
            .order_by(LedgerEntry.id)
        )
    ).all()
    codes = {
        household.id: household.code
        for household in await household_queries.listed(session, [community_id])
    }
    out = io.StringIO()
    writer = csv.writer(out)  # typed cells are made inert for spreadsheets (_cell)
    writer.writerow(CSV_HEADER)
    for entry, transfer, account in rows:
        writer.writerow(
            (
                transfer.created_at.isoformat(timespec="seconds"),
                transfer.id,
                transfer.kind,
                transfer.category or "",
                _account_name(account, codes),
                entry.amount,
                account.unit.value,
                account.currency or "",
                _cell(transfer.memo),
                transfer.reverses_id or "",
                _cell(transfer.reason),
                transfer.receipt_file_id or "",
                transfer.created_by_id or "",
            )
        )
    audit.record(
        session,
        at=now,
        action="ledger.exported",
        actor_id=coordinator.id,
        subject_id=None,
        detail={"community_id": community_id, "entries": len(rows)},
    )
    return out.getvalue()


def _cell(text: str | None) -> str:
    """Words a person typed, never read as a formula by a spreadsheet ("=HYPERLINK(...)")."""
    text = text or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _account_name(account: LedgerAccount, codes: dict[int, str]) -> str:
    if account.owner is AccountOwner.HOUSEHOLD and account.household_id is not None:
        return f"household {codes.get(account.household_id, account.household_id)}"
    if account.owner is AccountOwner.PERSON:
        return f"person {account.user_id}"
    return account.owner.value
