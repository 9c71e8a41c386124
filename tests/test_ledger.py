"""The ledger's rules below the chat: transfers that sum to zero, balances that are their
entries, limits that hold also when two sessions race, reversals once and with a reason, and
transfers made once per source. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.services import ledger
from bot.services.communities import FIRST_COMMUNITY_ID
from bot.services.ledger import (
    AlreadyReversed,
    BelowLimit,
    NotReversible,
    ReasonRequired,
    TransferInvalid,
)
from storage.models import (
    AccountOwner,
    AuditEvent,
    LedgerAccount,
    LedgerEntry,
    LedgerUnit,
    UserRole,
)
from storage.repositories import ledger as queries
from tests.people import make_person

pytestmark = pytest.mark.postgresql
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
C = FIRST_COMMUNITY_ID


async def _account(
    session: AsyncSession,
    name: str,
    *,
    limit: int | None = 0,
    unit: LedgerUnit = LedgerUnit.MINUTES,
) -> LedgerAccount:
    """An account of its own for a test (under a key no person or household has)."""
    account = LedgerAccount(
        key=f"test:{name}:{unit.value}",
        community_id=C,
        owner=AccountOwner.POOL,
        unit=unit,
        lower_limit=limit,
        balance=0,
        created_at=NOW,
    )
    session.add(account)
    await session.flush()
    return account


async def test_a_transfer_moves_time_and_its_entries_sum_to_zero(session: AsyncSession) -> None:
    pool = await _account(session, "pool", limit=None)
    tao = await _account(session, "tao")
    transfer = await ledger.post(
        session,
        community_id=C,
        kind="time.given",
        legs=[(pool, -60), (tao, 60)],
        now=NOW,
        by_id=None,
    )
    entries = await queries.entries_of(session, transfer.id)
    assert sorted(e.amount for e in entries) == [-60, 60]
    assert (await ledger.balance_of(session, pool), await ledger.balance_of(session, tao)) == (
        -60,
        60,
    )
    assert tao.balance == 60  # the loaded row is kept true
    audit = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.transfer"))
    ).all()
    assert [event.detail["transfer_id"] for event in audit] == [transfer.id]


async def test_unbalanced_or_empty_or_mixed_transfers_are_refused(session: AsyncSession) -> None:
    pool = await _account(session, "pool", limit=None)
    tao = await _account(session, "tao")
    cash = await _account(session, "cash", limit=None, unit=LedgerUnit.FEN)
    for legs in (
        [(pool, -60), (tao, 50)],
        [(tao, 60)],
        [(pool, -60), (pool, 60)],
        [(pool, -60), (cash, 60)],
    ):
        with pytest.raises(TransferInvalid):
            await ledger.post(session, community_id=C, kind="x", legs=legs, now=NOW, by_id=None)
    with pytest.raises(TransferInvalid):
        await ledger.post(
            session, community_id=C, kind="x", legs=[(pool, -1.5), (tao, 1.5)], now=NOW, by_id=None
        )  # type: ignore[list-item]
    assert await queries.count_entries(session, [pool.id, tao.id, cash.id]) == 0


async def test_below_the_limit_is_refused_whole(session: AsyncSession) -> None:
    pool = await _account(session, "pool", limit=None)
    tao = await _account(session, "tao")
    mei = await _account(session, "mei")
    await ledger.post(
        session, community_id=C, kind="x", legs=[(pool, -30), (tao, 30)], now=NOW, by_id=None
    )
    with pytest.raises(BelowLimit) as refused:
        await ledger.post(
            session, community_id=C, kind="x", legs=[(tao, -31), (mei, 31)], now=NOW, by_id=None
        )
    assert refused.value.account_id == tao.id
    assert (await ledger.balance_of(session, tao), await ledger.balance_of(session, mei)) == (30, 0)
    assert await queries.count_entries(session, [tao.id, mei.id]) == 1


async def test_a_reversal_needs_a_reason_restores_and_happens_once(session: AsyncSession) -> None:
    pool = await _account(session, "pool", limit=None)
    tao = await _account(session, "tao")
    transfer = await ledger.post(
        session, community_id=C, kind="x", legs=[(pool, -45), (tao, 45)], now=NOW, by_id=None
    )
    with pytest.raises(ReasonRequired):
        await ledger.reverse(session, transfer.id, reason="  ", now=NOW, by_id=None)
    reversal = await ledger.reverse(
        session, transfer.id, reason="typed 45, was 15", now=NOW, by_id=None
    )
    assert reversal.reverses_id == transfer.id and reversal.reason == "typed 45, was 15"
    assert (await ledger.balance_of(session, pool), await ledger.balance_of(session, tao)) == (0, 0)
    with pytest.raises(AlreadyReversed):
        await ledger.reverse(session, transfer.id, reason="again", now=NOW, by_id=None)
    with pytest.raises(NotReversible):
        await ledger.reverse(session, reversal.id, reason="undo the undo", now=NOW, by_id=None)
    assert await queries.count_entries(session, [tao.id]) == 2  # nothing deleted


async def test_a_transfer_with_a_source_is_made_once(session: AsyncSession) -> None:
    pool = await _account(session, "pool", limit=None)
    tao = await _account(session, "tao")
    one = await ledger.post(
        session,
        community_id=C,
        kind="x",
        legs=[(pool, -60), (tao, 60)],
        now=NOW,
        by_id=None,
        source="request:1",
    )
    two = await ledger.post(
        session,
        community_id=C,
        kind="x",
        legs=[(pool, -60), (tao, 60)],
        now=NOW,
        by_id=None,
        source="request:1",
    )
    assert one.id == two.id and await ledger.balance_of(session, tao) == 60


async def test_two_sessions_cannot_both_spend_the_last_minutes(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Two transfers at the same moment, each taking 40 of 60 minutes: one is refused."""
    async with session_factory() as session:
        pool = await _account(session, "pool", limit=None)
        tao = await _account(session, "tao")
        mei = await _account(session, "mei")
        kai = await _account(session, "kai")
        await ledger.post(
            session, community_id=C, kind="x", legs=[(pool, -60), (tao, 60)], now=NOW, by_id=None
        )
        await session.commit()
        ids = (tao.id, mei.id, kai.id)
    first_locked = asyncio.Event()

    async def spend(to: int, wait: bool) -> str:
        async with session_factory() as s:
            accounts = {a.id: a for a in await queries.accounts_by_id(s, ids)}
            if wait:
                await first_locked.wait()
            try:
                await ledger.post(
                    s,
                    community_id=C,
                    kind="x",
                    legs=[(accounts[ids[0]], -40), (accounts[to], 40)],
                    now=NOW,
                    by_id=None,
                )
            except BelowLimit:
                return "refused"
            first_locked.set()
            await asyncio.sleep(0.2)  # hold the lock while the other tries
            await s.commit()
            return "made"

    results = await asyncio.gather(spend(ids[1], False), spend(ids[2], True))
    assert sorted(results) == ["made", "refused"]
    async with session_factory() as session:
        assert await queries.balance(session, tao.id) == 20
        assert await queries.sum_of_entries(session, [tao.id]) == 20


async def test_credit_time_opens_the_accounts_and_is_idempotent(session: AsyncSession) -> None:
    clock = ManualClock(NOW)
    tao = await make_person(session, clock, 601, UserRole.VOLUNTEER, name="Tao")
    for _ in range(2):
        await ledger.credit_time(
            session,
            community_id=C,
            person_id=tao.id,
            minutes=90,
            now=NOW,
            source="request:7",
            kind=ledger.TIME_TASK,
        )
    summary = await ledger.time_summary(
        session, tao.id, month_start=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert (summary.balance, summary.this_month, summary.entries) == (90, 90, 1)
    pool = await ledger.time_pool(session, C, now=NOW)
    assert await ledger.balance_of(session, pool) == -90
    corrected = await ledger.recredit_time(
        session,
        community_id=C,
        person_id=tao.id,
        minutes=60,
        now=NOW,
        source="request:7",
        kind=ledger.TIME_TASK,
        reason="minutes corrected",
        by_id=tao.id,
    )
    assert corrected.source is not None and corrected.source.startswith("request:7@")
    summary = await ledger.time_summary(
        session, tao.id, month_start=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert (summary.balance, summary.entries) == (60, 3)
    lines = await ledger.time_statement(session, tao.id, limit=10)
    assert [line.entry.amount for line in lines] == [60, -90, 90]
    entries = (await session.scalars(select(LedgerEntry))).all()
    assert sum(e.amount for e in entries) == 0
