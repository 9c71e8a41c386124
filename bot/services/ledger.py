"""The ledger's rules: one double-entry book for time (爱心时间) and the mutual-aid fund.

A transfer is a set of entries that sum to zero in each unit; it is never edited or deleted.
A mistake is corrected by a transfer that reverses it (with a reason), and a transfer is
reversed at most once. Each account keeps its balance, changed in the same transaction as the
entries with the accounts locked in id order, and an account never goes below its limit, also
when two transfers race for its last minutes (the UPDATE itself checks the limit). A transfer
with a `source` ("request:17") is made once however often the step that makes it runs.

The time bank (`credit_time`, `time_summary`, `time_statement`) and the fund build on
`post` and `reverse`. No Telegram here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.config import Settings
from bot.policy.permissions import Action, require
from bot.services import communities
from bot.services.communities import DEFAULT_CURRENCY, require_within
from bot.services.errors import DomainError, InvalidInput
from storage.models import (
    AccountOwner,
    LedgerAccount,
    LedgerEntry,
    LedgerTransfer,
    LedgerUnit,
    User,
)
from storage.repositories import audit
from storage.repositories import ledger as queries

REASON_MAX = 200
MEMO_MAX = 300
_NO_LIMIT: int | None = None

# kinds of transfer
TIME_TASK = "time.task"  # a finished help request
TIME_VISIT = "time.visit"  # a logged paired visit or call
TIME_GIVEN = "time.given"  # time offered and given by anyone (also those who were helped)
REVERSAL = "reversal"


class LedgerError(DomainError):
    """The ledger said no; nothing was written."""


class TransferInvalid(LedgerError):
    """Entries that do not sum to zero per unit, an empty transfer, accounts of another
    community, or an amount that is not a whole number."""


class BelowLimit(LedgerError):
    """The transfer would take an account below its lower limit."""

    def __init__(self, account_id: int) -> None:
        super().__init__(account_id)
        self.account_id = account_id


class TransferNotFound(LedgerError):
    pass


class AlreadyReversed(LedgerError):
    """A transfer is reversed once; a second reversal is refused."""


class NotReversible(LedgerError):
    """A reversal is not itself reversed: post the transfer again instead."""


class ReasonRequired(InvalidInput):
    """A correction needs a reason (at most REASON_MAX characters)."""


# ---- accounts -----------------------------------------------------------------------------


def account_key(owner: AccountOwner, community_id: int, unit: LedgerUnit, of: int | None) -> str:
    return f"{owner.value}:{community_id}:{of if of is not None else '-'}:{unit.value}"


async def open_account(
    session: AsyncSession,
    *,
    community_id: int,
    owner: AccountOwner,
    unit: LedgerUnit,
    now: datetime,
    user_id: int | None = None,
    household_id: int | None = None,
    lower_limit: int | None = 0,
    currency: str | None = None,
) -> LedgerAccount:
    """The owner's account in this community and unit, opened on first use (once, also when
    two sessions open it at the same moment). Money is in the community's currency (its
    setting, inherited along the tree) unless `currency` says otherwise."""
    of = user_id if owner is AccountOwner.PERSON else household_id
    key = account_key(owner, community_id, unit, of)
    for _ in range(3):
        found = await queries.account_by_key(session, key)
        if found is not None:
            return found
        if unit is LedgerUnit.FEN and currency is None:
            currency = (await communities.tree(session, None)).currency(community_id)
        account = LedgerAccount(
            key=key,
            community_id=community_id,
            owner=owner,
            user_id=user_id,
            household_id=household_id,
            unit=unit,
            currency=(currency or DEFAULT_CURRENCY) if unit is LedgerUnit.FEN else None,
            lower_limit=lower_limit,
            balance=0,
            created_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(account)
                await session.flush()
        except IntegrityError:
            continue  # another session opened it first: read theirs
        return account
    raise RuntimeError(f"could not open ledger account {key}")


async def person_time_account(
    session: AsyncSession, community_id: int, user_id: int, *, now: datetime
) -> LedgerAccount:
    return await open_account(
        session,
        community_id=community_id,
        owner=AccountOwner.PERSON,
        unit=LedgerUnit.MINUTES,
        user_id=user_id,
        now=now,
    )


async def household_time_account(
    session: AsyncSession, community_id: int, household_id: int, *, now: datetime
) -> LedgerAccount:
    return await open_account(
        session,
        community_id=community_id,
        owner=AccountOwner.HOUSEHOLD,
        unit=LedgerUnit.MINUTES,
        household_id=household_id,
        now=now,
    )


async def time_pool(session: AsyncSession, community_id: int, *, now: datetime) -> LedgerAccount:
    """The community's side of the time it credits: below zero by all it has credited."""
    return await open_account(
        session,
        community_id=community_id,
        owner=AccountOwner.POOL,
        unit=LedgerUnit.MINUTES,
        lower_limit=_NO_LIMIT,
        now=now,
    )


# ---- transfers ----------------------------------------------------------------------------


def _merged(legs: Sequence[tuple[LedgerAccount, int]]) -> dict[int, tuple[LedgerAccount, int]]:
    merged: dict[int, tuple[LedgerAccount, int]] = {}
    for account, amount in legs:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TransferInvalid("amounts are whole numbers of minutes or fen")
        before = merged.get(account.id, (account, 0))[1]
        merged[account.id] = (account, before + amount)
    return {key: leg for key, leg in merged.items() if leg[1] != 0}


async def post(
    session: AsyncSession,
    *,
    community_id: int,
    kind: str,
    legs: Sequence[tuple[LedgerAccount, int]],
    now: datetime,
    by_id: int | None,
    memo: str | None = None,
    category: str | None = None,
    source: str | None = None,
    reverses_id: int | None = None,
    reason: str | None = None,
    subject_id: int | None = None,
    receipt_file_id: str | None = None,
) -> LedgerTransfer:
    """Write one transfer, or refuse it whole. `source`: made once (the existing transfer is
    returned when it was made before). `subject_id`: the person the audit entry is about."""
    merged = _merged(legs)
    if len(merged) < 2:
        raise TransferInvalid("a transfer moves between at least two accounts")
    per_unit: dict[LedgerUnit, int] = defaultdict(int)
    for account, amount in merged.values():
        if account.community_id != community_id:
            raise TransferInvalid("an account of another community")
        per_unit[account.unit] += amount
    if any(per_unit.values()):
        raise TransferInvalid("the entries do not sum to zero")
    if memo is not None and len(memo) > MEMO_MAX:
        raise TransferInvalid("memo too long")
    if source is not None:
        made = await queries.transfer_by_source(session, source)
        if made is not None:
            return made
    transfer = LedgerTransfer(
        community_id=community_id,
        kind=kind,
        category=category,
        memo=memo,
        source=source,
        reverses_id=reverses_id,
        reason=reason,
        receipt_file_id=receipt_file_id,
        created_at=now,
        created_by_id=by_id,
    )
    ids = sorted(merged)
    balances: dict[int, int] = {}
    try:
        async with session.begin_nested():
            await queries.lock_accounts(session, ids)
            for account_id in ids:  # in id order, as they were locked
                new = await queries.add_to_balance(session, account_id, merged[account_id][1])
                if new is None:
                    raise BelowLimit(account_id)
                balances[account_id] = new
            session.add(transfer)
            await session.flush()
            session.add_all(
                LedgerEntry(
                    transfer_id=transfer.id, account_id=i, amount=merged[i][1], created_at=now
                )
                for i in ids
            )
            await session.flush()
    except IntegrityError:
        if source is not None and (made := await queries.transfer_by_source(session, source)):
            return made  # made at the same moment by another session
        if reverses_id is not None and await queries.reversal_of(session, reverses_id):
            raise AlreadyReversed() from None
        raise
    for account_id, new in balances.items():  # the UPDATE changed them in the database
        set_committed_value(merged[account_id][0], "balance", new)
    audit.record(
        session,
        at=now,
        action="ledger.reversal" if reverses_id is not None else "ledger.transfer",
        actor_id=by_id,
        subject_id=subject_id,
        detail=_audit_detail(transfer, merged),
    )
    return transfer


def _audit_detail(
    transfer: LedgerTransfer, merged: dict[int, tuple[LedgerAccount, int]]
) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "transfer_id": transfer.id,
        "community_id": transfer.community_id,
        "kind": transfer.kind,
        "entries": {str(i): amount for i, (_, amount) in sorted(merged.items())},
    }
    if transfer.reverses_id is not None:
        detail["reverses_id"] = transfer.reverses_id
    return detail


def clean_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text or len(text) > REASON_MAX:
        raise ReasonRequired()
    return text


async def reverse(
    session: AsyncSession,
    transfer_id: int,
    *,
    reason: str,
    now: datetime,
    by_id: int | None,
    community_id: int | None = None,
    subject_id: int | None = None,
) -> LedgerTransfer:
    """Undo a transfer by its mirror image, with a reason. Once only; a reversal is final; a
    reversal that would take an account below its limit (time already spent) is refused."""
    reason = clean_reason(reason)
    transfer = await session.get(LedgerTransfer, transfer_id)
    if transfer is None or (community_id is not None and transfer.community_id != community_id):
        raise TransferNotFound()
    if transfer.reverses_id is not None:
        raise NotReversible()
    if await queries.reversal_of(session, transfer.id) is not None:
        raise AlreadyReversed()
    entries = await queries.entries_of(session, transfer.id)
    accounts = {
        a.id: a for a in await queries.accounts_by_id(session, {e.account_id for e in entries})
    }
    return await post(
        session,
        community_id=transfer.community_id,
        kind=REVERSAL,
        legs=[(accounts[e.account_id], -e.amount) for e in entries],
        now=now,
        by_id=by_id,
        category=transfer.category,
        reverses_id=transfer.id,
        reason=reason,
        subject_id=subject_id,
    )


async def correct(
    session: AsyncSession,
    coordinator: User | None,
    transfer_id: int,
    *,
    reason: str,
    now: datetime,
    settings: Settings | None = None,
) -> LedgerTransfer:
    """A coordinator of the transfer's community reverses it, saying why (audited)."""
    coordinator = require(coordinator, Action.KEEP_FUND)
    transfer = await session.get(LedgerTransfer, transfer_id)
    if transfer is None:
        raise TransferNotFound()
    await require_within(session, settings, coordinator, transfer.community_id)
    return await reverse(session, transfer.id, reason=reason, now=now, by_id=coordinator.id)


async def balance_of(session: AsyncSession, account: LedgerAccount) -> int:
    return await queries.balance(session, account.id)


# ---- the time bank ------------------------------------------------------------------------


def _positive_minutes(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise TransferInvalid("minutes are a positive whole number")
    return minutes


async def credit_time(
    session: AsyncSession,
    *,
    community_id: int,
    person_id: int | None = None,
    household_id: int | None = None,
    minutes: int,
    now: datetime,
    source: str | None,
    kind: str = TIME_GIVEN,
    by_id: int | None = None,
    memo: str | None = None,
) -> LedgerTransfer:
    """Credit time given to a person's (or a household's) time account from the community's
    time pool: a finished task, a logged visit, or time anyone offered and gave (a resident
    who was helped, too). Give a `source` ("wish:12") so a retried step credits once."""
    _positive_minutes(minutes)
    if (person_id is None) == (household_id is None):
        raise TransferInvalid("credit a person or a household")
    pool = await time_pool(session, community_id, now=now)
    if person_id is not None:
        account = await person_time_account(session, community_id, person_id, now=now)
    else:
        assert household_id is not None
        account = await household_time_account(session, community_id, household_id, now=now)
    return await post(
        session,
        community_id=community_id,
        kind=kind,
        legs=[(pool, -minutes), (account, minutes)],
        now=now,
        by_id=by_id,
        memo=memo,
        source=source,
        subject_id=person_id,
    )


async def live_credit(session: AsyncSession, source: str) -> LedgerTransfer | None:
    """The credit made for `source` that still stands (not reversed), if any."""
    for transfer in reversed(await queries.transfers_by_source_prefix(session, source)):
        if await queries.reversal_of(session, transfer.id) is None:
            return transfer
    return None


async def recredit_time(
    session: AsyncSession,
    *,
    community_id: int,
    person_id: int,
    minutes: int,
    now: datetime,
    source: str,
    kind: str,
    reason: str,
    by_id: int | None,
) -> LedgerTransfer:
    """The minutes of `source` were corrected: reverse the credit that stands (with the
    reason) and credit the new minutes; nothing when they are what was credited."""
    _positive_minutes(minutes)
    standing = await live_credit(session, source)
    if standing is not None:
        entries = await queries.entries_of(session, standing.id)
        if max(entry.amount for entry in entries) == minutes:
            return standing
        reversal = await reverse(
            session, standing.id, reason=reason, now=now, by_id=by_id, subject_id=person_id
        )
        source = f"{source}@{reversal.id}"
    return await credit_time(
        session,
        community_id=community_id,
        person_id=person_id,
        minutes=minutes,
        now=now,
        source=source,
        kind=kind,
        by_id=by_id,
    )


@dataclass(frozen=True)
class TimeSummary:
    balance: int  # minutes in their time accounts now
    this_month: int  # credited (net) since the month began
    entries: int  # how many lines their statement has


async def time_summary(
    session: AsyncSession, person_id: int, *, month_start: datetime
) -> TimeSummary:
    accounts = await queries.accounts_of_user(session, person_id, LedgerUnit.MINUTES)
    if not accounts:
        return TimeSummary(0, 0, 0)
    ids = [account.id for account in accounts]
    return TimeSummary(
        balance=await queries.balances(session, ids),
        this_month=await queries.sum_of_entries(session, ids, since=month_start),
        entries=await queries.count_entries(session, ids),
    )


async def time_statement(
    session: AsyncSession, person_id: int, *, limit: int, offset: int = 0
) -> list[queries.StatementLine]:
    """A person's time entries, newest first."""
    accounts = await queries.accounts_of_user(session, person_id, LedgerUnit.MINUTES)
    if not accounts:
        return []
    return await queries.statement(
        session, [account.id for account in accounts], limit=limit, offset=offset
    )
